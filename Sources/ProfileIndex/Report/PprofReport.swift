/// Text and JSON renderings of a ``ProfileSummary`` that read like `go tool pprof`'s `-top` and
/// `-tags` reports, for the `correlator profile` commands and the API.
public enum PprofReport {
    /// One row of a top list in the sample type's raw unit (integers), for JSON output.
    public struct TopEntry: Sendable, Hashable, Codable {
        public var function: String
        public var file: String
        public var flat: Int64
        public var cum: Int64

        public init(function: String, file: String, flat: Int64, cum: Int64) {
            self.function = function
            self.file = file
            self.flat = flat
            self.cum = cum
        }
    }

    /// Every function with a non-zero flat or cum in sample type `sampleIndex`, sorted by flat
    /// (largest first), then name; at most `nodeCount` rows when given.
    public static func topEntries(_ summary: ProfileSummary, sampleIndex: Int, nodeCount: Int? = nil) -> [TopEntry] {
        var entries: [TopEntry] = summary.functions.compactMap { function in
            let flat = function.flat[sampleIndex]
            let cum = function.cum[sampleIndex]
            guard flat != 0 || cum != 0 else { return nil }
            return TopEntry(function: function.name, file: function.filename, flat: flat, cum: cum)
        }
        entries.sort { left, right in
            if abs(left.flat) != abs(right.flat) { return abs(left.flat) > abs(right.flat) }
            if left.function != right.function { return left.function < right.function }
            if abs(left.cum) != abs(right.cum) { return abs(left.cum) > abs(right.cum) }
            return left.file < right.file
        }
        if let nodeCount, nodeCount >= 0, nodeCount < entries.count { entries.removeLast(entries.count - nodeCount) }
        return entries
    }

