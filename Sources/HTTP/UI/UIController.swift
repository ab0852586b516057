import Correlator
import Exemplars
import Foundation
import Hummingbird
import Logging
import NIOCore
import ProfileIndex
import Rules

/// The web pages (`/ui/…`): server-rendered HTML over the same queries as the API, one database
/// round trip per panel, panels of a page queried concurrently. Every failure renders as a page
/// that says what was wrong and offers the search box, with the status the API would answer.
struct UIController {
    let store: Store
    let resolver: TraceLinkResolver
    let catalog: ProfileCatalog
    let health: IngestHealthQuery
    let alerting: AlertingController
    let templates: JumpLinkTemplates
    let logger: Logger
    var renderer: UIRenderer { .shared }

    /// Default window of the overview.
    static let defaultWindow: Int64 = 24 * 3_600_000_000_000
    /// Profile ids a baseline may name.
    static let maxBaselineProfiles = 50

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/ui") { request, context in await page(request, context) { try await overview(request, context: context) } }
        router.get("/ui/search") { request, _ in search(request) }
        router.get("/ui/traces/:id") { request, context in await page(request, context) { try await trace(request, context: context) } }
        router.get("/ui/profiles/:id") { request, context in await page(request, context) { try await profile(request, context: context) } }
        router.get("/ui/explore") { request, context in await page(request, context) { try await explore(request, context: context) } }
        router.get("/ui/alerts") { request, context in await page(request, context) { try await alerts(tenant: context.tenant) } }
        router.get("/ui/rules") { request, context in await page(request, context) { try await rules(tenant: context.tenant) } }
        router.get("/ui/static/:file") { _, context in try asset(context.parameters.require("file")) }
    }

    /// Runs a page handler; an error becomes an error page with the error's status.
    private func page(_ request: Request, _ context: CorrelatorRequestContext, _ body: () async throws -> Response) async -> Response {
        do {
            return try await withDatabaseErrors(during: "building the page", body)
        } catch let error as HTTPError {
            let heading = error.status == .notFound ? "Not found" : "\(error.status.code) \(error.status.reasonPhrase)"
            var response = renderer.error(error.status, heading: heading, message: error.body ?? error.status.reasonPhrase)
            for field in error.headers { response.headers.append(field) }
            return response
        } catch {
            context.logger.error("page failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return renderer.error(.internalServerError, heading: "Something went wrong", message: "the page could not be built: \(error)")
        }
    }

    // MARK: - Overview

    func overview(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let parameters = QueryParameters(request)
        var requested = try parameters.range(defaultSpan: Self.defaultWindow)
        if let window = parameters.string("window") {
            guard let nanos = Self.nanoseconds(window), case let (from, false) = requested.to.subtractingReportingOverflow(nanos) else {
                throw HTTPError(.badRequest, message: "window: expected a duration from 1ms to 3650d such as 1h or 30m, got '\(window.prefix(80))'")
            }
            requested.from = from
        }
        let range = requested
        let tenant = context.tenant
        // The 200 slowest for the chart, the first 20 in the table.
        let filter = SlowRequestFinder.Filter(range: range, limit: 200)
        let (slow, alerts, entries) = try await withDatabaseErrors {
            async let slow = SlowRequestFinder(resolver: resolver).slowRequests(tenant: tenant, filter: filter)
            async let alerts = alerting.activeAlerts(tenant: tenant)
            async let entries = health.entries(tenant: tenant, range: range)
            return try await (slow, alerts, entries)
        }
        let causes = try await withDatabaseErrors {
            try await RequestExplainer(store: store).firstCauses(tenant: tenant, requests: slow.items.prefix(20).map { ($0.traceID, $0.spanID) })
        }
        let model = OverviewPage(
            range: range, now: Timestamp.now(), slow: slow.items, causes: causes, alerts: alerts, health: entries, templates: templates
        )
        return renderer.page("overview", model)
    }

    // MARK: - Explore

    /// `/ui/explore`: the merge of `service`'s `type` profiles matching `selector` over
    /// `from`/`to` (or `window`, default the last hour), with `compare=on` against
    /// `baseline_from`/`baseline_to` (default: the window before) and `baseline_selector`.
    func explore(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let parameters = QueryParameters(request)
        var range = try parameters.range(defaultSpan: 3_600_000_000_000)
        if let window = parameters.string("window") {
            guard let nanos = Self.nanoseconds(window), case let (from, false) = range.to.subtractingReportingOverflow(nanos) else {
                throw HTTPError(.badRequest, message: "window: expected a duration from 1ms to 3650d such as 1h or 30m, got '\(window.prefix(80))'")
            }
            range.from = from
        }
        let span = range.to &- range.from
        guard range.from < range.to, span <= MergedProfileController.longestRange else {
            throw HTTPError(.badRequest, message: "from must be before to, at most 100 years apart")
        }
        let tenant = context.tenant
        let kind = try MergedProfileController.kind(parameters) ?? .cpu
        let selector = try MergedProfileController.selector(parameters)
        let group = try MergedProfileController.spanGroup(parameters)
        let compare = ["on", "1", "true"].contains(parameters.string("compare") ?? "")
        let baseTo = try parameters.time("baseline_to") ?? range.from
        let baseFrom = try parameters.time("baseline_from") ?? (baseTo &- span)
        guard baseFrom < baseTo, baseTo &- baseFrom <= MergedProfileController.longestRange else {
            throw HTTPError(.badRequest, message: "baseline_from must be before baseline_to, at most 100 years apart")
        }
        let baselineSelectorText = parameters.string("baseline_selector")
        let baselineSelector = baselineSelectorText == nil ? selector : try MergedProfileController.selector(parameters, name: "baseline_selector")
        let known = try await withDatabaseErrors {
            try await store.profileSeries(tenant: tenant, service: nil, kind: nil, selector: nil, from: range.from)
        }
        let services = Set(known.map(\.key.service)).sorted()
        let service = parameters.string("service") ?? services.first
        var model = ExplorePage(
            services: services.contains(service ?? "") || service == nil ? services : services + [service!], service: service, kind: kind,
            sampleType: parameters.string("sample_type"), selector: parameters.string("selector"), range: range, compare: compare,
            baseline: (baseFrom, baseTo, baselineSelectorText), spanName: parameters.string("span_name"), slowest: parameters.string("slowest")
        )
        guard let service else {
            model.message = "No profiles since \(Timestamp.rfc3339(range.from)): send some (README, Profiles) or pick an earlier range."
            return renderer.page("explore", model)
        }
        let query = ProfileMergeQuery(service: service, kind: kind, sampleType: parameters.string("sample_type"), selector: selector, from: range.from, to: range.to)
        let baselineQuery = ProfileMergeQuery(
            service: service, kind: kind, sampleType: query.sampleType, selector: baselineSelector, from: baseFrom, to: baseTo
        )
        let step = max(1_000_000_000, span / 120)
        let merges = MergedProfileController(store: store)
        let (merged, series, baseline) = try await withDatabaseErrors {
            async let merged = merges.merge(query, tenant: tenant, group: group)
            async let series = store.profileValueSeries(tenant: tenant, query: query, step: step, groupBy: [], stackFilter: nil)
            async let baseline = compare ? merges.merge(baselineQuery, tenant: tenant, group: group) : nil
            return try await (merged, series, baseline)
        }
        model.showSeries(series.1, sampleType: series.0, range: range, step: step)
        var pprofQuery = URLComponents()
        pprofQuery.queryItems = [
            URLQueryItem(name: "service", value: service), URLQueryItem(name: "type", value: kind.rawValue),
            URLQueryItem(name: "sample_type", value: merged.sampleType.type),
            URLQueryItem(name: "from", value: Timestamp.rfc3339(range.from)), URLQueryItem(name: "to", value: Timestamp.rfc3339(range.to)),
        ] + (parameters.string("selector").map { [URLQueryItem(name: "selector", value: $0)] } ?? [])
        model.showMerge(merged, baseline: baseline, pprofURL: "/api/v1/query/pprof?" + (pprofQuery.percentEncodedQuery ?? ""))
        if compare, let baseline {
            model.baselineDescription = "\(baseline.profiles) profiles from \(Timestamp.rfc3339(baseFrom)) to \(Timestamp.rfc3339(baseTo))"
                + (baselineSelectorText.map { " matching \($0)" } ?? "")
        }
        return renderer.page("explore", model)
    }

    // MARK: - Search

    /// A trace id opens the trace page, anything else the profile page of that id.
    func search(_ request: Request) -> Response {
        let query = (QueryParameters(request).string("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let location: String
        if query.isEmpty {
            location = "/ui/"
        } else if let traceID = try? HexID.trace(query) {
            location = "/ui/traces/\(traceID)"
        } else {
            location = "/ui/profiles/\(ProfilePage.pathComponent(query))"
        }
        return Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: - Trace

    func trace(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let text = try context.parameters.require("id")
        guard let traceID = try? HexID.trace(text), let id = TraceID(hex: traceID) else {
            return renderer.error(
                .badRequest, heading: "Not a trace id",
                message: "'\(text.prefix(80))' is not a trace id: a trace id is 32 hex digits, not all zero.", search: String(text.prefix(80))
            )
        }
        let tenant = context.tenant
        let explainer = RequestExplainer(store: store)
        let (spans, links, explanation) = try await withDatabaseErrors {
            async let spans = store.spans(ofTrace: id, tenant: tenant)
            async let links = resolver.traceLinks(tenant: tenant, traceID: traceID)
            async let explanation = explainer.explain(tenant: tenant, traceID: id)
            return try await (spans, links, explanation)
        }
        guard !spans.isEmpty || links != nil else {
            return renderer.error(
                .notFound, heading: "Trace not found",
                message: "Trace \(traceID) was not found: no span and no exemplar of tenant \(tenant) names it.", search: traceID
            )
        }
        return renderer.page("trace", TracePage(traceID: traceID, spans: spans, links: links, explanation: explanation, templates: templates))
    }

    // MARK: - Profile

    func profile(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let path = try context.parameters.require("id")
        let id = path.removingPercentEncoding ?? path
        let parameters = QueryParameters(request)
        let spanID = try parameters.string("span_id").map { try HexID.span($0) }
        let baseline = parameters.string("baseline")?.trimmingCharacters(in: .whitespaces)
        let tenant = context.tenant
        guard let (stored, raw) = try await withDatabaseErrors({ try await catalog.profileWithRaw(tenant: tenant, id: id) }) else {
            return renderer.error(
                .notFound, heading: "Profile not found",
                message: "Profile \(id) was not found for tenant \(tenant).", search: id
            )
        }
        var model = ProfilePage(profile: stored, spanID: spanID, baseline: baseline?.isEmpty == false ? baseline : nil)
        guard let raw else {
            let top = try await withDatabaseErrors { try await catalog.profile(tenant: tenant, id: id) }?.1 ?? []
            model.showStoredTop(stored, top: top)
            return renderer.page("profile", model)
        }
        let decoded: Profile
        do {
            decoded = try PprofDecoder().decode(raw)
        } catch {
            throw HTTPError(.internalServerError, message: "stored profile \(id) does not decode: \(error)")
        }
        let sampleType = parameters.string("sample_type")
        guard let index = decoded.sampleTypeIndex(named: sampleType) else {
            let known = decoded.sampleTypes.map(\.type).joined(separator: ", ")
            throw HTTPError(.badRequest, message: "sample_type: profile \(id) has no sample type '\(sampleType ?? "")' (it has \(known))")
        }
        let typeName = decoded.sampleTypes[index].type
        var diff: ProfileDiff?
        var description = ""
        var summary: ProfileSummary?
        if !model.baseline.isEmpty {
            let base: ProfileSummary?
            (base, description) = try await baselineSummary(model.baseline, of: stored, sampleType: typeName, tenant: tenant)
            if let base {
                let current = decoded.summary()
                summary = current
                diff = ProfileDiff(base: base, new: current, sampleType: typeName)
                if diff == nil { model.message = "The baseline has no \(typeName) samples to compare with." }
            } else {
                model.message = "No baseline: \(description)."
            }
        }
        // The whole profile's total of the sample type (a span's share is of it).
        let profileTotal: Int64
        if stored.sampleTypes.indices.contains(index), stored.sampleTypes[index].type == typeName, stored.totals.indices.contains(index) {
            profileTotal = stored.totals[index]
        } else {
            profileTotal = (summary ?? decoded.summary()).totals[index]
        }
        model.show(decoded, sampleTypeIndex: index, profileTotal: profileTotal, diff: diff, baselineDescription: description)
        return renderer.page("profile", model)
    }

    /// The baseline of a diff: `1h` (a duration: this service's profiles of this type in the
    /// window of that length before this profile) or profile ids separated by commas, merged.
    private func baselineSummary(
        _ baseline: String, of profile: StoredProfile, sampleType: String, tenant: String
    ) async throws -> (ProfileSummary?, String) {
        if let nanos = Self.nanoseconds(baseline) {
            // Up to this profile's start, exclusive (stored times have microseconds).
            let end = profile.startNanos / 1000 * 1000
            let range = TimeRange(from: end - nanos, to: end)
            let summary = try await withDatabaseErrors {
                try await catalog.windowSummary(tenant: tenant, service: profile.service, type: profile.type, range: range, sampleType: sampleType)
            }
            let window = "\(profile.type) profiles of \(profile.service) from \(Timestamp.rfc3339(range.from)) to \(Timestamp.rfc3339(range.to))"
            return (summary, summary == nil ? "there are no \(window)" : window)
        }
        let ids = baseline.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !ids.isEmpty, ids.count <= Self.maxBaselineProfiles else {
            throw HTTPError(.badRequest, message: "baseline: a duration such as 1h, or 1 to \(Self.maxBaselineProfiles) profile ids separated by commas")
        }
        let raws = try await withDatabaseErrors { try await catalog.raws(tenant: tenant, ids: ids) }
        let missing = ids.filter { raws[$0] == nil }
        guard missing.isEmpty else {
            throw HTTPError(.notFound, message: "baseline profile \(missing.joined(separator: ", ")) was not found (or its pprof was not kept)")
        }
        var summaries: [ProfileSummary] = []
        for id in ids {
            do {
                summaries.append(try PprofDecoder().decode(raws[id]!).summary())
            } catch {
                throw HTTPError(.internalServerError, message: "stored baseline profile \(id) does not decode: \(error)")
            }
        }
        return (ProfileSummary.merging(summaries), "profile\(ids.count == 1 ? "" : "s") \(ids.joined(separator: ", "))")
    }

    /// A Prometheus duration (`1h`, `30m`) in nanoseconds, positive and at most ten years.
    static func nanoseconds(_ text: String) -> Int64? {
        guard let duration = Duration(prometheus: text), duration > .zero, duration <= .seconds(3650 * 86400) else { return nil }
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    // MARK: - Alerts and rules

    func alerts(tenant: String) async throws -> Response {
        renderer.page("alerts", AlertsPage(alerts: try await alerting.activeAlerts(tenant: tenant)))
    }

    func rules(tenant: String) async throws -> Response {
        let (groups, warnings) = try await alerting.ruleGroups(tenant: tenant)
        return renderer.page("rules", RulesPage(groups: groups, warnings: warnings))
    }

    // MARK: - Static files

    func asset(_ name: String) throws -> Response {
        guard let file = UIAssets.files[name] else {
            throw HTTPError(.notFound, message: "no static file \(name)")
        }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: file.body))
        )
    }
}
