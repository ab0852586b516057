import Foundation

/// RFC 3339 timestamps with nanoseconds, the API's time format, and the time parameters it accepts.
public enum Timestamp {
    /// `2026-11-23T14:07:15.872833725Z` for Unix nanoseconds, any Int64 (years 1677…2262).
    ///
    /// Built from ``UTCTime``'s calendar fields, not `String(format:)`: Foundation's formatting
    /// took 4 % of the server's CPU on `/api/v1/traces/{id}/profiles` (perf, Benchmarks/correlation.sh).
    public static func rfc3339(_ nanos: Int64) -> String {
        UTCTime(unixNano: nanos).rfc3339
    }

    /// Unix nanoseconds from RFC 3339 (any fraction up to nanoseconds, `Z` or an offset) or from
    /// Unix seconds (`1795442835.87`). Nil when neither.
    public static func parse(_ text: some StringProtocol) -> Int64? {
        let text = String(text)
        // Within ±9e9 seconds (years 1685…2255), so the nanoseconds fit an Int64.
        if let seconds = Double(text), seconds.isFinite, abs(seconds) < 9e9 {
            let whole = seconds.rounded(.down)
            return Int64(whole) * 1_000_000_000 + Int64(((seconds - whole) * 1e9).rounded())
        }
        // Split off the fraction so the nanoseconds survive; Foundation parses the rest.
        var base = text
        var fractionNanos: Int64 = 0
        if let dot = text.firstIndex(of: ".") {
            let afterDot = text.index(after: dot)
            let end = text[afterDot...].firstIndex(where: { !$0.isNumber }) ?? text.endIndex
            let digits = text[afterDot..<end]
            guard !digits.isEmpty, digits.count <= 9 else { return nil }
            fractionNanos = Int64(digits + String(repeating: "0", count: 9 - digits.count)) ?? 0
            base = String(text[..<dot]) + String(text[end...])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: base), abs(date.timeIntervalSince1970) < 9e9 else { return nil }
        return Int64(date.timeIntervalSince1970.rounded()) * 1_000_000_000 + fractionNanos
    }

    /// Now in Unix nanoseconds.
    public static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1e9).rounded())
    }
}
