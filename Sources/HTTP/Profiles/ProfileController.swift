import Correlator
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import PostgresNIO
import ProfileIndex

/// Profile ingest and queries:
/// - `POST /api/v1/profiles?service=&type=&profile_id=&from=&until=&<label>=` — a pprof body;
/// - `POST /ingest?name=app.cpu{k=v}&from=&until=&format=` — Pyroscope's ingest API: pprof
///   (raw or `multipart/form-data` with a `profile` part), or folded / lines text (the default
///   without `format` unless the body is gzip'd pprof) with `units` and `sampleRate`; `spyName`
///   becomes the label `pyroscope_spy`;
/// - `POST /v1development/profiles` — OTLP profiles (protobuf);
/// - `POST /push.v1.PusherService/Push` — Pyroscope's Connect push API (its SDKs, Alloy);
/// - `GET /api/v1/profiles/{id}/pprof` — the bytes as received, for `go tool pprof URL`;
/// - `GET /api/v1/profiles/{id}/top?sample_type=&limit=` — stored flat/cum per function.
struct ProfileController {
    let store: Store
    let limits: IngestLimits
    static let logger = Logger(label: "correlator.profiles")

    var decodingLimits: ProfileDecodingLimits {
        ProfileDecodingLimits(maxDecompressedBytes: limits.maxDecompressedBytes, maxSamples: limits.maxSamplesPerProfile)
    }

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.post("/api/v1/profiles") { request, context in try await ingestPprof(request, context: context) }
        router.post("/ingest") { request, context in try await ingestPyroscope(request, context: context) }
        router.post("/v1development/profiles") { request, context in try await ingestOTLP(request, context: context) }
        router.post("/push.v1.PusherService/Push") { request, context in try await pyroscopePush(request, context: context) }
        router.get("/api/v1/profiles/{id}/pprof") { request, context in try await raw(request, context: context) }
        router.get("/api/v1/profiles/{id}/top") { request, context in try await top(request, context: context) }
    }

    // MARK: - Ingest

    struct IngestResponse: ResponseEncodable {
        let profile_id: String
    }

    func ingestPprof(_ request: Request, context: CorrelatorRequestContext) async throws -> IngestResponse {
        let query = request.queryParameters
        let body = try await pprofBody(request)
        let profile = try decodePprof(body)
        var labels: [String: String] = [:]
        let reserved: Set<Substring> = ["service", "type", "profile_id", "from", "until"]
        for (key, value) in query where !reserved.contains(key) {
            labels[String(key)] = String(value)
        }
        let upload = try makeUpload(
            tenant: context.tenant, service: query["service"].map(String.init), kindName: query["type"].map(String.init),
            profileID: query["profile_id"].map(String.init), from: query["from"], until: query["until"],
            labels: labels, raw: body, profile: profile
        )
        try await write([upload], route: "pprof")
        return IngestResponse(profile_id: upload.profileID)
    }

    func ingestPyroscope(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let query = request.queryParameters
        let format = query["format"].map(String.init) ?? ""
        guard ["", "pprof", "folded", "lines"].contains(format) else {
            throw ProfileIngestError("format '\(format)' is not supported; send pprof, folded or lines", status: .unsupportedMediaType)
        }
        guard let nameText = query["name"], !nameText.isEmpty else {
            throw ProfileIngestError("query parameter 'name' (app.cpu{k=v,…}) is required")
        }
        let name = try PyroscopeName(parsing: String(nameText))
        var body = try await pprofBody(request)
        var isPprof = format == "pprof"
        if let contentType = request.headers[.contentType], let boundary = MultipartFormData.boundary(contentType: contentType) {
            let form = try MultipartFormData(body, boundary: boundary)
            guard let part = form.part(named: "profile") else {
                throw ProfileIngestError("multipart body has no 'profile' part (parts: \(form.parts.map(\.name).joined(separator: ", ")))")
            }
            body = part
            isPprof = format.isEmpty || format == "pprof"
        } else if format.isEmpty {
            // No format: pprof when it looks like one (gzip), else Pyroscope's default, folded.
            isPprof = body.readableBytesView.starts(with: [0x1f, 0x8b])
        }
        var labels = name.labels
        // The profiler, under the label Pyroscope gives it.
        if let spy = query["spyName"], !spy.isEmpty, labels["pyroscope_spy"] == nil { labels["pyroscope_spy"] = String(spy) }
        var kindName = name.kind?.rawValue
        let profile: Profile
        if isPprof {
            profile = try decodePprof(body)
        } else {
            let units = query["units"].map(String.init) ?? ""
            let rate = try query["sampleRate"].map { text -> Int64 in
                guard let rate = Int64(text), rate > 0 else { throw ProfileIngestError("sampleRate '\(text)' is not a positive integer (Hz)") }
                return rate
            } ?? 100
            let encoder: PprofEncoder
            do {
                encoder = try FoldedStacks.parse(
                    Substring(String(decoding: body.readableBytesView, as: UTF8.self)), format: format == "lines" ? .lines : .folded,
                    units: units, sampleRate: rate, maxSamples: limits.maxSamplesPerProfile
                )
            } catch let error as FoldedStacks.ParseError {
                throw ProfileIngestError("\(format.isEmpty ? "folded" : format) body: \(error)", status: error.reason.contains("max_samples_per_profile") ? .contentTooLarge : .badRequest)
            }
            let bytes = try encoder.gzipped()
            body = ByteBuffer(bytes: bytes)
            profile = try decodePprof(body)
            if kindName == nil, units.hasPrefix("lock") { kindName = ProfileKind.mutex.rawValue }
        }
        let upload = try makeUpload(
            tenant: context.tenant, service: name.service, kindName: kindName, profileID: nil,
            from: query["from"], until: query["until"], labels: labels, raw: body, profile: profile
        )
        try await write([upload], route: "pyroscope")
        return Response(status: .ok)
    }

    /// The OTLP/HTTP door of ``OTLPProfilesIngest``.
    func ingestOTLP(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        if let contentType = request.headers[.contentType]?.lowercased(), contentType.contains("json") {
            throw ProfileIngestError("OTLP profiles are accepted as application/x-protobuf only", status: .unsupportedMediaType)
        }
        let body = try await pprofBody(request)
        let ingest = OTLPProfilesIngest(profiles: self)
        try await ingest.store(try ingest.decode(body), tenant: context.tenant)
        // ExportProfilesServiceResponse with no partial_success: the empty message.
        return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer()))
    }

    // MARK: - Queries

    func raw(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let stored = try await Self.databaseCall { try await store.profileRaw(tenant: context.tenant, profileID: id) }
        switch stored {
        case .notFound:
            throw HTTPError(.notFound, message: "no profile '\(id)'")
        case .noRawBytes:
            throw HTTPError(.notFound, message: "profile '\(id)' came from OTLP and has no pprof bytes")
        case .bytes(let bytes):
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(id).pb.gz\""],
                body: .init(byteBuffer: bytes)
            )
        }
    }

    struct TopResponse: ResponseEncodable {
        let profile_id: String
        let sample_type: ProfileValueType
        let total: Int64
        let functions: [PprofReport.TopEntry]
    }

    func top(_ request: Request, context: CorrelatorRequestContext) async throws -> TopResponse {
        let id = try context.parameters.require("id")
        let query = request.queryParameters
        var limit = 100
        if let text = query["limit"] {
            guard let number = Int(text), number >= 0 else {
                throw HTTPError(.badRequest, message: "limit must be a non-negative integer, got '\(text)'")
            }
            limit = number
        }
        let sampleType = query["sample_type"].map(String.init)
        let result: StoredProfileTop?
        do {
            result = try await Self.databaseCall {
                try await store.profileTop(tenant: context.tenant, profileID: id, sampleType: sampleType, limit: limit)
            }
        } catch let error as UnknownSampleTypeError {
            throw HTTPError(.badRequest, message: error.description)
        }
        guard let result else { throw HTTPError(.notFound, message: "no profile '\(id)'") }
        return TopResponse(profile_id: result.profileID, sample_type: result.sampleType, total: result.total, functions: result.functions)
    }

    // MARK: - Helpers

    /// The body within the limits, `Content-Encoding` undone.
    func pprofBody(_ request: Request) async throws -> ByteBuffer {
        let collected = try await RequestBody.collect(request, limits: limits)
        return try RequestBody.decode(collected, contentEncoding: request.headers[.contentEncoding], limits: limits)
    }

    func decodePprof(_ body: ByteBuffer) throws -> Profile {
        guard body.readableBytes > 0 else { throw ProfileIngestError("empty body: expected a pprof profile") }
        let profile: Profile
        do {
            profile = try PprofDecoder(limits: decodingLimits).decode(body)
        } catch {
            throw Self.refusal(error, what: "pprof")
        }
        // A sample label PostgreSQL cannot store (NUL) is refused here rather than failing the
        // write with a 500; a function name with NUL is repaired by the store (PreparedProfile).
        if let key = profile.labelKeyHoldingNUL {
            throw ProfileIngestError("pprof: sample label '\(key)' holds a NUL byte")
        }
        return profile
    }

    static func refusal(_ error: ProfileDecodingError, what: String) -> ProfileIngestError {
        let tooLarge = error.code == .tooLarge || error.code == .tooManySamples
        return ProfileIngestError("\(what): \(error)", status: tooLarge ? .contentTooLarge : .badRequest)
    }

    func makeUpload(
        tenant: String, service: String?, kindName: String?, profileID: String?,
        from: Substring?, until: Substring?, labels: [String: String], raw: ByteBuffer, profile: Profile
    ) throws -> ProfileUpload {
        let service = (service?.isEmpty == false ? service : nil) ?? labels["service_name"] ?? labels["job"] ?? "unknown_service"
        // PostgreSQL's text and jsonb cannot hold NUL: refuse it here rather than fail the write.
        if let bad = ([("service", service)] + labels.map { ("label \($0.key.prefix(64))", $0.key + $0.value) }).first(where: { $0.1.contains("\u{0}") }) {
            throw ProfileIngestError("\(bad.0): NUL bytes are not allowed")
        }
        let kind: ProfileKind
        if let kindName, !kindName.isEmpty {
            guard let named = ProfileKind(name: kindName) else {
                throw ProfileIngestError("type '\(kindName)' is not one of \(ProfileKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = named
        } else if let inferred = ProfileKind(inferredFrom: profile) {
            kind = inferred
        } else {
            throw ProfileIngestError("cannot tell the profile type from sample types \(profile.sampleTypes.map(\.description).joined(separator: ", ")); pass type=")
        }
        var startNanos = profile.timeNanos
        var durationNanos = profile.durationNanos
        if let from {
            startNanos = try Self.parseTime(from, parameter: "from")
        }
        if let until {
            let end = try Self.parseTime(until, parameter: "until")
            guard end >= startNanos else { throw ProfileIngestError("until (\(until)) is before from") }
            durationNanos = end - startNanos
        }
        if startNanos == 0 { startNanos = Self.nowNanos() }
        if let profileID {
            guard !profileID.isEmpty, profileID.utf8.count <= 128 else {
                throw ProfileIngestError("profile_id must be 1 to 128 characters")
            }
        }
        let id = profileID ?? ContentUUID.make([
            Array(tenant.utf8), Array(service.utf8), Array(kind.rawValue.utf8), Array(String(startNanos).utf8),
            Array(raw.readableBytesView),
        ])
        return ProfileUpload(
            tenant: tenant, profileID: id, service: service, kind: kind, startNanos: startNanos,
            durationNanos: durationNanos, labels: labels, raw: raw, profile: profile
        )
    }

    func write(_ uploads: [ProfileUpload], route: String) async throws {
        let stored: [Bool]
        do {
            stored = try await Self.databaseCall { try await store.writeProfiles(uploads) }
        } catch let error as HTTPError {
            throw error
        } catch {
            // As the other writers: unreachable or overloaded → 503 + Retry-After, else 500.
            throw StoreUnavailable.httpError(for: error, logger: Self.logger, what: "storing \(uploads.count) profiles")
        }
        Counter(label: "correlator_profiles_ingested_total", dimensions: [("route", route)]).increment(by: stored.filter { $0 }.count)
    }

    /// Unix seconds (integer or fractional; milli/micro/nanoseconds recognised by size) or RFC 3339.
    static func parseTime(_ text: Substring, parameter: String) throws -> Int64 {
        if let number = Double(text) {
            let magnitude = abs(number)
            let nanos: Double = magnitude >= 1e17 ? number : magnitude >= 1e14 ? number * 1e3 : magnitude >= 1e11 ? number * 1e6 : number * 1e9
            guard nanos.isFinite, abs(nanos) < 9.2e18 else { throw ProfileIngestError("\(parameter) '\(text)' is out of range") }
            return Int64(nanos)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var date = formatter.date(from: String(text))
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime]
            date = formatter.date(from: String(text))
        }
        guard let date else {
            throw ProfileIngestError("\(parameter) '\(text)' is neither Unix seconds nor an RFC 3339 time")
        }
        return Int64((date.timeIntervalSince1970 * 1e9).rounded())
    }

    static func nowNanos() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1e9).rounded())
    }

    /// Runs a store call; a database failure becomes `DatabaseFailure`'s answer (503 with
    /// `Retry-After` when PostgreSQL is down or overloaded). An error thrown inside a
    /// transaction is answered as itself.
    static func databaseCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError, DatabaseFailure.httpError(for: inner, what: "storing the profile") == nil { throw inner }
            throw DatabaseFailure.httpError(for: error, what: "storing the profile") ?? error
        } catch {
            throw DatabaseFailure.httpError(for: error, what: "the profile store") ?? error
        }
    }
}
