import Exemplars

/// The JSON bodies of `GET /api/v1/query_exemplars`, in Prometheus's shape:
/// `{"status":"success","data":[{"seriesLabels":{…},"exemplars":[{"labels":{…},"value":"…","timestamp":1.5}]}]}`
/// and `{"status":"error","errorType":"bad_data","error":"…"}`.
public enum ExemplarQueryResponse {
    /// The success body for `series`.
    public static func success(_ series: [ExemplarSeries]) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + series.count * 512)
        json.ascii("{\"status\":\"success\",\"data\":[")
        for (index, entry) in series.enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.ascii("{\"seriesLabels\":")
            labels(entry.series, into: &json)
            json.ascii(",\"exemplars\":[")
            for (exemplarIndex, exemplar) in entry.exemplars.enumerated() {
                if exemplarIndex > 0 { json.byte(UInt8(ascii: ",")) }
                json.ascii("{\"labels\":")
                labels(exemplar.labels, into: &json)
                json.ascii(",\"value\":\"")
                json.bytes.append(contentsOf: formatValue(exemplar.value).utf8)
                json.ascii("\",\"timestamp\":")
                json.bytes.append(contentsOf: formatTimestamp(exemplar.timestamp).utf8)
                json.byte(UInt8(ascii: "}"))
            }
            json.ascii("]}")
        }
        json.ascii("]}")
        return json.bytes
    }

    /// An error body; `type` is Prometheus's `errorType` (`bad_data`, `execution`, `unavailable`).
    public static func error(_ message: String, type: String = "bad_data") -> [UInt8] {
        var json = JSONWriter(capacity: 64 + message.utf8.count)
        json.ascii("{\"status\":\"error\",\"errorType\":")
        _ = json.string(type)
        json.ascii(",\"error\":")
        _ = json.string(message)
        json.byte(UInt8(ascii: "}"))
        return json.bytes
    }

    private static func labels(_ set: LabelSet, into json: inout JSONWriter) {
        json.byte(UInt8(ascii: "{"))
        for (index, label) in set.enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            _ = json.string(label.name)
            json.byte(UInt8(ascii: ":"))
            _ = json.string(label.value)
        }
        json.byte(UInt8(ascii: "}"))
    }

    /// A value as Prometheus writes it (Go's `strconv.FormatFloat(v, 'f', -1, 64)`): the
    /// shortest digits that round-trip, in plain decimal notation; `+Inf`, `-Inf`, `NaN`.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let text = value.description
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        // Expand d.ddde±x into plain decimal.
        var mantissa = String(text[..<e])
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        var negative = false
        if mantissa.hasPrefix("-") { negative = true; mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = String(parts[0])
        var fractionDigits = parts.count > 1 ? String(parts[1]) : ""
        if fractionDigits == "0" { fractionDigits = "" }
        let digits = integerDigits + fractionDigits
        let point = integerDigits.count + exponent  // position of the decimal point in `digits`
        var result: String
        if point <= 0 {
            result = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            result = digits + String(repeating: "0", count: point - digits.count)
        } else {
            let index = digits.index(digits.startIndex, offsetBy: point)
            result = String(digits[..<index]) + "." + String(digits[index...])
        }
        if result.contains(".") {
            while result.hasSuffix("0") { result.removeLast() }
            if result.hasSuffix(".") { result.removeLast() }
        }
        return negative ? "-" + result : result
    }

    /// A millisecond timestamp as Prometheus writes it: seconds, then `.` and three digits of
    /// milliseconds when they are not zero (`1795442837.848`, `1795442837.850`, `1795442837`).
    public static func formatTimestamp(_ milliseconds: Int64) -> String {
        var text = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        text += String(magnitude / 1000)
        let fraction = magnitude % 1000
        if fraction != 0 {
            text += "."
            if fraction < 100 { text += "0" }
            if fraction < 10 { text += "0" }
            text += String(fraction)
        }
        return text
    }
}
