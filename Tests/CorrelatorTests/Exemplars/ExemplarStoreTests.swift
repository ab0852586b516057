import Exemplars
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import Correlator

@Suite("Exemplar writer and query against a real PostgreSQL")
struct ExemplarStoreTests {
    func store(_ client: PostgresClient) throws -> Store {
        let logger = Logger(label: "test")
        return Store(client: client, target: "test", migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger)
    }

    func exemplar(_ trace: String, value: Double = 1, at timestamp: Int64, le: String = "1", explicit: Bool = true) -> Exemplar {
        Exemplar(
            series: LabelSet(["__name__": "rpc_seconds_bucket", "le": le]),
            labels: LabelSet(["trace_id": trace]),
            value: value, timestamp: timestamp, hasExplicitTimestamp: explicit
        )
    }

    @Test func oldAndFutureDatedExemplarsGetTheirPartitions() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            // 2020-02-29 and 2030-01-01: far outside the partitions the migration created.
            let old = exemplar(String(repeating: "1", count: 32), at: 1_582_934_400_123)
            let future = exemplar(String(repeating: "2", count: 32), at: 1_893_456_000_000)
            let result = try await store.writeExemplars([old, future], tenant: "t")
            #expect(result.stored == 2)
            let found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket"), start: 0, end: 2_000_000_000_000)
            #expect(found.count == 1)
            #expect(found.first?.exemplars.map(\.timestamp) == [1_582_934_400_123, 1_893_456_000_000])
        }
    }

    @Test func seriesLabelsAreStoredOncePerSeriesAndLeaveWithTheirLastDay() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let day2: Int64 = 1_577_966_400_000, day4 = day2 + 2 * 86_400_000, day5 = day2 + 3 * 86_400_000  // 2020-01-02/04/05 12:00 UTC
            let trace = { (n: Int) in String(format: "%032x", n) }
            #expect(try await store.writeExemplars([exemplar(trace(1), at: day2, le: "1"), exemplar(trace(2), at: day2, le: "2")], tenant: "t").stored == 2)
            #expect(try await store.writeExemplars([exemplar(trace(3), at: day2 + 1000, le: "1"), exemplar(trace(4), at: day4, le: "2")], tenant: "t").stored == 2)
            let series = try await strings(client, "SELECT series->>'le' || ' ' || metric || ' ' || last_day::text FROM exemplar_series WHERE tenant = 't' ORDER BY 1")
            #expect(series == ["1 rpc_seconds_bucket 2020-01-02", "2 rpc_seconds_bucket 2020-01-04"])

            // Retention up to 2020-01-03: le=1's exemplars are all gone, and so is its series.
            #expect(try await strings(client, "SELECT (drop_partitions_before('2020-01-03') > 0)::text") == ["true"])
            #expect(try await strings(client, "SELECT series->>'le' FROM exemplar_series WHERE tenant = 't'") == ["2"])
            var found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket"), start: 0, end: day5 + 1)
            #expect(found.map { $0.series["le"] } == ["2"])
            #expect(found.first?.exemplars.map(\.timestamp) == [day4])

            // le=1 comes back on a later day: its series row is written again.
            #expect(try await store.writeExemplars([exemplar(trace(5), at: day5, le: "1")], tenant: "t").stored == 1)
            found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket{le=\"1\"}"), start: 0, end: day5 + 1)
            #expect(found.first?.exemplars.map(\.timestamp) == [day5])
        }
    }

    private func strings(_ client: PostgresClient, _ sql: String) async throws -> [String] {
        var result: [String] = []
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) { result.append(value) }
        return result
    }

    @Test func repeatsCollapseWithinABatchAndAcrossBatches() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let a = String(repeating: "a", count: 32), b = String(repeating: "b", count: 32)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // One batch: A A B B A at successive scrape times, plus a NaN value repeated.
            let batch = [
                exemplar(a, at: now, explicit: false), exemplar(a, at: now + 1, explicit: false),
                exemplar(b, at: now + 2, explicit: false), exemplar(b, at: now + 3, explicit: false),
                exemplar(a, at: now + 4, explicit: false),
                exemplar(a, value: .nan, at: now, le: "2"), exemplar(a, value: .nan, at: now + 1, le: "2"),
            ]
            #expect(try await store.writeExemplars(batch, tenant: "t").stored == 4)
            // The next scrape repeats the latest exemplar of each series: nothing new.
            let again = [exemplar(a, at: now + 10, explicit: false), exemplar(a, value: .nan, at: now + 10, le: "2")]
            #expect(try await store.writeExemplars(again, tenant: "t").stored == 0)
            // Another tenant is independent.
            #expect(try await store.writeExemplars(again, tenant: "u").stored == 2)
            // A new value of the same trace id is a new exemplar.
            #expect(try await store.writeExemplars([exemplar(a, value: 2, at: now + 20)], tenant: "t").stored == 1)
        }
    }

    /// The writer remembers each series' newest stored exemplar; a restart loses that memory
    /// (simulated by forgetting it) and the database must give the same answers.
    @Test func repeatsAreRecognisedAcrossARestart() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let a = String(repeating: "a", count: 32), b = String(repeating: "b", count: 32)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(try await store.writeExemplars([exemplar(a, at: now, explicit: false)], tenant: "t").stored == 1)
            ExemplarLatestCache.forgetAll(of: client)
            // The scrape after the restart repeats A: still stored once.
            #expect(try await store.writeExemplars([exemplar(a, at: now + 10, explicit: false)], tenant: "t").stored == 0)
            #expect(try await store.writeExemplars([exemplar(a, at: now + 20, explicit: false)], tenant: "t").stored == 0)
            // A, B, then A again across a restart: the second A replaced B, so it is stored.
            #expect(try await store.writeExemplars([exemplar(b, at: now + 30, explicit: false)], tenant: "t").stored == 1)
            ExemplarLatestCache.forgetAll(of: client)
            #expect(try await store.writeExemplars([exemplar(a, at: now + 40, explicit: false)], tenant: "t").stored == 1)
            #expect(try await store.writeExemplars([exemplar(a, at: now + 50, explicit: false)], tenant: "t").stored == 0)
            let found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket"), start: 0, end: now + 100)
            #expect(found.first?.exemplars.map(\.timestamp) == [now, now + 30, now + 40])
        }
    }

    /// Two replicas share the database and a load balancer alternates one sender between them:
    /// what this process remembers may be stale, and that must never drop a genuine exemplar.
    @Test func anotherWritersExemplarBetweenTwoEqualOnesKeepsTheSecond() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let a = String(repeating: "a", count: 32)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(try await store.writeExemplars([exemplar(a, at: now, explicit: false)], tenant: "t").stored == 1)
            // The other replica stores B at now + 10 (same series, another trace).
            try await client.query("""
                INSERT INTO exemplars (tenant, ts, series_fp, value, labels)
                SELECT tenant, ts + interval '10 milliseconds', series_fp, value,
                       jsonb_build_object('trace_id', repeat('b', 32))
                FROM exemplars WHERE tenant = 't' AND ts = timestamptz 'epoch' + \(now) * interval '1 millisecond'
                """)
            // A again at now + 20 replaced B in the bucket: stored, although this process last saw A.
            #expect(try await store.writeExemplars([exemplar(a, at: now + 20, explicit: false)], tenant: "t").stored == 1)
            #expect(try await store.writeExemplars([exemplar(a, at: now + 30, explicit: false)], tenant: "t").stored == 0)
            let found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket"), start: 0, end: now + 100)
            #expect(found.first?.exemplars.map(\.timestamp) == [now, now + 10, now + 20])
        }
    }

    @Test func retriedAndOutOfOrderBatchesAreDecidedAgainstWhatIsStored() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let a = String(repeating: "a", count: 32), b = String(repeating: "b", count: 32), c = String(repeating: "c", count: 32)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let first = [exemplar(a, at: now), exemplar(b, at: now + 20)]
            #expect(try await store.writeExemplars(first, tenant: "t").stored == 2)
            // A retry of the same request stores nothing and does not fail.
            #expect(try await store.writeExemplars(first, tenant: "t").stored == 0)
            // Late rows, older than the newest stored one: each is compared with the latest
            // stored at or before its own time (A at `now`).
            #expect(try await store.writeExemplars([exemplar(a, at: now + 10)], tenant: "t").stored == 0)
            #expect(try await store.writeExemplars([exemplar(c, at: now + 10)], tenant: "t").stored == 1)
            // Another writer stores C at now + 30 behind this process's back; this process then
            // delivers the same row (a retry through another replica): no error, stored once.
            try await client.query("""
                INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id, span_id, labels)
                SELECT tenant, ts + interval '20 milliseconds', series_fp, value, trace_id, span_id, labels
                FROM exemplars WHERE tenant = 't' AND ts = timestamptz 'epoch' + \(now + 10) * interval '1 millisecond'
                """)
            #expect(try await store.writeExemplars([exemplar(c, at: now + 30)], tenant: "t").stored == 0)
            // The next exemplar is compared with C, the latest stored, not with B.
            #expect(try await store.writeExemplars([exemplar(c, at: now + 40)], tenant: "t").stored == 0)
            #expect(try await store.writeExemplars([exemplar(b, at: now + 50)], tenant: "t").stored == 1)
            let found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket"), start: 0, end: now + 100)
            #expect(found.first?.exemplars.map(\.timestamp) == [now, now + 10, now + 20, now + 30, now + 50])
        }
    }

    @Test func valuesAndTimestampsAreFormattedAsPrometheusDoes() {
        #expect(ExemplarQueryResponse.formatValue(0.000211966) == "0.000211966")
        #expect(ExemplarQueryResponse.formatValue(1e-05) == "0.00001")
        #expect(ExemplarQueryResponse.formatValue(1.5e-7) == "0.00000015")
        #expect(ExemplarQueryResponse.formatValue(1e21) == "1000000000000000000000")
        #expect(ExemplarQueryResponse.formatValue(12.0) == "12")
        #expect(ExemplarQueryResponse.formatValue(-2.5) == "-2.5")
        #expect(ExemplarQueryResponse.formatValue(.infinity) == "+Inf")
        #expect(ExemplarQueryResponse.formatValue(-.infinity) == "-Inf")
        #expect(ExemplarQueryResponse.formatValue(.nan) == "NaN")
        #expect(ExemplarQueryResponse.formatTimestamp(1_795_442_837_848) == "1795442837.848")
        #expect(ExemplarQueryResponse.formatTimestamp(1_795_442_837_850) == "1795442837.850")
        #expect(ExemplarQueryResponse.formatTimestamp(1_795_442_837_005) == "1795442837.005")
        #expect(ExemplarQueryResponse.formatTimestamp(1_795_442_837_000) == "1795442837")
    }

    /// Labels that are only the ids are stored as NULL and rebuilt from the id columns; any
    /// other label set (other keys, upper-case hex, another label, an id that does not parse)
    /// is stored as it came. Either way the query returns the labels that arrived, and a repeat
    /// is still recognised, by the writer's memory and by the SQL check.
    @Test func labelsThatAreOnlyTheIdsAreRebuiltFromTheIdColumns() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let trace = "4bf92f3577b34da6a3ce929d0e0e4736", span = "00f067aa0ba902b7"
            let cases: [(labels: LabelSet, storedAsNull: Bool)] = [
                (LabelSet(["trace_id": trace, "span_id": span]), true),
                (LabelSet(["trace_id": trace]), true),
                (LabelSet(), true),
                (LabelSet(["trace_id": trace.uppercased(), "span_id": span]), false),
                (LabelSet(["traceID": trace, "spanID": span]), false),
                (LabelSet(["trace_id": trace, "span_id": span, "user": "u1"]), false),
                (LabelSet(["trace_id": "not-a-trace-id"]), false),
                (LabelSet(["span_id": span, "profile_id": "p1"]), false),
            ]
            let at: Int64 = 1_795_442_837_000
            let batch = cases.enumerated().map { index, item in
                Exemplar(series: LabelSet(["__name__": "rpc_seconds_bucket", "le": "\(index)"]), labels: item.labels, value: 0.5, timestamp: at, hasExplicitTimestamp: false)
            }
            #expect(try await store.writeExemplars(batch, tenant: "t").stored == cases.count)

            let nulls = try await strings(client, "SELECT (labels IS NULL)::text FROM exemplars e JOIN exemplar_series s USING (tenant, series_fp) ORDER BY (s.series->>'le')::int")
            #expect(nulls == cases.map { String($0.storedAsNull) })
            let found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket"), start: 0, end: at + 10_000)
            let byBucket = Dictionary(uniqueKeysWithValues: found.map { ($0.series["le"] ?? "", $0.exemplars.map(\.labels)) })
            for (index, item) in cases.enumerated() {
                #expect(byBucket["\(index)"] == [item.labels], "case \(index)")
            }

            // The same observations scraped again (no timestamp of their own): repeats, decided
            // by the SQL check (the writer remembers them) and by the lookup after forgetting.
            let again = batch.map { Exemplar(series: $0.series, labels: $0.labels, value: $0.value, timestamp: at + 1000, hasExplicitTimestamp: false) }
            #expect(try await store.writeExemplars(again, tenant: "t").stored == 0)
            ExemplarLatestCache.forgetAll(of: client)
            let later = batch.map { Exemplar(series: $0.series, labels: $0.labels, value: $0.value, timestamp: at + 2000, hasExplicitTimestamp: false) }
            #expect(try await store.writeExemplars(later, tenant: "t").stored == 0)
        }
    }

    @Test func awkwardLabelValuesRoundTrip() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = try store(client)
            let series = LabelSet(["__name__": "m_total", "path": "a\tb\\c\nd\"e", "nul": "x\u{0}y", "emoji": "🙂"])
            let labels = LabelSet(["note": "\"quoted\"", "profile_id": "p\\1"])
            let exemplar = Exemplar(series: series, labels: labels, value: -.infinity, timestamp: 1_795_442_837_001)
            #expect(try await store.writeExemplars([exemplar], tenant: "t").stored == 1)
            let found = try await store.queryExemplars(tenant: "t", selector: SeriesSelector(parsing: "m_total"), start: 0, end: 1_900_000_000_000)
            #expect(found.first?.series == LabelSet(["__name__": "m_total", "path": "a\tb\\c\nd\"e", "nul": "x\u{FFFD}y", "emoji": "🙂"]))
            #expect(found.first?.exemplars.first?.labels == labels)
            #expect(found.first?.exemplars.first?.value == -.infinity)
            let rows = try await client.query("SELECT profile_id, trace_id IS NULL FROM exemplars")
            for try await (profile, noTrace) in rows.decode((String?, Bool).self) {
                #expect(profile == "p\\1" && noTrace)
            }
        }
    }
}

