/// Prometheus duration syntax: `[0-9]+(ms|s|m|h|d|w|y)` units in decreasing order, e.g. `1h30m`.
public enum PrometheusDuration {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
            ("d", 86_400_000), ("w", 604_800_000), ("y", 31_536_000_000),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var lastUnit = Int64.max
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, millis) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }),
                  millis < lastUnit
            else { return nil }
            rest = rest.dropFirst(unit.count)
            lastUnit = millis
            let (product, overflow) = number.multipliedReportingOverflow(by: millis)
            guard !overflow else { return nil }
            total += product
        }
        return .milliseconds(total)
    }
}
