/// A stable 64-bit identity of an alert's label set.
///
/// FNV-1a (64-bit) over the labels sorted by name, each written as the UTF-8 bytes of the name,
/// a `0xFF` byte, the UTF-8 bytes of the value and a `0xFF` byte — the separator Prometheus uses,
/// which cannot occur in UTF-8. The same labels always give the same fingerprint, across
/// processes, restarts and platforms, so it can key the `alerts` table. (Prometheus itself uses
/// xxHash over the same layout; the values differ, the property is the same.)
///
/// Printed and encoded as 16 lowercase hex digits.
public struct AlertFingerprint: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 64-bit hash.
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The fingerprint of a label set.
    public init(labels: [String: String]) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for name in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            for byte in name.utf8 { mix(byte) }
            mix(0xFF)
            for byte in labels[name]!.utf8 { mix(byte) }
            mix(0xFF)
        }
        self.rawValue = hash
    }

    /// The same bits as a signed integer, for a PostgreSQL `bigint` column.
    public var int64: Int64 { Int64(bitPattern: rawValue) }

    public var description: String {
        let hex = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func < (lhs: AlertFingerprint, rhs: AlertFingerprint) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text.count == 16, let value = UInt64(text, radix: 16) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "fingerprint must be 16 hex digits, got \"\(text)\"")
        }
        self.rawValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
