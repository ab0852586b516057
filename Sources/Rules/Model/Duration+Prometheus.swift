extension Duration {
    /// Parses a duration in Prometheus syntax: `30s`, `1m`, `1h30m`, `7d`, `2w`, `1y`, `500ms`, or `0`.
    ///
    /// Units, largest first, each at most once: `y` (365 days), `w` (7 days), `d`, `h`, `m`, `s`,
    /// `ms`. As in Prometheus, numbers are non-negative integers, there is no fraction and no
    /// sign, and the empty string is not a duration.
    ///
    /// - Returns: `nil` when `text` is not a valid Prometheus duration.
    public init?(prometheus text: String) {
        if text == "0" {
            self = .zero
            return
        }
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
            ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var nextUnit = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            guard let index = units.firstIndex(where: { $0.suffix == letters }), index >= nextUnit else {
                return nil
            }
            let (product, overflow) = number.multipliedReportingOverflow(by: units[index].milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
            nextUnit = index + 1
        }
        self = .milliseconds(total)
    }

    /// The duration in Prometheus syntax, largest units first (`1h30m`, `7d`, `0s`), as
    /// Prometheus prints durations. Sub-millisecond parts are dropped.
    public var prometheusDescription: String {
        var milliseconds = self.components.seconds * 1_000 + self.components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        var text = milliseconds < 0 ? "-" : ""
        milliseconds = abs(milliseconds)
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
            ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
        ]
        for unit in units where milliseconds >= unit.milliseconds {
            text += "\(milliseconds / unit.milliseconds)\(unit.suffix)"
            milliseconds %= unit.milliseconds
        }
        return text
    }

    /// The duration in seconds, for arithmetic with `Date`.
    public var timeInterval: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