    /// The text of `go tool pprof -top -sample_index=… [-nodecount=N]`: header lines, then
    /// `flat flat% sum% cum cum%` and the function name per row, values scaled as pprof's
    /// default `-unit=minimum` does.
    ///
    /// Functions are grouped by name, as pprof's default `functions` granularity does. Nodes whose
    /// cum is below `nodeFraction` of the total are dropped and counted in a `Dropped` line.
    public static func renderTop(
        _ summary: ProfileSummary,
        sampleIndex: Int,
        nodeCount: Int? = nil,
        nodeFraction: Double = 0.005
    ) -> String {
        let sampleType = summary.sampleTypes[sampleIndex]
        let unit = sampleType.unit
        // Percentages are of the whole profile, as pprof computes its total before `-tagfocus`.
        let total = summary.profileTotals[sampleIndex]

        // Nodes: functions merged by name, as `-top` groups them.
        var byName: [String: Int] = [:]
        var nodes: [(name: String, flat: Int64, cum: Int64, mark: String?)] = []
        for function in summary.functions {
            let flat = function.flat[sampleIndex]
            let cum = function.cum[sampleIndex]
            guard flat != 0 || cum != 0 else { continue }
            if let existing = byName[function.name] {
                nodes[existing].flat &+= flat
                nodes[existing].cum &+= cum
            } else {
                byName[function.name] = nodes.count
                nodes.append((function.name, flat, cum, function.inlineMark(sampleTypeIndex: sampleIndex)))
            }
        }
        // pprof drops nodes below a fraction of the flat sum of the (filtered) graph, but prints
        // the cutoff as a fraction of the report total.
        let graphTotal = nodes.reduce(Int64(0)) { $0 &+ $1.flat }
        let nodeCutoff = abs(Int64(Double(graphTotal) * nodeFraction))
        let printedCutoff = abs(Int64(Double(total) * nodeFraction))
        var dropped = 0
        if nodeCutoff > 0 {
            let before = nodes.count
            nodes.removeAll { abs($0.cum) < nodeCutoff }
            dropped = before - nodes.count
        }
        nodes.sort { left, right in
            if abs(left.flat) != abs(right.flat) { return abs(left.flat) > abs(right.flat) }
            if left.name != right.name { return left.name < right.name }
            return abs(left.cum) > abs(right.cum)
        }
        let originalCount = nodes.count
        if let nodeCount, nodeCount > 0, nodeCount < nodes.count { nodes.removeLast(nodes.count - nodeCount) }

        // pprof's selectOutputUnit: the unit of the smallest shown value, or one hundred times it
        // when the total needs a larger unit.
        var minValue: Int64 = 0
        for node in nodes {
            var nodeMin = abs(node.flat)
            if nodeMin == 0 { nodeMin = abs(node.cum) }
            if nodeMin > 0 && (minValue == 0 || nodeMin < minValue) { minValue = nodeMin }
        }
        var outputUnit = "minimum"
        if !nodes.isEmpty {
            if minValue == 0 { minValue = total }
            let minUnit = PprofUnits.scale(minValue, unit: unit, to: "minimum").unit
            let maxUnit = PprofUnits.scale(total, unit: unit, to: "minimum").unit
            var chosen = minUnit
            if minUnit != maxUnit && minValue &* 100 < total {
                chosen = PprofUnits.scale(100 &* minValue, unit: unit, to: "minimum").unit
            }
            outputUnit = chosen.isEmpty ? unit : chosen
        }
        func format(_ value: Int64) -> String { PprofUnits.scaledLabel(value, unit: unit, to: outputUnit) }

        var lines = headerLines(summary, sampleIndex: sampleIndex, format: format)
        if !summary.filters.isEmpty {
            lines.append("Active filters:")
            for filter in summary.filters { lines.append("   tagfocus=\(filter)") }
        }
        let flatSum = nodes.reduce(Int64(0)) { $0 &+ $1.flat }
        lines.append(
            "Showing nodes accounting for \(format(flatSum)), "
                + "\(trimmed(PprofUnits.percentage(flatSum, of: total))) of \(format(total)) total"
        )
        if total != 0 {
            if dropped > 0 {
                lines.append("Dropped \(dropped) \(dropped > 1 ? "nodes" : "node") (cum <= \(format(printedCutoff)))")
            }
            if !nodes.isEmpty && nodes.count < originalCount {
                lines.append("Showing top \(nodes.count) nodes out of \(originalCount)")
            }
        }
        lines.append("      flat  flat%   sum%        cum   cum%")
        var runningFlat: Int64 = 0
        for node in nodes {
            runningFlat &+= node.flat
            var line = padLeft(format(node.flat), 10) + " " + PprofUnits.percentage(node.flat, of: total) + " "
            line += PprofUnits.percentage(runningFlat, of: total) + " " + padLeft(format(node.cum), 10) + " "
            line += PprofUnits.percentage(node.cum, of: total) + "  " + node.name
            if let mark = node.mark { line += " " + mark }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The text of `go tool pprof -tags -sample_index=…`: per label key, sorted by name, its
    /// total and each value's share, largest first.
    public static func renderTags(_ summary: ProfileSummary, sampleIndex: Int) -> String {
        let unit = summary.sampleTypes[sampleIndex].unit
        func scaled(_ value: Int64) -> String {
            let (number, name) = PprofUnits.scale(value, unit: unit, to: "minimum")
            return PprofUnits.format("%.1f", number) + name
        }
        var output = ""
        for label in summary.labels {
            var values = label.values.map { (value: $0.value, total: $0.totals[sampleIndex]) }
            values.sort { abs($0.total) != abs($1.total) ? abs($0.total) > abs($1.total) : $0.value < $1.value }
            let total = values.reduce(Int64(0)) { $0 &+ $1.total }
            // A tabwriter block with right-aligned cells and one space of padding, as pprof uses.
            let rows: [(first: String, second: String?, rest: String)] =
                [(label.key + ":", nil, " Total " + scaled(total))]
                + values.map { value in
                    let cell = total > 0
                        ? "\(scaled(value.total)) (\(PprofUnits.percentage(value.total, of: total))):"
                        : "\(scaled(value.total)):"
                    return (" ", cell, " " + value.value)
                }
            let firstWidth = rows.map { $0.first.unicodeScalars.count }.max()! + 1
            let secondWidth = (rows.compactMap { $0.second?.unicodeScalars.count }.max() ?? 0) + 1
            for row in rows {
                output += padLeft(row.first, firstWidth)
                if let second = row.second { output += padLeft(second, secondWidth) }
                output += row.rest + "\n"
            }
            output += "\n"
        }
        return output
    }

    static func headerLines(_ summary: ProfileSummary, sampleIndex: Int, format: (Int64) -> String) -> [String] {
        var lines: [String] = []
        if let binary = summary.mainBinary {
            lines.append("File: " + (binary.split(separator: "/").last.map(String.init) ?? binary))
        }
        for comment in summary.comments where !comment.hasPrefix("#") { lines.append(comment) }
        lines.append("Type: " + summary.sampleTypes[sampleIndex].type)
        if summary.timeNanos != 0 { lines.append("Time: " + pprofTime(summary.timeNanos)) }
        if summary.durationNanos != 0 {
            let duration = PprofUnits.scaledLabel(summary.durationNanos, unit: "nanoseconds", to: "auto")
            let total = summary.profileTotals[sampleIndex]
            let (nanos, nanoUnit) = PprofUnits.scale(total, unit: summary.sampleTypes[sampleIndex].unit, to: "nanoseconds")
            var ratio = ""
            if nanoUnit == "ns" && nanos != 0 {
                ratio = "(" + PprofUnits.percentage(Int64(nanos), of: summary.durationNanos) + ")"
            }
            lines.append("Duration: \(duration), Total samples = \(format(total)) \(ratio)")
        }
        return lines
    }

    /// Go's `Jan 2, 2006 at 3:04pm (MST)` in UTC.
    static func pprofTime(_ nanos: Int64) -> String {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let hour = secondOfDay / 3600
        let minute = (secondOfDay % 3600) / 60
        let hour12 = hour % 12 == 0 ? 12 : hour % 12
        let minuteText = minute < 10 ? "0\(minute)" : "\(minute)"
        return "\(months[Int(month) - 1]) \(day), \(year) at \(hour12):\(minuteText)\(hour < 12 ? "am" : "pm") (UTC)"
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        let count = text.unicodeScalars.count
        return count >= width ? text : String(repeating: " ", count: width - count) + text
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop { $0 == " " })
    }
}
