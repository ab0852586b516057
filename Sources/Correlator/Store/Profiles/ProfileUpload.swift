import NIOCore
import ProfileIndex

/// One profile to store, with the metadata its ingest path gave it.
public struct ProfileUpload: Sendable {
    public var tenant: String
    /// The caller's id, or a UUID derived from the content when none was given (so a retry of
    /// the same upload is the same profile).
    public var profileID: String
    public var service: String
    public var kind: ProfileKind
    /// Start of the profile in Unix nanoseconds.
    public var startNanos: Int64
    public var durationNanos: Int64
    /// Labels of the whole profile (query parameters, Pyroscope's `{k=v}`, scrape labels).
    public var labels: [String: String]
    /// The pprof bytes as received (gzip as Go writes them); nil for OTLP profiles.
    public var raw: ByteBuffer?
    public var profile: Profile

    public init(
        tenant: String, profileID: String, service: String, kind: ProfileKind,
        startNanos: Int64, durationNanos: Int64, labels: [String: String], raw: ByteBuffer?, profile: Profile
    ) {
        self.tenant = tenant
        self.profileID = profileID
        self.service = service
        self.kind = kind
        self.startNanos = startNanos
        self.durationNanos = durationNanos
        self.labels = labels
        self.raw = raw
        self.profile = profile
    }
}

/// A UUID (version 8, RFC 9562) derived from the bytes given: the same upload gives the same
/// id, so retried uploads without a `profile_id` are not stored twice.
public enum ContentUUID {
    public static func make(_ parts: [[UInt8]]) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for part in parts {
            for byte in part {
                first = (first ^ UInt64(byte)) &* 0x100_0000_01b3
                second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 &+ 0x9e37_79b9
            }
            first = (first ^ 0xff) &* 0x100_0000_01b3
            second = (second ^ 0xff) &* 0x100_0000_01b3
        }
        first = (first & ~0xf000) | 0x8000  // version 8 in bits 48–51 of the first half
        second = (second & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000  // variant 10
        let hex = String(first, radix: 16).leftPadded(16) + String(second, radix: 16).leftPadded(16)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
