import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Rules

/// One alert in Alertmanager's `POST /api/v2/alerts` body.
public struct AlertmanagerAlert: Sendable, Hashable, Codable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date
    public var endsAt: Date
    public var generatorURL: String
}

/// The generic webhook's body: the same alerts in an envelope like Alertmanager's own webhook
/// (`version`, `status` firing when any alert fires, `alerts` with their `status`).
public struct WebhookEnvelope: Sendable, Hashable, Codable {
    public struct Alert: Sendable, Hashable, Codable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: Date
        public var endsAt: Date
        public var generatorURL: String
        public var fingerprint: String
        public var value: String
    }

    public var version = "1"
    public var receiver = "correlator"
    public var status: String
    public var externalURL: String
    public var alerts: [Alert]
}

/// Delivers alert notifications to every configured Alertmanager and webhook, with retries and
/// exponential backoff; deliveries that still fail are counted in
/// `correlator_notifications_failed_total{receiver=…}` (and successes in
/// `correlator_notifications_sent_total`).
public struct AlertNotifier: Sendable {
    public var alertmanagers: [String]
    public var webhooks: [String]
    /// Attempts per receiver and batch (first try included).
    public var attempts = 4
    /// Delay before the first retry; doubled after each.
    public var initialBackoff: Duration = .milliseconds(250)
    public var timeout: Duration = .seconds(10)

    /// The process-wide client for deliveries (never shut down, like `HTTPClient.shared`). Unlike
    /// `.shared` it does not retry a refused connection until the request's deadline: a receiver
    /// that is down fails the attempt at once and the backoff above decides what happens next.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
    public var externalURL: String
    let httpClient: HTTPClient
    let logger: Logger

    public init(alertmanagers: [String], webhooks: [String], externalURL: String, httpClient: HTTPClient = AlertNotifier.sharedClient, logger: Logger) {
        self.alertmanagers = alertmanagers
        self.webhooks = webhooks
        self.externalURL = externalURL
        self.httpClient = httpClient
        self.logger = logger
    }

    public var isEmpty: Bool { alertmanagers.isEmpty && webhooks.isEmpty }

    /// Sends the notifications to every receiver concurrently; returns when all are delivered or
    /// have used up their retries. Never throws: a failed delivery is logged and counted.
    public func send(_ notifications: [AlertNotification]) async {
        guard !notifications.isEmpty, !isEmpty else { return }
        let generatorURL = externalURL + "/api/v1/alerts"
        let alertmanagerBody: ByteBuffer
        let webhookBody: ByteBuffer
        do {
            let encoder = AlertingJSON.encoder()
            alertmanagerBody = ByteBuffer(data: try encoder.encode(notifications.map {
                AlertmanagerAlert(labels: $0.labels, annotations: $0.annotations, startsAt: $0.startsAt, endsAt: $0.endsAt, generatorURL: generatorURL)
            }))
            let alerts = notifications.map {
                WebhookEnvelope.Alert(
                    status: $0.state == .firing ? "firing" : "resolved", labels: $0.labels, annotations: $0.annotations,
                    startsAt: $0.startsAt, endsAt: $0.endsAt, generatorURL: generatorURL,
                    fingerprint: $0.fingerprint.description, value: AlertEvidence.format($0.value)
                )
            }
            webhookBody = ByteBuffer(data: try encoder.encode(
                WebhookEnvelope(status: alerts.contains { $0.status == "firing" } ? "firing" : "resolved", externalURL: externalURL, alerts: alerts)
            ))
        } catch {
            logger.error("cannot encode alert notifications", metadata: ["error": "\(error)"])
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for base in alertmanagers {
                group.addTask { await deliver(alertmanagerBody, to: base + "/api/v2/alerts", receiver: base, count: notifications.count) }
            }
            for url in webhooks {
                group.addTask { await deliver(webhookBody, to: url, receiver: url, count: notifications.count) }
            }
        }
    }

    private func deliver(_ body: ByteBuffer, to url: String, receiver: String, count: Int) async {
        var backoff = initialBackoff
        var lastProblem = ""
        for attempt in 1...max(1, attempts) {
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "correlator")
                request.body = .bytes(body)
                let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) {
                    Counter(label: "correlator_notifications_sent_total", dimensions: [("receiver", receiver)]).increment(by: count)
                    return
                }
                lastProblem = "HTTP \(response.status.code)"
                // Client errors other than 429 will not get better by retrying.
                if (400..<500).contains(response.status.code), response.status.code != 429 { break }
            } catch {
                lastProblem = "\(error)"
            }
            if attempt < attempts {
                logger.debug("alert delivery failed, retrying", metadata: ["receiver": "\(receiver)", "attempt": "\(attempt)", "error": "\(lastProblem)"])
                do { try await Task.sleep(for: backoff) } catch { break }
                backoff *= 2
            }
        }
        Counter(label: "correlator_notifications_failed_total", dimensions: [("receiver", receiver)]).increment(by: count)
        logger.warning("alert delivery failed", metadata: ["receiver": "\(receiver)", "alerts": "\(count)", "error": "\(lastProblem)"])
    }
}