@Suite struct ScrapeConfigTests {
    func load(_ yaml: String) throws -> CorrelatorConfiguration {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("correlator-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try CorrelatorConfiguration.load(configFile: file.path, environment: [:])
    }

    @Test func prometheusShapedScrapeConfigs() throws {
        let configuration = try load("""
            scrape_configs:
              - job_name: checkout
                scrape_interval: 15s
                metrics_path: /prom
                labels: {env: prod}
                static_configs:
                  - targets: ["127.0.0.1:8080", "localhost:9090"]
                    labels: {team: payments}
              - job_name: other
                static_configs:
                  - targets: ["10.0.0.1:80"]
            exemplars:
              trace_id_labels: [traceID]
            """)
        #expect(configuration.scrapeConfigs.count == 2)
        let checkout = configuration.scrapeConfigs[0]
        #expect(checkout.jobName == "checkout" && checkout.interval == .seconds(15) && checkout.timeout == .seconds(10))
        #expect(checkout.metricsPath == "/prom" && checkout.scheme == "http")
        #expect(checkout.targets.map(\.address) == ["127.0.0.1:8080", "localhost:9090"])
        #expect(checkout.targets[0].labels == ["env": "prod", "team": "payments"])
        #expect(configuration.scrapeConfigs[1].interval == .seconds(60))
        #expect(configuration.exemplars.idKeys.traceID == ["traceID"])
        #expect(configuration.exemplars.idKeys.spanID == ExemplarIDKeys.default.spanID)
    }

    /// Prometheus's rules (config.go): `global:` sets every job's defaults wherever it stands in
    /// the file; a job's own settings win; a job whose interval is shorter than the global
    /// timeout scrapes with its interval as timeout.
    @Test func globalSetsTheScrapeDefaults() throws {
        let configuration = try load("""
            scrape_configs:
              - job_name: inherits
                static_configs: [{targets: ["a:1"]}]
              - job_name: own
                scrape_interval: 30s
                scrape_timeout: 3s
                static_configs: [{targets: ["b:1"]}]
              - job_name: short
                scrape_interval: 2s
                static_configs: [{targets: ["c:1"]}]
            global:
              scrape_interval: 15s
              scrape_timeout: 5s
              evaluation_interval: 15s
              external_labels: {cluster: eu}
            """)
        let jobs = Dictionary(uniqueKeysWithValues: configuration.scrapeConfigs.map { ($0.jobName, $0) })
        #expect(jobs["inherits"]?.interval == .seconds(15) && jobs["inherits"]?.timeout == .seconds(5))
        #expect(jobs["own"]?.interval == .seconds(30) && jobs["own"]?.timeout == .seconds(3))
        #expect(jobs["short"]?.interval == .seconds(2) && jobs["short"]?.timeout == .seconds(2))
    }

    @Test(arguments: [
        ("global:\n  scrape_interval: 5s\n  scrape_timeout: 10s\n", "global scrape_timeout"),
        ("global:\n  scrape_interval: soon\n", "'global.scrape_interval': invalid duration 'soon'"),
        ("scrape_configs:\n  - static_configs: [{targets: ['a:1']}]\n", "job_name"),
        ("scrape_configs:\n  - job_name: x\n    static_configs: [{targets: ['nohost']}]\n", "host:port"),
        ("scrape_configs:\n  - job_name: x\n    scrape_interval: 5s\n    scrape_timeout: 10s\n", "longer than scrape_interval"),
        ("scrape_configs:\n  - job_name: x\n    colour: blue\n", "unknown scrape config key 'colour'"),
        ("scrape_configs:\n  - job_name: x\n  - job_name: x\n", "appears twice"),
        ("exemplars:\n  trace_labels: [a]\n", "unknown exemplars setting"),
    ])
    func badScrapeConfigsNameTheProblem(yaml: String, message: String) throws {
        do {
            _ = try load(yaml)
            Issue.record("accepted \(yaml)")
        } catch let error as ConfigurationError {
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
