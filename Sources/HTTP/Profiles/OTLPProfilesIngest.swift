import Correlator
import Hummingbird
import NIOCore
import ProfileIndex

/// The one decode-and-store path of OTLP profiles (v1development), taken by both receivers:
/// `POST /v1development/profiles` (``ProfileController``) and the gRPC
/// `ProfilesService/Export` (``OTLPGRPCReceiver``). Each profile of the export is stored under
/// its resource's `service.name`, with its type inferred from its sample types; a profile
/// without an id gets one derived from the tenant, service, position and message bytes, so a
/// retried export is not stored twice.
///
/// Refusals are `HTTPError`s each receiver translates (``RPCStatus/init(refusal:)``): a message
/// that cannot be decoded, or a profile of no known type, is a 400 (`INVALID_ARGUMENT`) naming
/// what and where; one over a size or sample limit a 413 (`RESOURCE_EXHAUSTED`); a database
/// that is away a 503 (`UNAVAILABLE`) with `Retry-After`. Nothing of a refused export is stored.
struct OTLPProfilesIngest: Sendable {
    /// An `ExportProfilesServiceRequest`, decoded, with the bytes its profile ids derive from.
    struct Decoded: Sendable {
        var profiles: [OTLPProfile]
        var message: ByteBuffer
    }

    /// The store, limits and writer every profile route shares.
    let profiles: ProfileController

    /// Decodes an `ExportProfilesServiceRequest` (protobuf; a gzip'd message is inflated within
    /// `max_decompressed_bytes`).
    func decode(_ message: ByteBuffer) throws -> Decoded {
        do {
            return Decoded(profiles: try OTLPProfilesDecoder(limits: profiles.decodingLimits).decode(message), message: message)
        } catch {
            let refusal = ProfileController.refusal(error, what: "OTLP profiles")
            throw HTTPError(refusal.status, message: refusal.message)
        }
    }

    /// Stores every profile of the export for `tenant`; returns once they are committed.
    func store(_ decoded: Decoded, tenant: String) async throws {
        var uploads: [ProfileUpload] = []
        for (index, otlp) in decoded.profiles.enumerated() {
            var labels = otlp.resourceAttributes
            labels.removeValue(forKey: "service.name")
            let service = otlp.serviceName ?? "unknown_service"
            let startNanos = otlp.profile.timeNanos != 0 ? otlp.profile.timeNanos : ProfileController.nowNanos()
            if let field = Self.fieldHoldingNUL(otlp) {
                throw HTTPError(.badRequest, message: "OTLP profile \(index): \(field) holds a NUL byte, which PostgreSQL text cannot store")
            }
            guard let kind = ProfileKind(inferredFrom: otlp.profile) else {
                throw HTTPError(.badRequest, message: "OTLP profile \(index): cannot tell the profile type from sample type \(otlp.profile.sampleTypes.map(\.description).joined(separator: ", "))")
            }
            let profileID = otlp.profileID ?? ContentUUID.make([
                Array(tenant.utf8), Array(service.utf8), Array(String(index).utf8), Array(decoded.message.readableBytesView),
            ])
            uploads.append(ProfileUpload(
                tenant: tenant, profileID: profileID, service: service, kind: kind,
                startNanos: startNanos, durationNanos: otlp.profile.durationNanos, labels: labels, raw: nil, profile: otlp.profile
            ))
        }
        do {
            try await profiles.write(uploads, route: "otlp")
        } catch let error as HTTPError {
            throw error
        } catch {
            ProfileController.logger.error("storing OTLP profiles failed", metadata: ["tenant": "\(tenant)", "error": "\(String(reflecting: error))"])
            throw HTTPError(.internalServerError, message: "storing \(uploads.count) OTLP profiles failed")
        }
    }

    /// The first text of `otlp` stored as PostgreSQL text that holds a NUL, named for the error:
    /// a resource attribute (`service.name` included) or a sample attribute. Function names are
    /// not checked here: the store repairs those (a sampler's torn read, `PreparedProfile`).
    static func fieldHoldingNUL(_ otlp: OTLPProfile) -> String? {
        // The smallest such key, so the message does not depend on the dictionary's order.
        let bad = otlp.resourceAttributes.lazy.filter { $0.key.utf8.contains(0) || $0.value.utf8.contains(0) }.map(\.key).min()
        if let bad {
            return "resource attribute '\(bad.showingNUL)'"
        }
        return otlp.profile.labelKeyHoldingNUL.map { "sample attribute '\($0)'" }
    }
}
