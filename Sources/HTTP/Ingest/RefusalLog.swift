import Hummingbird
import Logging
import NIOConcurrencyHelpers

/// Ingest requests refused with a 4xx, told to the operator as warnings: a sender whose data is
/// refused (a malformed body, a label over a limit, a rate limit) loses it, and its own log may
/// be out of the operator's reach. `hb_requests` and `correlator_limit_hits_total` count the
/// refusals; this says which route refused what, and why.
///
/// A sender retrying the same bad request can refuse thousands a minute, so each route and
/// status logs at most one warning per `interval`, carrying how many more it refused since the
/// last one (`refused_since_last_warning`). Routes are the ingest routes and gRPC methods, a
/// fixed set, so the state stays small.
final class RefusalLog: Sendable {
    private struct Key: Hashable {
        var route: String
        var status: String
    }

    private struct Window {
        var lastWarning: ContinuousClock.Instant
        var suppressed: Int
    }

    let logger: Logger
    let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let windows = NIOLockedValueBox([Key: Window]())

    /// Longest reason logged, in characters: decoder messages name a place, not the payload.
    static let maxReasonLength = 500

    init(
        logger: Logger = Logger(label: "correlator.ingest"), interval: Duration = .seconds(10),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    /// Notes a refusal of `route` for `tenant` answered with `status` (an HTTP status code, or
    /// a gRPC status code's name); logs it unless this route and status warned less than
    /// `interval` ago.
    func refused(route: String, tenant: String, status: String, reason: String) {
        let key = Key(route: route, status: status)
        let time = now()
        let suppressed: Int? = windows.withLockedValue { windows in
            if var window = windows[key], time - window.lastWarning < interval {
                window.suppressed += 1
                windows[key] = window
                return nil
            }
            let suppressed = windows[key]?.suppressed ?? 0
            windows[key] = Window(lastWarning: time, suppressed: 0)
            return suppressed
        }
        guard let suppressed else { return }
        var metadata: Logger.Metadata = [
            "route": "\(route)", "tenant": "\(tenant)", "status": "\(status)",
            "reason": "\(reason.prefix(Self.maxReasonLength))",
        ]
        if suppressed > 0 {
            metadata["refused_since_last_warning"] = "\(suppressed)"
        }
        logger.warning("refused an ingest request", metadata: metadata)
    }

    /// Notes `error` if it is a refusal (an error answered with a 4xx); other errors are the
    /// server's, and logged where they happen.
    func refused(route: String, tenant: String, error: any Error) {
        guard let (status, reason) = Self.refusal(error), (400..<500).contains(status.code) else { return }
        refused(route: route, tenant: tenant, status: "\(status.code)", reason: reason)
    }

    /// The status and message an error is answered with, for the errors the ingest routes throw.
    static func refusal(_ error: any Error) -> (HTTPResponse.Status, String)? {
        switch error {
        case let error as HTTPError: (error.status, error.body ?? "\(error.status)")
        case let error as ProfileIngestError: (error.status, error.message)
        case let error as ConnectError: (error.status, error.message)
        case let error as any HTTPResponseError: (error.status, "\(error)")
        default: nil
        }
    }
}
