import Correlator
import Foundation
import Hummingbird
import NIOCore
import ProfileIndex

extension ProfileController {
    /// `POST /push.v1.PusherService/Push`: Pyroscope's push (Connect unary, `application/proto`
    /// or `application/json`, gzip). Each series' labels give the service (`service_name`) and
    /// the profile type (`__name__`: `process_cpu`, `memory`, `goroutines`, …, else read from
    /// the pprof); the other labels are the profile's labels, but the `__`-prefixed ones
    /// Pyroscope reserves (`__session_id__`, `__delta__`). Every sample is a pprof profile,
    /// stored as those of `POST /api/v1/profiles` are (its `span_id` sample labels link to
    /// spans as `span_samples`), all of a request in one transaction. The answer is the empty
    /// `PushResponse` once they are committed.
    func pyroscopePush(_ request: Request, context: CorrelatorRequestContext) async throws -> Response {
        guard let codec = ConnectCodec(contentType: request.headers[.contentType]) else {
            throw ConnectError(.invalidArgument, "Content-Type '\(request.headers[.contentType] ?? "")' is not a Connect unary codec: send application/proto or application/json")
        }
        do {
            let body = try await pprofBody(request)
            let push: PushRequest
            do {
                push = codec == .proto ? try PushRequest(proto: body) : try PushRequest(json: body)
            } catch {
                throw ConnectError(.invalidArgument, "\(error)")
            }
            var uploads: [ProfileUpload] = []
            for (seriesIndex, series) in push.series.enumerated() {
                var labels: [String: String] = [:]
                for (name, value) in series.labels where !name.hasPrefix("__") { labels[name] = value }
                let typeName = series.labels.last { $0.name == "__name__" }?.value
                let service = labels.removeValue(forKey: "service_name")
                for (sampleIndex, sample) in series.samples.enumerated() {
                    let path = "series[\(seriesIndex)].samples[\(sampleIndex)]"
                    guard !sample.rawProfile.isEmpty else { throw ConnectError(.invalidArgument, "\(path).raw_profile: empty") }
                    let raw = ByteBuffer(bytes: sample.rawProfile)
                    do {
                        let profile = try decodePprof(raw)
                        let kindName = typeName.flatMap { ProfileKind(name: $0) != nil ? $0 : nil }
                        var upload = try makeUpload(
                            tenant: context.tenant, service: service, kindName: kindName, profileID: nil,
                            from: nil, until: nil, labels: labels, raw: raw, profile: profile
                        )
                        if !sample.id.isEmpty, sample.id.utf8.count <= 128 { upload.profileID = sample.id }
                        uploads.append(upload)
                    } catch let error as ProfileIngestError {
                        throw ConnectError(error.status == .contentTooLarge ? .resourceExhausted : .invalidArgument, "\(path).raw_profile: \(error.message)")
                    }
                }
            }
            if !uploads.isEmpty { try await write(uploads, route: "pyroscope_push") }
            // PushResponse has no fields: empty in protobuf, {} in JSON.
            return codec.response(codec == .proto ? [] : Array("{}".utf8))
        } catch let error as HTTPError {
            throw ConnectError(error)
        }
    }
}
