import Correlator
import Foundation
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ProfileIndex
import Rules
import Testing
import TestSupport

private let second: Int64 = 1_000_000_000

/// GETs `uri` and returns the status, the headers and the body as text.
func getPage(_ http: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, HTTPFields, String) {
    try await http.execute(uri: uri, method: .get) { response in
        (response.status, response.headers, String(buffer: response.body))
    }
}

/// Loads the Go fixture as the ingest writers store it: spans, exemplars, the CPU profile.
func loadFixture(_ data: CorrelationTestData, profileID: String = "cpu-fixture") async throws -> (first: Int64, last: Int64) {
    let spans = try FixtureSpan.load()
    let first = spans.map(\.startUnixNano).min()!
    let last = spans.map(\.endUnixNano).max()!
    try await data.ensurePartitions(from: first - 3600 * second, to: last + 3600 * second)
    try await data.profile(id: profileID, service: "checkout-api", raw: try CorrelationTestData.fixture("cpu.pb.gz"))
    for span in spans {
        try await data.span(trace: span.traceID, span: span.spanID, service: span.service, name: span.name,
                            start: span.startUnixNano, duration: span.endUnixNano - span.startUnixNano)
    }
    for exemplar in try FixtureExemplar.load() {
        try await data.exemplar(metric: exemplar.metric, series: exemplar.series, value: exemplar.value,
                                time: exemplar.timeNanos, trace: exemplar.traceID, span: exemplar.spanID)
    }
    return (first, last)
}

/// The frames of a rendered flame graph: function name (label text) and self value (`data-s`).
func flameFrames(_ html: String) throws -> [(name: String, selfValue: Int64, total: Int64)] {
    let frame = try Regex(#"<div class="n[^"]*" style="width:[0-9.]+%" data-v="(\d+)" data-s="(\d+)" title="[^"]*"><span style="[^"]*">([^<]*)</span>"#)
    return html.matches(of: frame).map { match in
        (name: unescape(String(match.output[3].substring!)), selfValue: Int64(match.output[2].substring!)!, total: Int64(match.output[1].substring!)!)
    }
}

/// The function with the most self value summed over its frames: the widest frame pprof's
/// `-top` puts first.
func widestSelfFrame(_ html: String) throws -> (name: String, value: Int64)? {
    var byName: [String: Int64] = [:]
    for frame in try flameFrames(html) where frame.name != "all" {
        byName[frame.name, default: 0] += frame.selfValue
    }
    return byName.max { ($0.value, $1.key) < ($1.value, $0.key) }.map { ($0.key, $0.value) }
}

func unescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
}

