import Correlator
import Foundation
import ProfileIndex

/// The model of `/ui/profiles/{id}`: the flame graph of one sample type (optionally of one span's
/// samples), its top functions, and the change against a baseline.
struct ProfilePage {
    struct SampleTypeOption {
        var name: String
        var unit: String
        var selected: Bool
    }

    struct TopRow {
        var name: String
        var file: String
        var flat: String
        var flatShare: String
        var cum: String
        var cumShare: String
    }

    struct DiffRow {
        var name: String
        var baseFlat: String
        var flat: String
        var flatDelta: String
        var baseCum: String
        var cum: String
        var cumDelta: String
        /// `grew`, `shrank` or `same`.
        var direction: String
    }

    var search: String
    var profileID: String
    var service: String
    var type: String
    var start: String
    var duration: String
    var labels: String?
    var pprofURL: String
    var unfilteredURL: String
    var sampleTypes: [SampleTypeOption] = []
    var sampleType = ""
    var unit = ""
    var spanID: String?
    var spanShare = ""
    var baseline: String
    var hasFilter: Bool
    var message: String?

    var hasFlameGraph = false
    var flameGraph = ""
    var total = ""
    var frames = 0
    var hiddenFrames: Int?
    var widest: String?
    var top: [TopRow] = []
    /// Stored, not computed: mustache reads values through Mirror, which sees stored properties only.
    var hasTop = false

    var hasDiff = false
    var diffBaseline = ""
    var diffBaseTotal = ""
    var diffNewTotal = ""
    var diffScale = ""
    var diffRows: [DiffRow] = []

    /// Rows of the top and diff tables.
    static let tableRows = 50

    init(profile stored: StoredProfile, spanID: String?, baseline: String?) {
        profileID = stored.profileID
        search = stored.profileID
        service = stored.service
        type = stored.type
        start = Timestamp.rfc3339(stored.startNanos)
        duration = PprofUnits.scaledLabel(stored.durationNanos, unit: "nanoseconds", to: "minimum")
        let labelMap = LabelsJSON.object(stored.labelsJSON)
        labels = labelMap.isEmpty ? nil : OverviewPage.labelText(labelMap)
        let path = "/ui/profiles/" + Self.pathComponent(stored.profileID)
        pprofURL = "/api/v1/profiles/" + Self.pathComponent(stored.profileID) + "/pprof"
        unfilteredURL = path
        self.spanID = spanID
        self.baseline = baseline ?? ""
        hasFilter = spanID != nil || baseline != nil
    }

    /// Fills the flame graph and the top table from the decoded profile.
    /// `profileTotal`: the whole profile's total of the sample type (the span's share is of it).
    mutating func show(_ profile: Profile, sampleTypeIndex index: Int, profileTotal: Int64, diff: ProfileDiff?, baselineDescription: String) {
        sampleTypes = profile.sampleTypes.enumerated().map { position, type in
            SampleTypeOption(name: type.type, unit: type.unit, selected: position == index)
        }
        let valueType = profile.sampleTypes[index]
        sampleType = valueType.type
        unit = valueType.unit
        let root = profile.flameGraph(sampleTypeIndex: index, spanID: spanID)
        total = PprofUnits.scaledLabel(root.total, unit: unit, to: "minimum")
        spanShare = PprofUnits.percentage(root.total, of: profileTotal).trimmingCharacters(in: .whitespaces)
        if root.total == 0 {
            message = spanID.map { "No \(valueType.type) samples of this profile are labelled with span \($0)." }
                ?? "This profile has no \(valueType.type) samples."
        }

        var renderer = FlameGraphHTML(unit: unit)
        if let diff {
            let byFunction = Dictionary(
                diff.entries.map { ("\($0.name)\u{0}\($0.filename)", $0.cumDelta) }, uniquingKeysWith: { first, _ in first }
            )
            let newTotal = Double(max(diff.newTotal, 1))
            renderer.diffColour = { name, file in
                FlameGraphHTML.diffColour(change: (byFunction["\(name)\u{0}\(file)"] ?? 0) / newTotal)
            }
            hasDiff = true
            diffBaseline = baselineDescription
            let diffUnit = diff.sampleType.unit
            diffBaseTotal = PprofUnits.scaledLabel(diff.baseTotal, unit: diffUnit, to: "minimum")
            diffNewTotal = PprofUnits.scaledLabel(diff.newTotal, unit: diffUnit, to: "minimum")
            diffScale = String(format: "%.4g", diff.scale)
            func label(_ value: Double) -> String {
                PprofUnits.scaledLabel(Int64(value.rounded()), unit: diffUnit, to: "minimum")
            }
            func signed(_ value: Double, relative: Double?) -> String {
                let text = (value > 0 ? "+" : "") + label(value)
                return relative.map { text + String(format: " (%+.0f%%)", $0 * 100) } ?? text
            }
            diffRows = diff.entries.prefix(Self.tableRows).map { entry in
                DiffRow(
                    name: entry.name, baseFlat: label(entry.baseFlat), flat: label(Double(entry.newFlat)),
                    flatDelta: signed(entry.flatDelta, relative: entry.flatRelative),
                    baseCum: label(entry.baseCum), cum: label(Double(entry.newCum)),
                    cumDelta: signed(entry.cumDelta, relative: entry.cumRelative),
                    direction: entry.flatDelta > 0.5 ? "grew" : entry.flatDelta < -0.5 ? "shrank" : "same"
                )
            }
        }
        if root.total > 0 {
            let rendered = renderer.render(root)
            hasFlameGraph = true
            flameGraph = rendered.html
            frames = rendered.shownFrames
            hiddenFrames = rendered.hiddenFrames == 0 ? nil : rendered.hiddenFrames
        }
        let functions = root.functionTotals()
        widest = functions.first.map(\.name)
        top = functions.prefix(Self.tableRows).map { function in
            TopRow(
                name: function.name, file: function.file,
                flat: PprofUnits.scaledLabel(function.flat, unit: unit, to: "minimum"),
                flatShare: PprofUnits.percentage(function.flat, of: root.total).trimmingCharacters(in: .whitespaces),
                cum: PprofUnits.scaledLabel(function.cum, unit: unit, to: "minimum"),
                cumShare: PprofUnits.percentage(function.cum, of: root.total).trimmingCharacters(in: .whitespaces)
            )
        }
        hasTop = !top.isEmpty
    }

    /// Without stored pprof bytes (an OTLP profile): the stored top functions only.
    mutating func showStoredTop(_ stored: StoredProfile, top functions: [TopFunction]) {
        let unit = functions.first?.unit ?? ""
        let total = stored.totals.indices.contains(stored.defaultSampleType) ? stored.totals[stored.defaultSampleType] : 0
        message = "The pprof bytes of this profile were not kept, so there is no flame graph; the stored top functions follow."
        top = functions.map { function in
            TopRow(
                name: function.function, file: function.file,
                flat: PprofUnits.scaledLabel(function.flat, unit: unit, to: "minimum"),
                flatShare: PprofUnits.percentage(function.flat, of: total).trimmingCharacters(in: .whitespaces),
                cum: PprofUnits.scaledLabel(function.cum, unit: unit, to: "minimum"),
                cumShare: PprofUnits.percentage(function.cum, of: total).trimmingCharacters(in: .whitespaces)
            )
        }
        hasTop = !top.isEmpty
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}
