/// Number grammar of the text formats, parsed straight from bytes.
///
/// Values: `[+-]digits[.digits][e[+-]digits]`, `.5`, `1.`, `[+-]Inf`, `[+-]Infinity` and `NaN`
/// in any case. Short decimals (≤ 15 digits, no exponent) are converted exactly without a
/// String (an integer below 2^53 divided by an exact power of ten rounds correctly); the rest go
/// through the standard library's correctly rounded parser.
enum NumberParser {
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// The shape of a decimal number token.
    struct Decimal {
        var negative = false
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var integerStart = 0
        var integerEnd = 0
        var fractionStart = 0
        var fractionEnd = 0
        var hasExponent = false
    }

    /// Checks the token against the decimal grammar.
    static func decimal(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Decimal? {
        var result = Decimal()
        var index = start
        if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            result.negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        result.integerStart = index
        while index < end, let digit = digitValue(bytes[index]) {
            result.mantissa = result.mantissa &* 10 &+ UInt64(digit)
            result.digits += 1
            index += 1
        }
        result.integerEnd = index
        result.fractionStart = index
        result.fractionEnd = index
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            result.fractionStart = index
            while index < end, let digit = digitValue(bytes[index]) {
                result.mantissa = result.mantissa &* 10 &+ UInt64(digit)
                result.digits += 1
                result.fractionDigits += 1
                index += 1
            }
            result.fractionEnd = index
        }
        guard result.digits > 0 else { return nil }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            result.hasExponent = true
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < end, digitValue(bytes[index]) != nil { index += 1 }
            guard index > exponentStart else { return nil }
        }
        return index == end ? result : nil
    }

    /// A sample or exemplar value.
    static func double(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double? {
        if let special = special(bytes, start, end) { return special }
        guard let decimal = decimal(bytes, start, end) else { return nil }
        if !decimal.hasExponent && decimal.digits <= 15 {
            let magnitude = Double(decimal.mantissa) / powersOfTen[decimal.fractionDigits]
            return decimal.negative ? -magnitude : magnitude
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        return Double(text)
    }

    /// `[+-]inf`, `[+-]infinity`, `nan`, any case.
    static func special(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double? {
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let length = end - index
        guard length == 3 || length == 8, bytes[index] | 0x20 == UInt8(ascii: "i") || bytes[index] | 0x20 == UInt8(ascii: "n")
        else { return nil }
        func lowercaseEquals(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == length else { return false }
            for offset in 0..<length where bytes[index + offset] | 0x20 != word.utf8Start[offset] { return false }
            return true
        }
        if lowercaseEquals("inf") || lowercaseEquals("infinity") { return negative ? -.infinity : .infinity }
        if index == start && lowercaseEquals("nan") { return .nan }
        return nil
    }

    /// An OpenMetrics timestamp (float seconds) in milliseconds, rounded half away from zero.
    /// Plain decimals are converted exactly; exponents go through `Double`.
    static func secondsToMilliseconds(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
        guard let decimal = decimal(bytes, start, end) else { return nil }
        if decimal.hasExponent {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            guard let seconds = Double(text) else { return nil }
            let milliseconds = (seconds * 1000).rounded()
            guard milliseconds.isFinite, abs(milliseconds) < 9.2e18 else { return nil }
            return Int64(milliseconds)
        }
        var seconds: Int64 = 0
        for index in decimal.integerStart..<decimal.integerEnd {
            let (times10, overflow1) = seconds.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(bytes[index] &- UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            seconds = sum
        }
        var fraction: Int64 = 0
        for offset in 0..<3 {
            let index = decimal.fractionStart + offset
            let digit = index < decimal.fractionEnd ? Int64(bytes[index] &- UInt8(ascii: "0")) : 0
            fraction = fraction * 10 + digit
        }
        let roundingIndex = decimal.fractionStart + 3
        if roundingIndex < decimal.fractionEnd && bytes[roundingIndex] >= UInt8(ascii: "5") { fraction += 1 }
        let (scaled, overflow1) = seconds.multipliedReportingOverflow(by: 1000)
        let (milliseconds, overflow2) = scaled.addingReportingOverflow(fraction)
        guard !overflow1 && !overflow2 else { return nil }
        return decimal.negative ? -milliseconds : milliseconds
    }

    /// A Prometheus 0.0.4 timestamp: `[+-]digits`, milliseconds.
    static func integer(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < end else { return nil }
        var value: Int64 = 0
        while index < end {
            guard let digit = digitValue(bytes[index]) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return negative ? -value : value
    }

    @inline(__always)
    static func digitValue(_ byte: UInt8) -> UInt8? {
        let digit = byte &- UInt8(ascii: "0")
        return digit < 10 ? digit : nil
    }
}