@Suite("Web pages on a real PostgreSQL")
struct UIPageTests {
    @Test func overviewListsServicesSlowestRequestsAndIngestHealth() async throws {
        try await withCorrelationApp { data, http in
            let (first, last) = try await loadFixture(data)
            let (status, headers, html) = try await getPage(http, "/ui/?from=\(first / second - 60)&to=\(last / second + 60)")
            #expect(status == .ok)
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.contains(#"<span class="chip">checkout-api <small>exemplars, profiles, traces</small></span>"#), "\(html.prefix(3000))")
            // The slowest exemplar (79.29ms, /invoice) first, linked by its span's samples to crypto/sha256.block.
            let table = try #require(html.firstRange(of: #"<table id="slow-requests">"#).map { html[$0.lowerBound...] })
            let body = table[table.firstRange(of: "<tbody>")!.upperBound...]
            let firstRow = String(body[..<body.firstRange(of: "</tr>")!.lowerBound])
            #expect(firstRow.contains("79.29ms"), "\(firstRow)")
            #expect(firstRow.contains(#"href="/ui/traces/81a776436b600b8d4bd15b7e36ded147""#), "\(firstRow)")
            #expect(firstRow.contains(#"<span class="kind kind-span_samples">span_samples</span>"#), "\(firstRow)")
            #expect(firstRow.contains(#"href="/ui/profiles/cpu-fixture?span_id=ad0338ddcc3e722a"><code>crypto/sha256.block</code>"#), "\(firstRow)")
            #expect(!firstRow.contains("whole profile"))
            // A fast request without labelled samples links by time window to the whole profile's top.
            let windowRow = try #require(body.split(separator: "<tr>").first { $0.contains("kind-time_window") })
            #expect(windowRow.contains("whole profile"), "\(windowRow)")
            // Ingest health: one row per signal of the service, with the newest time.
            for signal in ["exemplars", "profiles", "traces"] {
                #expect(html.contains("<tr><td>checkout-api</td><td>\(signal)</td>"), "no health row for \(signal)")
            }
            let newestSpan = try FixtureSpan.load().map(\.startUnixNano).max()!
            #expect(html.contains("<td class=\"time\">\(Timestamp.rfc3339(newestSpan))</td>"))
            #expect(html.contains("Nothing is firing."))

            // An empty window says so.
            let (_, _, empty) = try await getPage(http, "/ui/?from=1000000000&to=1000003600")
            #expect(empty.contains("No exemplar with a trace id in this window."))
            #expect(empty.contains("Nothing was ingested in this window."))
            for query in ["window=soon", "window=100000y", "to=99999999999", "from=-9000000000&window=3000d"] {
                let (status, _, page) = try await getPage(http, "/ui/?\(query)")
                #expect(status == .badRequest, "\(query)")
                #expect(page.contains(#"id="error-message""#), "\(query)")
            }
        }
    }

    @Test func traceWaterfallShowsLinksStrongestFirstAndEscapesNames() async throws {
        try await withCorrelationApp { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let t0 = try pprofTime(cpu).start
            try await data.ensurePartitions(from: t0 - 3600 * second, to: t0 + 3600 * second)
            try await data.profile(id: "cpu-1", service: "checkout-api", raw: cpu, start: t0)
            try await data.profile(id: "block-window", service: "checkout-api", type: "block",
                                   raw: try CorrelationTestData.fixture("block.pb.gz"), start: t0 + 2 * second, duration: 10 * second)
            let trace = "0123456789abcdef0123456789abcdef"
            try await data.span(trace: trace, span: "ad0338ddcc3e722a", service: "checkout-api", name: "GET /invoice",
                                start: t0 + second, duration: 2 * second)
            try await data.span(trace: trace, span: "1111111111111111", parent: "ad0338ddcc3e722a", service: "checkout-api",
                                name: "<script>alert(1)</script>", start: t0 + second + second / 2, duration: second / 2)

            let (status, _, html) = try await getPage(http, "/ui/traces/\(trace.uppercased())")
            #expect(status == .ok)
            #expect(!html.contains("<script>alert(1)</script>"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // Waterfall: the root first, its child indented below; bars placed in percent of the trace.
            let root = try #require(html.firstRange(of: #"data-span-id="ad0338ddcc3e722a""#))
            let child = try #require(html.firstRange(of: #"data-span-id="1111111111111111""#))
            #expect(root.lowerBound < child.lowerBound)
            #expect(html.contains(#"style="margin-left:0.000%;width:100.000%""#))
            #expect(html.contains(#"style="margin-left:25.000%;width:25.000%""#))
            #expect(html.contains(#"style="padding-left:18px""#))
            // The root span's links: its own samples first, then the time-window profile.
            let rootRow = String(html[root.lowerBound..<child.lowerBound])
            let samples = try #require(rootRow.firstRange(of: #"href="/ui/profiles/cpu-1?span_id=ad0338ddcc3e722a""#))
            let window = try #require(rootRow.firstRange(of: #"href="/ui/profiles/block-window""#))
            #expect(samples.lowerBound < window.lowerBound)
            #expect(rootRow.contains("span_samples: cpu · <code>crypto/sha256.block</code>"))
            #expect(rootRow.contains("covers 50% of the span"))
        }
    }

    @Test func unknownIdsAre404PagesWithTheSearchBox() async throws {
        try await withCorrelationApp { data, http in
            let now = Timestamp.now()
            try await data.ensurePartitions(from: now, to: now)
            let (trace, _, traceHTML) = try await getPage(http, "/ui/traces/0123456789abcdef0123456789abcdef")
            #expect(trace == .notFound)
            #expect(traceHTML.contains("Trace 0123456789abcdef0123456789abcdef was not found"))
            #expect(traceHTML.contains(#"<input name="q" value="0123456789abcdef0123456789abcdef""#))

            let (profile, _, profileHTML) = try await getPage(http, "/ui/profiles/%3Cb%3Enope")
            #expect(profile == .notFound)
            #expect(profileHTML.contains("Profile &lt;b&gt;nope was not found"))
            #expect(!profileHTML.contains("<b>nope"))
            #expect(profileHTML.contains(#"action="/ui/search""#))

            let (malformed, _, malformedHTML) = try await getPage(http, "/ui/traces/not-a-trace")
            #expect(malformed == .badRequest)
            #expect(malformedHTML.contains("is not a trace id"))

            try await http.execute(uri: "/ui/search?q=%200123456789ABCDEF0123456789abcdef%20", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/ui/traces/0123456789abcdef0123456789abcdef")
            }
            try await http.execute(uri: "/ui/search?q=cpu%20fixture", method: .get) { response in
                #expect(response.headers[.location] == "/ui/profiles/cpu%20fixture")
            }
        }
    }

    /// The flame graph under a span names the function `go tool pprof -top -tagfocus span_id=…`
    /// puts first, with pprof's flat value (golden file from the Go toolchain).
    @Test func profilePageWidestFrameUnderASpanIsPprofsTagfocusTop() async throws {
        try await withCorrelationApp { data, http in
            _ = try await loadFixture(data)
            let golden = try SlowSpanGolden.load().filter { $0.value.functions.count == 1 }
            #expect(golden.count > 20)
            for (spanID, expected) in golden.sorted(by: { $0.key < $1.key }).prefix(12) {
                let (status, _, html) = try await getPage(http, "/ui/profiles/cpu-fixture?span_id=\(spanID)")
                #expect(status == .ok)
                let widest = try #require(try widestSelfFrame(html), "no frames for span \(spanID)")
                #expect(expected.functions == [widest.name], "span \(spanID)")
                #expect(Int(widest.value) == expected.flatNanos, "span \(spanID)")
                #expect(html.contains(#"<code id="widest-frame">\#(widest.name)</code>"#))
                // The root is the span's total; the top table's first row is the same function.
                let frames = try flameFrames(html)
                #expect(frames.first?.name == "all")
                let topTable = try #require(html.firstRange(of: #"<table id="top-functions">"#).map { String(html[$0.lowerBound...]) })
                #expect(topTable.contains("<td><code>\(widest.name)</code></td>"))
            }
            // The ad0338ddcc3e722a span: 80ms of 3.10s, as `go tool pprof -tagfocus` prints.
            let (_, _, html) = try await getPage(http, "/ui/profiles/cpu-fixture?span_id=ad0338ddcc3e722a")
            #expect(try flameFrames(html).first?.total == 80_000_000)
            #expect(html.contains("80ms of cpu in the span (2.58% of the profile)"))
        }
    }

    @Test func profilePageSwitchesSampleTypesAndRejectsUnknownOnes() async throws {
        try await withCorrelationApp { data, http in
            _ = try await loadFixture(data)
            let (status, _, html) = try await getPage(http, "/ui/profiles/cpu-fixture")
            #expect(status == .ok)
            #expect(html.contains(#"<option value="cpu" selected>cpu (nanoseconds)</option>"#))
            // The whole profile: pprof's -top first row (golden/cpu.cpu.top.txt).
            let top = try String(contentsOf: CorrelationTestData.fixtures.appendingPathComponent("golden/cpu.cpu.top.txt"), encoding: .utf8)
            let firstRow = try #require(top.split(separator: "\n").first { $0.contains("%") && !$0.contains("flat%") && !$0.contains("Duration") && !$0.contains("Showing") })
            let function = firstRow.split(separator: " ", omittingEmptySubsequences: true).dropFirst(5).joined(separator: " ")
            #expect(try widestSelfFrame(html)?.name == function)
            #expect(try flameFrames(html).first?.total == 3_100_000_000)

            let (samples, _, samplesHTML) = try await getPage(http, "/ui/profiles/cpu-fixture?sample_type=samples")
            #expect(samples == .ok)
            #expect(samplesHTML.contains(#"<option value="samples" selected>samples (count)</option>"#))
            #expect(try flameFrames(samplesHTML).first?.total == 310)

            let (unknown, _, unknownHTML) = try await getPage(http, "/ui/profiles/cpu-fixture?sample_type=alloc_space")
            #expect(unknown == .badRequest)
            #expect(unknownHTML.contains("no sample type &#39;alloc_space&#39;"))
            let (badSpan, _, _) = try await getPage(http, "/ui/profiles/cpu-fixture?span_id=xyz")
            #expect(badSpan == .badRequest)
        }
    }

    /// Diff against a baseline: normalised as the diff API (base scaled to the current total),
    /// red frames grew, green shrank.
    @Test func profilePageDiffAgainstABaseline() async throws {
        try await withCorrelationApp { data, http in
            let cpu = try CorrelationTestData.fixture("cpu.pb.gz")
            let other = try Data(contentsOf: CorrelationTestData.fixtures.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("e2e/alerting/leaky/cpu.pb.gz"))
            let t0 = try pprofTime(cpu).start
            try await data.ensurePartitions(from: t0 - 7200 * second, to: t0 + 3600 * second)
            try await data.profile(id: "current", service: "checkout-api", raw: cpu, start: t0)
            try await data.profile(id: "before", service: "checkout-api", raw: other, start: t0 - 1800 * second)
            let currentSummary = try PprofDecoder().decode([UInt8](cpu)).summary()
            let baseSummary = try PprofDecoder().decode([UInt8](other)).summary()
            let diff = try #require(ProfileDiff(base: baseSummary, new: currentSummary, sampleType: "cpu"))
            let grew = try #require(diff.entries.first { $0.cumDelta > 0 && $0.flatDelta > 0 })
            let shrank = try #require(diff.entries.first { $0.cumDelta < 0 && $0.flatDelta < 0 })

            for baseline in ["before", "1h"] {
                let (status, _, html) = try await getPage(http, "/ui/profiles/current?baseline=\(baseline)")
                #expect(status == .ok, "baseline \(baseline)")
                #expect(html.contains(#"<section id="diff">"#), "baseline \(baseline)")
                #expect(html.contains("scaled by \(String(format: "%.4g", diff.scale))"), "baseline \(baseline)")
                #expect(html.contains(#"<tr class="grew"><td><code>\#(HTMLTextForTests.escape(grew.name))</code>"#), "baseline \(baseline): \(grew.name)")
                #expect(html.contains(#"<tr class="shrank"><td><code>\#(HTMLTextForTests.escape(shrank.name))</code>"#), "baseline \(baseline)")
                // Frames of a function that grew are red (hue 0), of one that shrank green (hue 120).
                let frame = try Regex(#"title="([^"]*)"><span style="background:hsl\((\d+),"#)
                var hues: [String: Set<Int>] = [:]
                for match in html.matches(of: frame) {
                    let name = unescape(String(match.output[1].substring!.split(separator: "&#10;").first ?? ""))
                    hues[name, default: []].insert(Int(match.output[2].substring!)!)
                }
                let grewHue = hues[grew.name]
                #expect(grewHue == [0], "baseline \(baseline): \(grew.name) \(String(describing: grewHue))")
            }
            // Whole-window baseline with nothing in it, and unknown baseline ids.
            let (empty, _, emptyHTML) = try await getPage(http, "/ui/profiles/before?baseline=10m")
            #expect(empty == .ok)
            #expect(emptyHTML.contains("No baseline: there are no cpu profiles of checkout-api"))
            let (missing, _, missingHTML) = try await getPage(http, "/ui/profiles/current?baseline=before,nope")
            #expect(missing == .notFound)
            #expect(missingHTML.contains("baseline profile nope was not found"))
        }
    }

    @Test func alertsAndRulesPagesShowStateValuesAndEvidence() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let logger = Logger(label: "test")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try AlertingAPITests.rules.write(toFile: directory.appendingPathComponent("leaks.yml").path, atomically: true, encoding: .utf8)
            let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down))
            for i in 0..<4 {
                let time = end.addingTimeInterval(Double(i - 3) * 60)
                try await client.query(
                    """
                    INSERT INTO profiles (tenant, profile_id, service, type, sample_types, start_ts, start_unix_nano, duration_ns, totals)
                    VALUES ('default', \("p\(i)"), '<i>leaky</i>', 'goroutine', '[{"type":"goroutine","unit":"count"}]', \(time), 0, 0, \([Int64(100 + 33 * i)]))
                    """
                )
            }
            let manager = try RuleManager(patterns: [directory.path + "/*.yml"], logger: logger)
            let engine = RuleEngine(
                client: client, tenant: "default", externalURL: "http://x", resendDelay: .seconds(60),
                notifier: AlertNotifier(alertmanagers: [], webhooks: [], externalURL: "http://x", logger: logger), logger: logger
            )
            try await engine.evaluate(try #require(await manager.groups.first), at: end)
            let store = try TestDatabase.makeStore(client)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration(), ruleManager: manager))
            try await app.test(.router) { http in
                let (status, _, html) = try await getPage(http, "/ui/alerts")
                #expect(status == .ok)
                #expect(html.contains(#"<article class="alert state-firing">"#))
                #expect(html.contains("GoroutineLeak"))
                #expect(html.contains("&lt;i&gt;leaky&lt;/i&gt;"))
                #expect(!html.contains("<i>leaky</i>"))
                #expect(html.contains("series: 100 133 166 199"))

                let (rulesStatus, _, rules) = try await getPage(http, "/ui/rules")
                #expect(rulesStatus == .ok)
                #expect(rules.contains("<td>GoroutineLeak</td><td><span class=\"state\">firing</span></td><td class=\"health-ok\">ok</td>"), "\(rules)")
                #expect(rules.contains("leak{sample_type=goroutine, window=10m"))
                #expect(!rules.contains("never"))

                let (overview, _, overviewHTML) = try await getPage(http, "/ui/")
                #expect(overview == .ok)
                #expect(overviewHTML.contains(#"<td><a href="/ui/alerts">leaks/GoroutineLeak</a></td>"#) || overviewHTML.contains(">GoroutineLeak<"), "\(overviewHTML)")
            }
        }
    }

    @Test func staticFilesAreServed() async throws {
        try await withCorrelationApp { _, http in
            let (css, cssHeaders, cssBody) = try await getPage(http, "/ui/static/ui.css")
            #expect(css == .ok)
            #expect(cssHeaders[.contentType] == "text/css; charset=utf-8")
            #expect(cssBody.contains(".fg .n"))
            let (js, _, jsBody) = try await getPage(http, "/ui/static/ui.js")
            #expect(js == .ok)
            #expect(jsBody.contains("function zoom"))
            let (missing, _, _) = try await getPage(http, "/ui/static/nope.js")
            #expect(missing == .notFound)
        }
    }
}

