/// A Unix time in nanoseconds broken into UTC calendar fields (proleptic Gregorian).
struct UTCTime: Equatable {
    var year: Int64
    var month: Int64
    var day: Int64
    var hour: Int64
    var minute: Int64
    var second: Int64
    var nanosecond: Int64

    /// Days since 1970-01-01 of a Unix time in nanoseconds (floored).
    static func dayNumber(unixNano: Int64) -> Int64 {
        let perDay: Int64 = 86_400_000_000_000
        let (quotient, remainder) = unixNano.quotientAndRemainder(dividingBy: perDay)
        return remainder < 0 ? quotient - 1 : quotient
    }

    init(unixNano: Int64) {
        let days = Self.dayNumber(unixNano: unixNano)
        // Wrapping: near Int64.min the product overflows, but the difference (0 ..< one day) is exact.
        let nanosOfDay = unixNano &- days &* 86_400_000_000_000
        let secondsOfDay = nanosOfDay / 1_000_000_000
        nanosecond = nanosOfDay % 1_000_000_000
        hour = secondsOfDay / 3600
        minute = secondsOfDay / 60 % 60
        second = secondsOfDay % 60
        (year, month, day) = Self.civil(fromDays: days)
    }

    /// Howard Hinnant's `civil_from_days`.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DD` of a day number.
    static func dateString(day: Int64) -> String {
        let (year, month, dayOfMonth) = civil(fromDays: day)
        var output: [UInt8] = []
        SpanCopyEncoder.appendPadded(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        SpanCopyEncoder.appendPadded(month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        SpanCopyEncoder.appendPadded(dayOfMonth, width: 2, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// RFC 3339 with nanoseconds: `2023-11-14T22:13:20.001500000Z`.
    var rfc3339: String {
        formatted(separator: "T", fraction: nanosecond, fractionDigits: 9, zone: "Z")
    }

    /// A PostgreSQL `timestamptz` literal in UTC with microseconds (floored):
    /// `2023-11-14 22:13:20.001500+00`.
    var postgresText: String {
        formatted(separator: " ", fraction: nanosecond / 1000, fractionDigits: 6, zone: "+00")
    }

    private func formatted(separator: Character, fraction: Int64, fractionDigits: Int, zone: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(30)
        SpanCopyEncoder.appendPadded(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        SpanCopyEncoder.appendPadded(month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        SpanCopyEncoder.appendPadded(day, width: 2, to: &output)
        output.append(contentsOf: String(separator).utf8)
        SpanCopyEncoder.appendPadded(hour, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        SpanCopyEncoder.appendPadded(minute, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        SpanCopyEncoder.appendPadded(second, width: 2, to: &output)
        output.append(UInt8(ascii: "."))
        SpanCopyEncoder.appendPadded(fraction, width: fractionDigits, to: &output)
        output.append(contentsOf: zone.utf8)
        return String(decoding: output, as: UTF8.self)
    }

    /// Days since 1970-01-01 of a Unix time in milliseconds (floored).
    static func dayNumber(unixMilli: Int64) -> Int64 {
        let (quotient, remainder) = unixMilli.quotientAndRemainder(dividingBy: 86_400_000)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
