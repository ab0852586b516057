import AsyncHTTPClient
import Correlator
import Exemplars
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing
import TestSupport

@Suite("Exemplar scraper against local targets and a real PostgreSQL")
struct ExemplarScraperTests {
    /// A target serving the fixture (OpenMetrics), one serving garbage, one that is slow.
    static func targetRouter() throws -> Router<BasicRequestContext> {
        let fixture = try ExemplarFixtures.openMetrics
        let router = Router()
        router.get("/metrics") { request, _ -> Response in
            let accept = request.headers[.accept] ?? ""
            return Response(
                status: .ok,
                headers: [.contentType: accept.hasPrefix("application/openmetrics-text") ? openMetricsType : "text/plain"],
                body: .init(byteBuffer: ByteBuffer(bytes: fixture))
            )
        }
        router.get("/garbage") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: openMetricsType], body: .init(byteBuffer: ByteBuffer(string: "this is { not metrics\n")))
        }
        router.get("/slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(5))
            return Response(status: .ok, headers: [.contentType: openMetricsType], body: .init(byteBuffer: ByteBuffer(bytes: fixture)))
        }
        return router
    }

    static func deadPort() throws -> Int {
        // Bind and close: nothing listens there afterwards.
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }

    @Test func scrapesExemplarsWithJobAndInstanceWhileBadTargetsFailAlone() async throws {
        let expected = try ExemplarFixtures.expected.exemplars
        let target = Application(router: try Self.targetRouter())
        try await target.test(.live) { targetClient in
            let port = targetClient.port!
            let dead = try Self.deadPort()
            try await TestDatabase.withFreshDatabase { client, _ in
                let store = try makeStore(client)
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                func scraper(_ job: String, _ address: String, path: String = "/metrics") -> TargetScraper {
                    var config = ScrapeConfig(jobName: job, targets: [ScrapeTarget(address: address, labels: ["env": "test"])])
                    config.metricsPath = path
                    config.timeout = .seconds(1)
                    config.interval = .seconds(1)
                    return TargetScraper(client: http, config: config, target: config.targets[0], logger: Logger(label: "test"))
                }
                // The three bad targets at once; each fails with its own reason. The slow one
                // answers after 5 s: its 1 s timeout is what turns it into a "timeout" failure.
                async let deadResult = scraper("dead", "127.0.0.1:\(dead)").scrapeAndStore(into: store)
                async let garbageResult = scraper("garbage", "127.0.0.1:\(port)", path: "/garbage").scrapeAndStore(into: store)
                async let slowResult = scraper("slow", "127.0.0.1:\(port)", path: "/slow").scrapeAndStore(into: store)
                let results = await [deadResult, garbageResult, slowResult]
                let messages = results.map { result -> String in
                    if case .failure(let error) = result { return error.description }
                    return "succeeded"
                }
                // AsyncHTTPClient retries refused connections until the deadline: either message.
                #expect(messages[0].contains("cannot scrape") || messages[0].contains("timeout"), "\(messages[0])")
                #expect(messages[1].contains("line 1"), "\(messages[1])")
                #expect(messages[2].contains("timeout"), "\(messages[2])")
                #expect(try await exemplarRows(client).isEmpty)

                let good = scraper("checkout", "127.0.0.1:\(port)")
                for _ in 0..<3 {  // repeated scrapes of unchanged buckets store each exemplar once
                    let result = try await good.scrapeAndStore(into: store).get()
                    #expect(result.received == expected.count)
                }
                let rows = try await exemplarRows(client)
                #expect(rows.count == expected.count)
                #expect(Set(rows.compactMap(\.trace)) == Set(expected.compactMap { $0.labels["trace_id"] }))

                let series = try await store.queryExemplars(
                    tenant: "default",
                    selector: try SeriesSelector(parsing: #"http_server_request_duration_seconds_bucket{job="checkout"}"#),
                    start: 0, end: Int64.max / 2
                )
                #expect(series.count == expected.count)
                #expect(series.allSatisfy { $0.series["instance"] == "127.0.0.1:\(port)" && $0.series["env"] == "test" })
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }

    @Test func scraperServiceKeepsScrapingGoodTargetsNextToADeadOne() async throws {
        let expected = try ExemplarFixtures.expected.exemplars
        let target = Application(router: try Self.targetRouter())
        try await target.test(.live) { targetClient in
            let port = targetClient.port!
            let dead = try Self.deadPort()
            try await TestDatabase.withFreshDatabase { client, _ in
                let store = try makeStore(client)
                var config = ScrapeConfig(jobName: "svc", targets: [
                    ScrapeTarget(address: "127.0.0.1:\(dead)"),
                    ScrapeTarget(address: "127.0.0.1:\(port)"),
                ])
                config.interval = .milliseconds(300)
                config.timeout = .milliseconds(300)
                let scraper = ExemplarScraper(store: store, configs: [config], logger: Logger(label: "test"))
                // The router bootstraps the metrics registry that the scraper's gauges report to.
                let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration()))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await scraper.run() }
                    var rows = 0
                    for _ in 0..<50 where rows < expected.count {
                        try await Task.sleep(for: .milliseconds(100))
                        rows = try await exemplarRows(client).count
                    }
                    try await Task.sleep(for: .milliseconds(700))
                    group.cancelAll()
                    #expect(try await exemplarRows(client).count == expected.count)
                }
                try await app.test(.router) { http in
                    try await http.execute(uri: "/metrics", method: .get) { response in
                        let text = String(buffer: response.body)
                        let upLines = text.split(separator: "\n").filter { $0.hasPrefix("correlator_scrape_up{") && $0.contains("job=\"svc\"") }
                        #expect(upLines.contains { $0.contains("127.0.0.1:\(port)") && $0.hasSuffix(" 1.0") || $0.contains("127.0.0.1:\(port)") && $0.hasSuffix(" 1") }, "\(upLines)")
                        #expect(upLines.contains { $0.contains("127.0.0.1:\(dead)") && ($0.hasSuffix(" 0.0") || $0.hasSuffix(" 0")) }, "\(upLines)")
                    }
                }
            }
        }
    }
}