/// The escaping the pages use, for building expected fragments.
enum HTMLTextForTests {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}

/// `/ui/explore` over the three CPU profiles of Tests/Fixtures/merge, against go tool pprof's
/// merge of the same files.
@Suite("Explore page")
struct ExplorePageTests {
    @Test func mergedFlameGraphChartAndTopAreThoseOfPprofsMerge() async throws {
        let golden = try MergedProfileRoutesTests.goldenRows("cpu-abc.cpu.top.txt")
        let total = Int64(golden.values.reduce(0) { $0 + $1.flat })
        let hottest = golden.max { $0.value.flat < $1.value.flat }!.key
        try await MergedProfileRoutesTests.withPostedProfiles { http in
            let range = MergedProfileRoutesTests.range
            let (status, _, html) = try await getPage(http, "/ui/explore?service=checkout-api&type=cpu&sample_type=cpu&\(range)")
            #expect(status == .ok)
            #expect(html.contains("id=\"merge-profiles\">3<"))
            #expect(html.contains("class=\"n root\" style=\"width:100.0000%\" data-v=\"\(total)\""), "the root is pprof's total \(total)")
            #expect(html.contains("id=\"widest-frame\">\(hottest)<"))
            #expect(html.components(separatedBy: "class=\"point\"").count - 1 == 3, "a point per profile")
            #expect(try widestSelfFrame(html)?.name == hottest)

            // A selector for one pod; compare against the other two.
            let (compared, _, diff) = try await getPage(
                http, "/ui/explore?service=checkout-api&type=cpu&sample_type=cpu&\(range)&selector=%7Bpod%3D%22b%22%7D&compare=on"
                    + "&baseline_from=\(MergedProfileRoutesTests.base - 60)&baseline_to=\(MergedProfileRoutesTests.base + 3600)&baseline_selector=%7Bpod%21%3D%22b%22%7D"
            )
            #expect(compared == .ok)
            #expect(diff.contains("id=\"merge-profiles\">1<"))
            #expect(diff.contains("id=\"baseline\">Baseline: 2 profiles"))

            let (bad, _, message) = try await getPage(http, "/ui/explore?service=checkout-api&selector=%7Bpod%3D")
            #expect(bad == .badRequest)
            #expect(message.contains("selector"))
        }
    }
}
