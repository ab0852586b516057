import Correlator
import Foundation
import ProfileIndex

/// The model of `/ui/explore`: profiles merged over a service, type, selector and time range —
/// the value over time (drag on the chart to pick a range), the merged flame graph and top
/// functions — and a compare mode against a baseline range or selector, whose flame graph is
/// coloured by each function's change.
struct ExplorePage {
    struct Option {
        var value: String
        var selected: Bool
    }

    var search = ""
    var services: [Option]
    var types: [Option]
    var sampleType: String
    var selector: String
    var from: String
    var to: String
    var compare: Bool
    var baselineFrom: String
    var baselineTo: String
    var baselineSelector: String
    var spanName: String
    var slowest: String
    var message: String?

    var chart = ""
    var hasChart = false
    var points = 0
    var profiles = 0
    var spans: Int?
    var total = ""
    var unit = ""
    var sampleTypeName = ""
    var pprofURL = ""

    var hasFlameGraph = false
    var flameGraph = ""
    var frames = 0
    var widest: String?
    var top: [ProfilePage.TopRow] = []
    var hasTop = false

    var hasDiff = false
    var baselineProfiles = 0
    var baselineTotal = ""
    var baselineDescription = ""

    /// Rows of the top table.
    static let tableRows = 50

    init(
        services known: [String], service: String?, kind: ProfileKind, sampleType: String?, selector: String?,
        range: TimeRange, compare: Bool, baseline: (from: Int64, to: Int64, selector: String?), spanName: String?, slowest: String?
    ) {
        services = known.map { Option(value: $0, selected: $0 == service) }
        types = ProfileKind.allCases.map { Option(value: $0.rawValue, selected: $0 == kind) }
        self.sampleType = sampleType ?? ""
        self.selector = selector ?? ""
        from = Timestamp.rfc3339(range.from)
        to = Timestamp.rfc3339(range.to)
        self.compare = compare
        baselineFrom = Timestamp.rfc3339(baseline.from)
        baselineTo = Timestamp.rfc3339(baseline.to)
        baselineSelector = baseline.selector ?? ""
        self.spanName = spanName ?? ""
        self.slowest = slowest ?? ""
    }

    /// The value over time as a chart whose drag selects a range.
    mutating func showSeries(_ lines: [ProfileValueSeries], sampleType: ProfileValueType, range: TimeRange, step: Int64) {
        var sums: [Int64: Int64] = [:]
        for line in lines {
            for (time, value) in line.points { sums[time, default: 0] &+= value }
        }
        let unit = sampleType.unit
        let stepText = PprofUnits.scaledLabel(step, unit: "nanoseconds", to: "minimum")
        let points = sums.sorted { $0.key < $1.key }.map { time, value in
            SVGChart.Point(
                time: time, value: Double(value),
                title: "\(SVGChart.time(time)): \(PprofUnits.scaledLabel(value, unit: unit, to: "minimum")) of \(sampleType.type)"
            )
        }
        let chart = SVGChart(from: range.from, to: range.to, valueLabel: "\(sampleType.type) per \(stepText) · drag to zoom", attributes: "data-select=\"range\"")
        self.chart = chart.line(points, id: "series-chart") { PprofUnits.scaledLabel(Int64($0), unit: unit, to: "minimum") }
        self.points = points.count
        hasChart = true
    }

    /// The merge's flame graph and top functions; with a baseline, the flame graph coloured by
    /// each function's change in share of the total (red grew, green shrank).
    mutating func showMerge(_ merged: MergedStacks, baseline: MergedStacks?, pprofURL: String) {
        profiles = merged.profiles
        spans = merged.spans
        unit = merged.sampleType.unit
        sampleTypeName = merged.sampleType.type
        total = PprofUnits.scaledLabel(merged.total, unit: unit, to: "minimum")
        self.pprofURL = pprofURL
        let root = merged.flameGraph(maxNodes: 4096)
        var renderer = FlameGraphHTML(unit: unit)
        if let baseline {
            hasDiff = true
            baselineProfiles = baseline.profiles
            baselineTotal = PprofUnits.scaledLabel(baseline.total, unit: unit, to: "minimum")
            let currentShares = Self.cumShares(merged)
            let baseShares = Self.cumShares(baseline)
            renderer.diffColour = { name, file in
                let key = "\(name)\u{0}\(file)"
                return FlameGraphHTML.diffColour(change: (currentShares[key] ?? 0) - (baseShares[key] ?? 0))
            }
        }
        if merged.total > 0 {
            let rendered = renderer.render(root)
            hasFlameGraph = true
            flameGraph = rendered.html
            frames = rendered.shownFrames
        } else if message == nil {
            message = "No \(sampleTypeName) samples in this range for this service and selector."
        }
        let functions = merged.top(limit: Self.tableRows)
        widest = functions.first?.function
        top = functions.map { entry in
            ProfilePage.TopRow(
                name: entry.function, file: entry.file,
                flat: PprofUnits.scaledLabel(entry.flat, unit: unit, to: "minimum"),
                flatShare: PprofUnits.percentage(entry.flat, of: merged.total).trimmingCharacters(in: .whitespaces),
                cum: PprofUnits.scaledLabel(entry.cum, unit: unit, to: "minimum"),
                cumShare: PprofUnits.percentage(entry.cum, of: merged.total).trimmingCharacters(in: .whitespaces)
            )
        }
        hasTop = !top.isEmpty
    }

    /// Each function's cum as a share of the merge's total, keyed by name and file.
    static func cumShares(_ merged: MergedStacks) -> [String: Double] {
        let total = Double(max(merged.total, 1))
        var shares: [String: Double] = [:]
        for entry in merged.top(limit: Int.max) {
            shares["\(entry.function)\u{0}\(entry.file)"] = Double(entry.cum) / total
        }
        return shares
    }
}
