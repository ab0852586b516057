import Correlator
import Exemplars
import Foundation
import Hummingbird
import NIOCore

/// Tempo's trace API, so Grafana's Tempo data source can show Correlator's traces by id:
/// - `GET /api/traces/{id}` — Tempo's `Trace`: protobuf (wire-identical to OTLP `TracesData`)
///   for `Accept: application/protobuf`, else JSON `{"batches": […]}` as Tempo writes it;
/// - `GET /api/v2/traces/{id}` — `{"trace": {"resourceSpans": […]}, "status": "COMPLETE"}`;
/// - `GET /api/search?tags=&minDuration=&maxDuration=&start=&end=&limit=` — traces with a span
///   carrying every tag (logfmt `service.name=checkout http.route="/a b"`), newest first;
/// - `GET /api/v2/search/tags`, `GET /api/v2/search/tag/{tag}/values` — tag discovery
///   (`resource.service.name`, `span.http.route`, `.http.route`, `name`, `status`);
/// - `GET /api/echo` — `echo`, the data source's connection test.
/// Every span whose own profile samples are stored carries `pyroscope.profile.id` = its span id,
/// so Grafana offers "Profiles for this span" even where the instrumentation did not set it.
struct TempoController {
    let store: Store

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/traces/{id}") { request, context in try await trace(request, context: context, version: 1) }
        router.get("/api/v2/traces/{id}") { request, context in try await trace(request, context: context, version: 2) }
        router.get("/api/search") { request, context in try await search(request, context: context) }
        router.get("/api/v2/search/tags") { request, context in try await tagNames(request, context: context) }
        router.get("/api/v2/search/tag/{tag}/values") { request, context in try await tagValues(request, context: context) }
        router.get("/api/echo") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "echo")))
        }
    }

    func trace(_ request: Request, context: CorrelatorRequestContext, version: Int) async throws -> Response {
        let text = try context.parameters.require("id")
        let hex = text.count < 32 && text.count > 0 ? String(repeating: "0", count: 32 - text.count) + text : text
        guard let traceID = TraceID(hex: hex.lowercased()) else {
            throw HTTPError(.badRequest, message: "trace id '\(text.prefix(64))' is malformed: want up to 32 hex digits, not all zero")
        }
        let (spans, profiled) = try await withDatabaseErrors {
            let spans = try await store.spans(ofTrace: traceID, tenant: context.tenant)
            let profiled = spans.isEmpty ? [] : try await store.spansWithOwnSamples(tenant: context.tenant, spanIDs: spans.map(\.spanID))
            return (spans, profiled)
        }
        guard !spans.isEmpty else { throw HTTPError(.notFound, message: "trace \(traceID.hexString) not found") }
        let data = TracesDataEncoding(spans: spans, profiled: profiled)
        let accept = request.headers[.accept]?.lowercased() ?? ""
        if version == 1, accept.contains("application/protobuf") || accept.contains("application/x-protobuf") {
            return Response(status: .ok, headers: [.contentType: "application/protobuf"], body: .init(byteBuffer: ByteBuffer(bytes: data.protobuf())))
        }
        let object: [String: Any] = version == 1
            ? ["batches": data.jsonResourceSpans()]
            : ["trace": ["resourceSpans": data.jsonResourceSpans()], "status": "COMPLETE"]
        return try Self.json(object)
    }

    // MARK: Search

    /// `[start, end)` from Unix seconds (default: the last hour).
    static func range(_ parameters: QueryParameters) throws -> (Int64, Int64) {
        func seconds(_ name: String) throws -> Int64? {
            guard let text = parameters.string(name) else { return nil }
            // Up to year 2255: nanoseconds fit in Int64 with room for a range.
            guard let value = Int64(text), (0...9_000_000_000).contains(value) else {
                throw HTTPError(.badRequest, message: "\(name): expected Unix seconds (0 to 9000000000), got '\(text.prefix(40))'")
            }
            return value * 1_000_000_000
        }
        let end = try seconds("end") ?? Timestamp.now()
        let start = try seconds("start") ?? (end - 3_600_000_000_000)
        guard start < end else { throw HTTPError(.badRequest, message: "start must be before end") }
        return (start, end + 1)
    }

    /// A Go duration (`300ms`, `1.5s`, `2m30s`) in nanoseconds.
    static func goDuration(_ text: String, name: String) throws -> Int64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var rest = Substring(text)
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            let unitText = rest.dropFirst(number.count).prefix { !($0.isNumber || $0 == ".") }
            guard let value = Double(number), let unit = units.first(where: { $0.0 == unitText }) else {
                throw HTTPError(.badRequest, message: "\(name): expected a duration such as 100ms or 1.5s, got '\(text.prefix(40))'")
            }
            total += value * unit.1
            rest = rest.dropFirst(number.count + unitText.count)
        }
        guard !text.isEmpty, total < 9e18 else { throw HTTPError(.badRequest, message: "\(name): '\(text.prefix(40))' is not a duration") }
        return Int64(total)
    }

    /// `key=value` pairs separated by spaces; values may be double-quoted.
    static func logfmt(_ text: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { return pairs }
            guard let equals = rest.firstIndex(of: "="), !rest[..<equals].contains(" "), equals > rest.startIndex else {
                throw HTTPError(.badRequest, message: "tags: expected key=value pairs (logfmt), got '\(text.prefix(100))'")
            }
            let key = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\\", let next = rest.first { value.append(next); rest = rest.dropFirst(); continue }
                    if character == "\"" { closed = true; break }
                    value.append(character)
                }
                guard closed else { throw HTTPError(.badRequest, message: "tags: unterminated quote in '\(text.prefix(100))'") }
            } else {
                value = String(rest.prefix { $0 != " " })
                rest = rest.dropFirst(value.count)
            }
            pairs.append((key, value))
        }
    }

    func search(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let parameters = QueryParameters(request)
        let (from, to) = try Self.range(parameters)
        let limit = try parameters.limit(default: 20, maximum: 1000)
        let search = TraceSearch(
            tags: try parameters.string("tags").map(Self.logfmt) ?? [],
            minDurationNanos: try parameters.string("minDuration").map { try Self.goDuration($0, name: "minDuration") },
            maxDurationNanos: try parameters.string("maxDuration").map { try Self.goDuration($0, name: "maxDuration") },
            from: from, to: to, limit: limit
        )
        let found = try await withDatabaseErrors { try await store.searchTraces(tenant: context.tenant, search: search) }
        let traces: [[String: Any]] = found.map {
            [
                "traceID": $0.traceID, "rootServiceName": $0.rootServiceName, "rootTraceName": $0.rootTraceName,
                "startTimeUnixNano": String($0.startUnixNano), "durationMs": Int($0.durationNanos / 1_000_000),
            ]
        }
        return try Self.json(["traces": traces, "metrics": ["inspectedTraces": found.count]])
    }

    func tagNames(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let (from, to) = try Self.range(QueryParameters(request))
        let (span, resource) = try await withDatabaseErrors { try await store.traceTagNames(tenant: context.tenant, from: from, to: to, limit: 1000) }
        return try Self.json(["scopes": [
            ["name": "resource", "tags": resource],
            ["name": "span", "tags": span],
            ["name": "intrinsic", "tags": ["duration", "name", "status"]],
        ]])
    }

    func tagValues(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let tag = try context.parameters.require("tag")
        let (from, to) = try Self.range(QueryParameters(request))
        var scope: String?
        var key = tag
        for prefix in ["resource.", "span."] where tag.hasPrefix(prefix) {
            scope = String(prefix.dropLast())
            key = String(tag.dropFirst(prefix.count))
        }
        if scope == nil, tag.hasPrefix(".") { key = String(tag.dropFirst()) }
        if key == "status" { key = "status.code" }
        let values = try await withDatabaseErrors {
            try await store.traceTagValues(tenant: context.tenant, key: key, scope: scope, from: from, to: to, limit: 1000)
        }
        return try Self.json(["tagValues": values.map { ["type": "string", "value": $0] }])
    }

    static func json(_ object: [String: Any]) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
