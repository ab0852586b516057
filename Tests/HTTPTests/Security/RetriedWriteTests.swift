import Correlator
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import PostgresNIO
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A client that retries never makes Correlator store a row twice, whatever happened to its
/// first attempt; and a tenant over its byte rate is refused before its body is read.
@Suite("Retried writes and early refusals")
struct RetriedWriteTests {
    static let openMetrics: HTTPFields = [.contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8"]

    /// An exposition whose exemplar carries no timestamp, as most clients expose them: the
    /// server stamps it with the time it arrives, so a retry reaches the database with another
    /// timestamp than its first attempt, and the primary key `(series_fp, ts, tenant)` cannot
    /// tell them apart. Only the writer's "same exemplar as the series' latest" rule can.
    static let exposition = ByteBuffer(string: """
        # TYPE retry_seconds histogram
        retry_seconds_bucket{le="1"} 3 # {trace_id="0af7651916cd43dd8448eb211c80319c",span_id="b7ad6b7169203331"} 0.5
        retry_seconds_bucket{le="+Inf"} 3
        retry_seconds_count 3
        retry_seconds_sum 1.5
        # EOF

        """)

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var body: String
    }

    static func post(_ http: any TestClientProtocol) async throws -> Answer {
        try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: openMetrics, body: exposition) {
            Answer(status: $0.status, body: String(buffer: $0.body))
        }
    }

    /// Backends of this database waiting for a lock while inserting exemplars.
    static func insertsWaitingForALock(_ client: PostgresClient) async throws -> Int {
        let rows = try await client.query("""
            SELECT count(*)::int FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO exemplars%'
            """)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    static func storedRows(_ client: PostgresClient) async throws -> Int {
        for try await count in try await client.query("SELECT count(*)::int FROM exemplars").decode(Int.self) { return count }
        return 0
    }

    /// Polls `condition` every 20 ms; fails the test after `limit` (a guard against hanging,
    /// never the thing tested).
    static func waitUntil(_ what: String, limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + limit
        while try await !condition() {
            guard ContinuousClock.now < end else {
                Issue.record("gave up waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The case of issue 20, made deterministic with a lock instead of a PostgreSQL restart.
    /// The first attempt's insert is stalled on a lock past `write_timeout`. The client retries
    /// when it is answered 503, or when it gives up waiting (as Prometheus does after
    /// `remote_timeout`), while the first attempt may still be in PostgreSQL. The retry is
    /// stalled by the same lock; then the lock is released. Before PostgreSQL cancelled stalled
    /// writes at `write_timeout`, both attempts went on to commit, each with its own arrival
    /// time: two rows for one exemplar. Now the first is rolled back before its 503, and the
    /// exemplar is stored once.
    // The limit guards against a hang only: it counts the wait for a test database too (a few
    // at a time; slow to make on a Citus coordinator: 186 s in make test-citus).
    @Test(.timeLimit(.minutes(10))) func aRetryOfAWriteStalledPastWriteTimeoutAddsNoRow() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.limits.writeTimeout = .seconds(1)
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, database in
            try await TestDatabase.withIngestWriters(client, database, writeTimeout: frozen.limits.writeTimeout) { store in
                let app = Application(router: buildRouter(store: store, configuration: frozen))
                try await app.test(.router) { http in
                    var answers: [Answer] = []
                    try await client.withConnection { locker in
                        try await locker.query("BEGIN")
                        // Inserting exemplars upserts their series: that needs ROW EXCLUSIVE here.
                        try await locker.query("LOCK TABLE exemplar_series IN SHARE MODE")
                        let firstSent = ContinuousClock.now
                        let first = Attempt { try await Self.post(http) }
                        try await Self.waitUntil("the first attempt waits for the lock") { try await Self.insertsWaitingForALock(client) >= 1 }
                        // The client waits three write timeouts for an answer, then retries anyway.
                        try await Self.waitUntil("the first attempt is answered or the client gives up", limit: .seconds(600)) {
                            if first.isFinished { return true }
                            return ContinuousClock.now >= firstSent + .seconds(3)
                        }
                        let retry = Attempt { try await Self.post(http) }
                        try await Self.waitUntil("every unanswered attempt waits for the lock") {
                            let unanswered = (first.isFinished ? 0 : 1) + (retry.isFinished ? 0 : 1)
                            return try await Self.insertsWaitingForALock(client) >= unanswered
                        }
                        try await locker.query("COMMIT")
                        answers = [try await first.value, try await retry.value]
                    }
                    // First attempt: refused at write_timeout, its statement cancelled.
                    #expect(answers[0].status == .serviceUnavailable, "first attempt: \(answers[0].status) \(answers[0].body)")
                    #expect(answers[0].body.contains("nothing was stored"), "\(answers[0].body)")
                    // The client retries a 503 until it is acknowledged.
                    var acknowledged = answers.contains { $0.status == .noContent }
                    for _ in 0..<3 where !acknowledged {
                        acknowledged = try await Self.post(http).status == .noContent
                    }
                    #expect(acknowledged, "answers: \(answers.map { "\($0.status) \($0.body)" })")
                    let rows = try await Self.storedRows(client)
                    #expect(rows == 1, "one exemplar sent \(answers.count)+ times: \(rows) rows stored")
                }
            }
        }
    }

    /// A tenant over its byte rate is refused on the declared `Content-Length`, before any of
    /// the body is sent: the client below sends only the headers of a 1 MB upload and reads
    /// the answer. Were the body read first, no answer would come until the client gave up.
    // The limit guards against a hang only: it counts the wait for a test database too (a few
    // at a time; slow to make on a Citus coordinator: 186 s in make test-citus).
    @Test(.timeLimit(.minutes(10))) func byteRateRefusesOnContentLengthBeforeTheBodyIsRead() async throws {
        var configuration = CorrelatorConfiguration()
        configuration.limits.defaultRate = IngestRate(bytesPerSecond: 10, burstBytes: 100)
        let frozen = configuration
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: frozen))
            try await app.test(.live) { http in
                // A body larger than the burst passes once and leaves the tenant in debt.
                let first = try await http.execute(uri: "/api/v1/exemplars", method: .post, headers: Self.openMetrics, body: Self.exposition) { $0.status }
                #expect(first == .noContent)
                let port = try #require(http.port)
                let head = "POST /api/v1/exemplars HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/openmetrics-text\r\nContent-Length: 1000000\r\n\r\n"
                let answer = try HeadersOnlyClient.send(head, port: port, waitingAtMost: 30)
                #expect(answer.hasPrefix("HTTP/1.1 429"), "answer to the headers alone: \(answer.prefix(300))")
                #expect(answer.lowercased().contains("retry-after:"), "\(answer.prefix(300))")
                #expect(answer.contains("ingest_bytes_per_second"), "\(answer.prefix(300))")
            }
        }
    }
}

/// A request in flight whose end can be looked at without waiting for it.
final class Attempt: Sendable {
    private let done = NIOLockedValueBox(false)
    private let task: Task<RetriedWriteTests.Answer, any Error>

    init(_ send: @escaping @Sendable () async throws -> RetriedWriteTests.Answer) {
        let done = self.done
        task = Task {
            defer { done.withLockedValue { $0 = true } }
            return try await send()
        }
    }

    var isFinished: Bool { done.withLockedValue { $0 } }
    var value: RetriedWriteTests.Answer { get async throws { try await task.value } }
}

/// Sends raw bytes on a new TCP connection and returns what the server answers before it
/// closes the connection or `seconds` pass (a guard against hanging).
enum HeadersOnlyClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func send(_ text: String, port: Int, waitingAtMost seconds: Int) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: errno \(errno)") }
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "send: errno \(errno)") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer.append(contentsOf: buffer[0..<count])
            // The whole answer: headers and a body of the length they declare.
            if let text = String(validating: answer, as: UTF8.self), let end = text.range(of: "\r\n\r\n"),
               let length = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") })
                .flatMap({ Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }),
               text.utf8.distance(from: end.upperBound, to: text.endIndex) >= length
            {
                break
            }
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
