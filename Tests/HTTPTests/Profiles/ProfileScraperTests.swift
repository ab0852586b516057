import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import TestSupport

/// Pull scraping against a live HTTP server serving the Go fixtures at `/debug/pprof/…`, next
/// to a target that is down.
@Suite("Profile scraping against a real PostgreSQL")
struct ProfileScraperTests {
    @Test func upTargetIsStoredAndDownTargetDoesNotStopIt() async throws {
        // swift-metrics is bootstrapped by the first use of the registry (the server's router
        // does it at start); before that a gauge is a no-op. This test must not depend on
        // another test having built a router first (run alone, it failed).
        _ = MetricsRegistry.shared
        try await TestDatabase.withFreshDatabase { client, _ in
            let logger = Logger(label: "test")
            let store = Store(
                client: client, target: "test database",
                migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger
            )
            let router = Router()
            let heap = try Fixtures.bytes("heap.pb.gz")
            let cpu = try Fixtures.bytes("cpu.pb.gz")
            router.get("/debug/pprof/heap") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: heap))) }
            router.get("/debug/pprof/profile") { request, _ -> Response in
                #expect(request.uri.queryParameters["seconds"] == "1")
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: cpu)))
            }
            router.get("/debug/pprof/goroutine") { _, _ in Response(status: .internalServerError) }
            let target = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await target.test(.live) { live in
                let port = try #require(live.port)
                let config = ProfileScrapeConfig(
                    jobName: "checkout", targets: ["127.0.0.1:\(port)", "127.0.0.1:1"], labels: ["env": "test"],
                    profiles: [.init(kind: .heap), .init(kind: .cpu, seconds: 1), .init(kind: .goroutine)]
                )
                let scraper = ProfileScraper(store: store, configs: [config], limits: IngestLimits(), logger: logger)
                let heapID = await scraper.scrapeOnce(config: config, target: config.targets[0], profile: config.profiles[0])
                let cpuID = await scraper.scrapeOnce(config: config, target: config.targets[0], profile: config.profiles[1])
                #expect(heapID != nil)
                #expect(cpuID != nil)
                #expect(await scraper.scrapeOnce(config: config, target: config.targets[0], profile: config.profiles[2]) == nil)
                #expect(await scraper.scrapeOnce(config: config, target: config.targets[1], profile: config.profiles[0]) == nil)

                let rows = try await client.query("SELECT service, type, labels::text, length(raw) FROM profiles ORDER BY type")
                var stored: [(String, String, String, Int)] = []
                for try await row in rows.decode((String, String, String, Int).self) { stored.append(row) }
                #expect(stored.map(\.1) == ["cpu", "heap"])
                #expect(stored.allSatisfy { $0.0 == "checkout" })
                #expect(stored[0].2 == #"{"env": "test", "job": "checkout", "instance": "127.0.0.1:\#(port)"}"#)
                #expect(stored[1].3 == heap.count)
                let upLines = MetricsRegistry.emitText().split(separator: "\n").filter {
                    $0.hasPrefix("correlator_profile_scrape_up{") && $0.contains("\"127.0.0.1:1\"") && $0.contains("\"heap\"")
                }
                #expect(upLines.count == 1)
                #expect(upLines.first.flatMap { Double($0.split(separator: " ").last ?? "") } == 0)
            }
        }
    }
}
extension ProfileScraperTests {
    /// A target serving a CPU profile whose sample label holds NUL (PostgreSQL text cannot store
    /// it, and a label is not repaired): the scrape is dropped with a warning that names the
    /// label, before any write. It used to fail the write of the span's row (`span_name`) with
    /// PostgreSQL's 22021, which the warning showed instead.
    @Test func aProfileWithANULLabelIsDroppedWithAWarningThatSaysWhy() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let captured = CapturedLog()
            let store = try TestDatabase.makeStore(client)
            var pprof = PprofBuilder()
            pprof.sampleType("samples", "count")
            pprof.function(id: 1, name: "main.work")
            pprof.location(id: 1, functions: [1])
            pprof.sample(locations: [1], values: [3], labels: [("span_id", "0102030405060708"), ("span_name", "GET \u{0}/x")])
            let body = pprof.encoded()
            let router = Router()
            router.get("/debug/pprof/profile") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: body))) }
            let target = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await target.test(.live) { live in
                let port = try #require(live.port)
                let config = ProfileScrapeConfig(jobName: "nul", targets: ["127.0.0.1:\(port)"], profiles: [.init(kind: .cpu, seconds: 1)])
                let scraper = ProfileScraper(store: store, configs: [config], limits: IngestLimits(), logger: captured.logger)
                #expect(await scraper.scrapeOnce(config: config, target: config.targets[0], profile: config.profiles[0]) == nil)
                let warning = try #require(captured.records.first { $0.message == "profile scrape failed" })
                let error = warning.metadata["error"] ?? ""
                #expect(error.contains("sample label 'span_name' holds a NUL byte"), "\(error)")
                #expect(!error.contains("PSQLError"), "\(error)")
                let rows = try await client.query("SELECT count(*)::int FROM profiles")
                for try await count in rows.decode(Int.self) { #expect(count == 0) }
            }
        }
    }
}

extension MetricsRegistry {
    static func emitText() -> String { String(decoding: shared.emitToBuffer(), as: UTF8.self) }
}
