import Correlator
import Exemplars
import Foundation
import GRPCCore
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TestSupport

@testable import HTTP

/// Log records kept in memory, for tests that assert what an operator reads in the log.
final class CapturedLog: Sendable {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let box = NIOLockedValueBox([Record]())

    var records: [Record] { box.withLockedValue { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let record = Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            log.box.withLockedValue { $0.append(record) }
        }
    }
}

/// An ingest request refused with a 4xx leaves a warning naming the route, the tenant, the
/// status and the reason the sender was given, at most one per route and status per interval:
/// the sender's own log may be out of the operator's reach (a Pyroscope SDK lost a whole
/// upload window to a 400 nobody saw but the `hb_requests` counter).
@Suite("Ingest refusals in the log")
struct RefusalLogTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let box = NIOLockedValueBox(ContinuousClock.now)
        var now: ContinuousClock.Instant { box.withLockedValue { $0 } }
        func advance(_ duration: Duration) { box.withLockedValue { $0 += duration } }
    }

    @Test func oneWarningPerRouteAndStatusPerIntervalCountingTheRest() {
        let captured = CapturedLog()
        let clock = ManualClock()
        let log = RefusalLog(logger: captured.logger, interval: .seconds(10)) { clock.now }
        log.refused(route: "/api/v1/write", tenant: "a", status: "400", reason: "first")
        log.refused(route: "/api/v1/write", tenant: "a", status: "400", reason: "second")
        log.refused(route: "/api/v1/write", tenant: "b", status: "400", reason: "third")
        log.refused(route: "/api/v1/write", tenant: "a", status: "429", reason: "rate")
        log.refused(route: "/ingest", tenant: "a", status: "400", reason: "other route")
        clock.advance(.seconds(9))
        log.refused(route: "/api/v1/write", tenant: "a", status: "400", reason: "still inside")
        clock.advance(.seconds(1))
        log.refused(route: "/api/v1/write", tenant: "c", status: "400", reason: "after the interval")
        log.refused(route: "/api/v1/write", tenant: "c", status: "400", reason: "inside the new one")

        let records = captured.records
        #expect(records.map(\.metadata["reason"]) == ["first", "rate", "other route", "after the interval"])
        #expect(records.allSatisfy { $0.level == .warning && $0.message == "refused an ingest request" })
        #expect(records[0].metadata == ["route": "/api/v1/write", "tenant": "a", "status": "400", "reason": "first"])
        // The three refused after the first warning of the window, told with the next one.
        #expect(records[3].metadata["refused_since_last_warning"] == "3")
        #expect(records[3].metadata["tenant"] == "c")
    }

    @Test func onlyRefusalsAreLoggedWithTheReasonTheSenderGot() {
        let captured = CapturedLog()
        let log = RefusalLog(logger: captured.logger)
        log.refused(route: "/a", tenant: "t", error: HTTPError(.badRequest, message: "series[3]: label name is empty"))
        log.refused(route: "/b", tenant: "t", error: ProfileIngestError("pprof: truncated", status: .contentTooLarge))
        log.refused(route: "/c", tenant: "t", error: ConnectError(.invalidArgument, "series[0]: bad"))
        log.refused(route: "/d", tenant: "t", error: HTTPError(.serviceUnavailable, message: "database away"))
        log.refused(route: "/e", tenant: "t", error: CancellationError())
        log.refused(route: "/f", tenant: "t", status: "400", reason: String(repeating: "x", count: 2000))
        let records = captured.records
        #expect(records.map { [$0.metadata["route"], $0.metadata["status"]] } == [["/a", "400"], ["/b", "413"], ["/c", "400"], ["/f", "400"]])
        #expect(records.map(\.metadata["reason"]?.count) == [30, 16, 14, RefusalLog.maxReasonLength])
        #expect(records[0].metadata["reason"] == "series[3]: label name is empty")
    }

    /// Through the router: a corrupt remote write and a Pyroscope push that is not a PushRequest, each
    /// answered in its protocol's shape, each warned about with the message the client got; and an
    /// OTLP trace export whose one span is rejected (a 200 with partial success, the span lost).
    @Test func refusedRequestsOnTheIngestRoutesAreWarnedAbout() async throws {
        let captured = CapturedLog()
        let configuration = CorrelatorConfiguration()
        let gate = IngestGate(limits: configuration.limits, refusals: RefusalLog(logger: captured.logger))
        try await TestDatabase.withFreshDatabase { client, _ in
            let router = buildRouter(store: try TestDatabase.makeStore(client), configuration: configuration, ruleManager: nil, ingestGate: gate)
            try await Application(router: router).test(.router) { http in
                let corrupt = Snappy.compress(Array(repeating: 0x0a, count: 3))
                let remoteWrite = try await http.execute(
                    uri: "/api/v1/write", method: .post, headers: [.contentType: "application/x-protobuf", .contentEncoding: "snappy"],
                    body: ByteBuffer(bytes: corrupt)
                ) { (Int($0.status.code), String(buffer: $0.body)) }
                #expect(remoteWrite.0 == 400)
                let push = try await http.execute(
                    uri: "/push.v1.PusherService/Push", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "[1]")
                ) { (Int($0.status.code), String(buffer: $0.body)) }
                #expect(push.0 == 400, "\(push.1)")
                let traces = try await http.execute(
                    uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: """
                        {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000000",
                         "spanId":"2222222222222222","name":"zero trace","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}
                        """)
                ) { (Int($0.status.code), String(buffer: $0.body)) }
                #expect(traces.0 == 200 && traces.1.contains("rejectedSpans"), "\(traces.1)")
                // Served, so not refused.
                let fine = try await http.execute(uri: "/healthz", method: .get) { Int($0.status.code) }
                #expect(fine == 200)

                let records = captured.records
                #expect(records.map(\.metadata["route"]) == ["/api/v1/write", "/push.v1.PusherService/Push", "/v1/traces"])
                #expect(records.map(\.metadata["status"]) == ["400", "400", "partial_success"])
                #expect(records.allSatisfy { $0.level == .warning && $0.metadata["tenant"] == "default" })
                #expect(records.last?.metadata["reason"] == "rejected 1 span: span #0 (2222222222222222): trace_id is all zeros")
                // The reason is the message the client was given (its start: the body escapes it).
                for (record, body) in zip(records, [remoteWrite.1, push.1]) {
                    let reason = try #require(record.metadata["reason"])
                    #expect(reason.count > 12 && body.contains(reason.prefix(12)), "\(reason) in \(body)")
                }
            }
        }
    }
}
