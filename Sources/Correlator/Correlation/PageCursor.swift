import Foundation

/// An opaque pagination cursor: the sort key of the last item of a page, base64url-encoded.
/// Clients pass back `next_cursor` verbatim; its content is not part of the API.
public struct PageCursor: Sendable, Hashable {
    public var fields: [String]

    public init(_ fields: [String]) { self.fields = fields }

    /// Decodes a cursor given by a client; nil when it is not one of ours (with `count` fields).
    public init?(encoded: some StringProtocol, count: Int) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("c1|")
        else { return nil }
        let fields = text.dropFirst(3).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == count else { return nil }
        self.fields = fields.map { $0.replacingOccurrences(of: "%7C", with: "|").replacingOccurrences(of: "%25", with: "%") }
    }

    public var encoded: String {
        let text = "c1|" + fields.map { $0.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "|", with: "%7C") }
            .joined(separator: "|")
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A half-open time range `[from, to)` in Unix nanoseconds.
public struct TimeRange: Sendable, Hashable {
    public var from: Int64
    public var to: Int64

    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }

    /// Microseconds, PostgreSQL's resolution; bounds for `timestamptz 'epoch' + n * interval '1 microsecond'`.
    var fromMicros: Int64 { from / 1000 }
    var toMicros: Int64 { (to + 999) / 1000 }
}
