import Correlator
import Exemplars
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PostgresNIO

/// Exemplar ingest and query:
///
/// - `POST /api/v1/write`: Prometheus remote write 1.0 (snappy block + protobuf). 204 after
///   commit. Remote write 2.0 → 415, framed snappy or corrupt bodies → 400 with the byte
///   offset, bodies over the limits → 413.
/// - `POST /api/v1/exemplars`: a text exposition; `Content-Type` picks OpenMetrics 1.0 or
///   Prometheus text 0.0.4 (the default when absent). Malformed → 400 naming line and column,
///   nothing stored. 204 after commit.
/// - `GET /api/v1/query_exemplars?query=<selector>&start=&end=`: Prometheus's response shape.
struct ExemplarsController {
    let store: Store
    let limits: IngestLimits
    let idKeys: ExemplarIDKeys

    var exemplarLimits: ExemplarLimits { otlpMetricsIngest.exemplarLimits }

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.post("/api/v1/write") { request, context in
            try await remoteWrite(request, context: context)
        }
        router.post("/api/v1/exemplars") { request, context in
            try await pushExposition(request, context: context)
        }
        router.post("/v1/metrics") { request, context in
            try await otlpMetrics(request, context: context)
        }
        router.get("/api/v1/query_exemplars") { request, context in
            try await query(request, context: context)
        }
        router.post("/api/v1/query_exemplars") { request, context in
            try await query(request, context: context)
        }
    }

    // MARK: Remote write

    func remoteWrite(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType]
        switch RemoteWriteVersion(contentType: contentType) {
        case .v1: break
        case .v2:
            throw HTTPError(.unsupportedMediaType, message: "remote write 2.0 (proto=io.prometheus.write.v2.Request) is not supported yet; configure protobuf_message: prometheus.WriteRequest (remote write 1.0)")
        case nil:
            throw HTTPError(.unsupportedMediaType, message: "Content-Type '\(contentType ?? "")' is not remote write 1.0 (application/x-protobuf)")
        }
        if let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased(),
           !encoding.isEmpty, encoding != "snappy"
        {
            throw HTTPError(.unsupportedMediaType, message: "Content-Encoding '\(encoding)' is not supported; remote write bodies are snappy block-compressed")
        }
        let body = try await RequestBody.collect(request, limits: limits)
        let decoder = RemoteWriteDecoder(limits: exemplarLimits, idKeys: idKeys)
        let exemplars: [Exemplar]
        do {
            exemplars = try body.withUnsafeReadableBytes { bytes in
                try decoder.decodeExemplars(body: bytes, defaultTimestamp: Self.nowMilliseconds())
            }
        } catch let error as RemoteWriteError {
            if error.isPayloadTooLarge {
                throw HTTPError(.contentTooLarge, message: "remote write: \(error)")
            }
            if error.code == .framedSnappy {
                throw HTTPError(.badRequest, message: "remote write: the body uses snappy's framed (stream) format; remote write requires the block format")
            }
            throw HTTPError(.badRequest, message: "remote write: \(error)")
        }
        try await store(exemplars, context: context)
        return Response(status: .noContent)
    }

    // MARK: Pushed exposition

    func pushExposition(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let format: ExpositionFormat
        if let contentType = request.headers[.contentType], !contentType.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let named = ExpositionFormat(contentType: contentType) else {
                throw HTTPError(.unsupportedMediaType, message: "Content-Type '\(contentType)' is neither OpenMetrics 1.0 (\(ExpositionFormat.openMetrics.contentType)) nor Prometheus text 0.0.4 (\(ExpositionFormat.prometheusText.contentType))")
            }
            format = named
        } else {
            format = .prometheusText
        }
        let collected = try await RequestBody.collect(request, limits: limits)
        let body = try RequestBody.decode(collected, contentEncoding: request.headers[.contentEncoding], limits: limits)
        let parser = ExpositionParser(format: format, limits: exemplarLimits)
        let exemplars: [Exemplar]
        do {
            exemplars = try body.withUnsafeReadableBytes { bytes in
                try parser.exemplars(in: bytes, defaultTimestamp: Self.nowMilliseconds(), idKeys: idKeys)
            }
        } catch let error as ExpositionError {
            let name = format == .openMetrics ? "OpenMetrics" : "Prometheus text 0.0.4"
            if error.code == .tooManySeries {
                throw HTTPError(.contentTooLarge, message: "\(name) exposition: \(error)")
            }
            throw HTTPError(.badRequest, message: "\(name) exposition: \(error)")
        }
        try await store(exemplars, context: context)
        return Response(status: .noContent)
    }

    /// `POST /v1/metrics`: OTLP/HTTP metrics (protobuf or JSON, gzip), the HTTP door of
    /// ``OTLPMetricsIngest``. Answered with an empty `ExportMetricsServiceResponse` after the
    /// commit; refusals with a `google.rpc.Status` in the request's encoding.
    func otlpMetrics(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        guard let encoding = OTLPEncoding(contentType: request.headers[.contentType]) else {
            throw HTTPError(.unsupportedMediaType, message: "Content-Type '\(request.headers[.contentType] ?? "")': OTLP/HTTP metrics are application/x-protobuf or application/json")
        }
        let collected = try await RequestBody.collect(request, limits: limits)
        let body = try RequestBody.decode(collected, contentEncoding: request.headers[.contentEncoding], limits: limits)
        let ingest = otlpMetricsIngest
        do {
            let items = switch encoding {
            case .protobuf: try body.withUnsafeReadableBytes { bytes in try ingest.decode(protobuf: bytes) }
            case .json: try ingest.decode(json: Data(body.readableBytesView))
            }
            try await ingest.store(items, tenant: context.tenant)
        } catch let error as HTTPError {
            return encoding.response(error)
        }
        switch encoding {
        case .protobuf: return encoding.response(.ok, [])
        case .json: return encoding.response(.ok, Array("{}".utf8))
        }
    }

    /// The OTLP metrics path this controller shares with the gRPC receiver.
    var otlpMetricsIngest: OTLPMetricsIngest {
        OTLPMetricsIngest(store: store, limits: limits, idKeys: idKeys)
    }

    private func store(_ exemplars: [Exemplar], context: CorrelatorRequestContext) async throws {
        do {
            try await store.writeExemplars(exemplars, tenant: context.tenant)
        } catch {
            throw StoreUnavailable.httpError(for: error, logger: context.logger, what: "storing \(exemplars.count) exemplars")
        }
    }

    // MARK: Query

    func query(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        var parameters = request.queryParameters
        if request.method == .post,
           request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        {
            let body = try await request.body.collect(upTo: 1 << 20)
            parameters = FormParameters.decode(String(buffer: body))
        }
        guard let queryText = parameters.get("query"), !queryText.isEmpty else {
            return Self.badData("invalid parameter \"query\": missing or empty series selector")
        }
        let selectors: [SeriesSelector]
        do {
            selectors = try SeriesSelector.selectors(inExpression: queryText)
        } catch {
            return Self.badData("invalid parameter \"query\": \(error)")
        }
        let now = Self.nowMilliseconds()
        let end: Int64
        let start: Int64
        do {
            // Empty is absent, as in Prometheus (`start=&end=` from a form with blank fields).
            end = try parameters.get("end").flatMap { $0.isEmpty ? nil : try Self.parseTime($0, name: "end") } ?? now
            start = try parameters.get("start").flatMap { $0.isEmpty ? nil : try Self.parseTime($0, name: "start") } ?? (end - 3_600_000)
        } catch let error as TimeParameterError {
            return Self.badData(error.message)
        }
        guard end >= start else {
            return Self.badData("end timestamp must not be before start time")
        }
        let series: [ExemplarSeries]
        do {
            series = try await store.queryExemplars(tenant: context.tenant, selectors: selectors, start: start, end: end)
        } catch {
            let failure = StoreUnavailable.httpError(for: error, logger: context.logger, what: "querying exemplars")
            return Response(
                status: failure.status,
                headers: [.contentType: "application/json", .retryAfter: "5"],
                body: .init(byteBuffer: ByteBuffer(bytes: ExemplarQueryResponse.error(failure.body ?? "database unavailable", type: "unavailable")))
            )
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: ExemplarQueryResponse.success(series)))
        )
    }

    static func badData(_ message: String) -> Response {
        Response(
            status: .badRequest,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: ExemplarQueryResponse.error(message)))
        )
    }

    struct TimeParameterError: Error {
        let message: String
    }

    /// Prometheus's time parameters: Unix seconds (with a fraction) or RFC 3339.
    static func parseTime(_ text: String, name: String) throws -> Int64 {
        if let seconds = Double(text), seconds.isFinite {
            return Int64((seconds * 1000).rounded())
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) {
            return Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) {
            return Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
        throw TimeParameterError(message: "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// Turns a store failure into the answer a client can act on: 503 with `Retry-After` when the
/// database is unreachable or overloaded (senders retry), 500 (logged at error) otherwise.
enum StoreUnavailable {
    static func httpError(for error: any Error, logger: Logger, what: String) -> HTTPError {
        if let error = error as? HTTPError { return error }
        logger.error("\(what) failed", metadata: ["error": "\(String(reflecting: error))"])
        if let psql = error as? PSQLError {
            let state = psql.serverInfo?[.sqlState] ?? ""
            // No server answer (connection refused, closed, timed out), or the server says it is
            // out of resources, shutting down or cannot connect (classes 08, 53, 57).
            if psql.serverInfo == nil || state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57") || state == "40001" || state == "40P01" {
                return HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"], message: "database unavailable while \(what); retry later")
            }
            return HTTPError(.internalServerError, message: "\(what) failed: \(psql.serverInfo?[.message] ?? "database error")")
        }
        return HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"], message: "database unavailable while \(what); retry later")
    }
}

extension ExemplarLimits {
    /// What is wrong with a translated OTLP exemplar, if anything: the series label limits the
    /// text and remote-write decoders enforce while reading, and NUL, which PostgreSQL's jsonb
    /// cannot store.
    func problem(with exemplar: Exemplar) -> String? {
        let metric = exemplar.series.metricName ?? ""
        if exemplar.series.count > maxLabelsPerSeries {
            return "metric '\(metric)': \(exemplar.series.count) labels exceed max_labels_per_series (\(maxLabelsPerSeries))"
        }
        for label in exemplar.series {
            if label.name.utf8.count > maxLabelNameLength {
                return "metric '\(metric)': label name '\(label.name.prefix(64))…' longer than \(maxLabelNameLength) bytes (max_label_name_length)"
            }
            if label.value.utf8.count > maxLabelValueLength {
                return "metric '\(metric)': value of label '\(label.name)' longer than \(maxLabelValueLength) bytes (max_label_value_length)"
            }
        }
        for label in Array(exemplar.series) + Array(exemplar.labels) where label.name.contains("\u{0}") || label.value.contains("\u{0}") {
            return "metric '\(metric)': label '\(label.name.replacingOccurrences(of: "\u{0}", with: "\\0").prefix(64))' holds a NUL byte"
        }
        return nil
    }
}
