import Foundation
import NIOCore
import PostgresNIO
import ProfileIndex

/// A stored profile's per-function numbers for one sample type, largest flat first.
public struct StoredProfileTop: Sendable, Codable {
    public var profileID: String
    public var sampleType: ProfileValueType
    public var total: Int64
    public var functions: [PprofReport.TopEntry]
}

/// The raw bytes of a stored profile, when it has any.
public enum StoredProfileRaw: Sendable {
    case notFound
    /// Stored from OTLP (no pprof bytes were received).
    case noRawBytes
    case bytes(ByteBuffer)
}

extension Store {
    /// The pprof bytes of profile `profileID` as they were received.
    public func profileRaw(tenant: String, profileID: String) async throws -> StoredProfileRaw {
        let rows = try await client.query("""
            SELECT raw FROM profiles WHERE tenant = \(tenant) AND profile_id = \(profileID)
            ORDER BY start_ts DESC LIMIT 1
            """, logger: logger)
        for try await raw in rows.decode(ByteBuffer?.self) {
            return raw.map(StoredProfileRaw.bytes) ?? .noRawBytes
        }
        return .notFound
    }

    /// The stored flat and cum per function of one sample type (by name or index, as
    /// `go tool pprof -sample_index` takes it; nil = the profile's default), largest flat first.
    /// Nil when the profile does not exist; throws `UnknownSampleTypeError` for a bad name.
    public func profileTop(tenant: String, profileID: String, sampleType: String?, limit: Int) async throws -> StoredProfileTop? {
        let rows = try await client.query("""
            SELECT sample_types::text, default_sample_type, totals FROM profiles
            WHERE tenant = \(tenant) AND profile_id = \(profileID)
            ORDER BY start_ts DESC LIMIT 1
            """, logger: logger)
        var found: (types: [ProfileValueType], defaultIndex: Int, totals: [Int64])?
        for try await (typesJSON, defaultIndex, totals) in rows.decode((String, Int16, [Int64]).self) {
            let types = try JSONDecoder().decode([ProfileValueType].self, from: Data(typesJSON.utf8))
            found = (types, Int(defaultIndex), totals)
        }
        guard let found else { return nil }
        let index: Int
        if let sampleType, !sampleType.isEmpty {
            let withoutInuse = sampleType.hasPrefix("inuse_") ? String(sampleType.dropFirst(6)) : sampleType
            if let number = Int(sampleType), found.types.indices.contains(number) {
                index = number
            } else if let match = found.types.firstIndex(where: { $0.type == sampleType || $0.type == withoutInuse }) {
                index = match
            } else {
                throw UnknownSampleTypeError(name: sampleType, available: found.types.map(\.type))
            }
        } else {
            index = found.defaultIndex
        }
        let functionRows = try await client.query("""
            SELECT f.name, f.filename, pf.flat, pf.cum
            FROM profile_functions pf JOIN functions f ON f.function_id = pf.function_id
            WHERE pf.tenant = \(tenant) AND pf.profile_id = \(profileID) AND pf.start_ts = (SELECT max(start_ts) FROM profiles WHERE tenant = \(tenant) AND profile_id = \(profileID))
              AND pf.sample_type = \(Int16(index))
            ORDER BY abs(pf.flat) DESC, f.name, abs(pf.cum) DESC, f.filename
            LIMIT \(max(0, limit))
            """, logger: logger)
        var functions: [PprofReport.TopEntry] = []
        for try await (name, file, flat, cum) in functionRows.decode((String, String, Int64, Int64).self) {
            functions.append(.init(function: name, file: file, flat: flat, cum: cum))
        }
        return StoredProfileTop(
            profileID: profileID, sampleType: found.types[index],
            total: found.totals.indices.contains(index) ? found.totals[index] : 0, functions: functions
        )
    }
}

/// A sample type name that the profile does not have.
public struct UnknownSampleTypeError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public let available: [String]
    public var description: String {
        "the profile has no sample type '\(name)' (it has \(available.joined(separator: ", ")))"
    }
}

