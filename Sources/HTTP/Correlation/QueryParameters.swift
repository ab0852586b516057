import Correlator
import Hummingbird

/// Reading and validating the query parameters shared by the list endpoints.
struct QueryParameters {
    let request: Request

    init(_ request: Request) { self.request = request }

    /// A non-empty string parameter, or nil.
    func string(_ name: String) -> String? {
        guard let value = request.queryParameters[Substring(name)], !value.isEmpty else { return nil }
        return String(value)
    }

    func double(_ name: String) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw HTTPError(.badRequest, message: "\(name): expected a number, got '\(text)'")
        }
        return value
    }

    /// `limit` (default `defaultLimit`, 1…`maximum`).
    func limit(default defaultLimit: Int = 50, maximum: Int = 1000) throws -> Int {
        guard let text = string("limit") else { return defaultLimit }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw HTTPError(.badRequest, message: "limit: expected an integer from 1 to \(maximum), got '\(text)'")
        }
        return value
    }

    /// The opaque `cursor` of a previous page, with the number of fields this list's cursors have.
    func cursor(fields: Int) throws -> PageCursor? {
        guard let text = string("cursor") else { return nil }
        guard let cursor = PageCursor(encoded: text, count: fields) else {
            throw HTTPError(.badRequest, message: "cursor: not a cursor of this list (pass next_cursor back unchanged)")
        }
        return cursor
    }

    /// A time parameter: RFC 3339 or Unix seconds.
    func time(_ name: String) throws -> Int64? {
        guard let text = string(name) else { return nil }
        guard let nanos = Timestamp.parse(text) else {
            throw HTTPError(.badRequest, message: "\(name): expected an RFC 3339 time or Unix seconds, got '\(text)'")
        }
        return nanos
    }

    /// `[from, to)`: `to` defaults to now, `from` to `defaultSpan` before `to`.
    func range(from fromName: String = "from", to toName: String = "to", defaultSpan: Int64 = 3_600_000_000_000) throws -> TimeRange {
        let to = try time(toName) ?? Timestamp.now()
        let from = try time(fromName) ?? (to - defaultSpan)
        guard from < to else {
            throw HTTPError(.badRequest, message: "\(fromName) must be before \(toName)")
        }
        return TimeRange(from: from, to: to)
    }
}

/// Lowercase hex ids in paths and parameters.
enum HexID {
    static func trace(_ text: String, name: String = "trace id") throws -> String {
        try check(text, length: 32, name: name)
    }

    static func span(_ text: String, name: String = "span_id") throws -> String {
        try check(text, length: 16, name: name)
    }

    private static func check(_ text: String, length: Int, name: String) throws -> String {
        let lower = text.lowercased()
        guard lower.utf8.count == length, lower.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
              lower.utf8.contains(where: { $0 != 48 })
        else {
            throw HTTPError(.badRequest, message: "\(name): expected \(length) hex digits (not all zero), got '\(text.prefix(80))'")
        }
        return lower
    }
}
