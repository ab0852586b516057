/// Two summaries compared per function in one sample type, the base scaled to the new total
/// first (as `-diff_base` with `-normalize`), so a function that merely kept its share of a
/// busier window does not show as grown.
///
/// pprof itself scales the *new* profile to the base's total; scaling the base instead keeps
/// the deltas in the units of the current window. Relative changes are the same either way.
public struct ProfileDiff: Sendable, Hashable, Codable {
    /// The sample type compared.
    public var sampleType: ProfileValueType
    /// Total of the base before scaling.
    public var baseTotal: Int64
    /// Total of the new summary.
    public var newTotal: Int64
    /// The factor the base was multiplied by: `newTotal / baseTotal` (1 when the base is empty).
    public var scale: Double
    /// One entry per function present in either summary, largest absolute flat change first.
    public var entries: [Entry]

    /// One function's numbers in both summaries.
    public struct Entry: Sendable, Hashable, Codable {
        public var name: String
        public var filename: String
        /// Base flat and cum after scaling to the new total.
        public var baseFlat: Double
        public var baseCum: Double
        public var newFlat: Int64
        public var newCum: Int64
        /// `newFlat - baseFlat` (scaled base).
        public var flatDelta: Double
        /// `newCum - baseCum` (scaled base).
        public var cumDelta: Double
        /// `flatDelta / baseFlat`; nil when the function had no flat in the base.
        public var flatRelative: Double?
        /// `cumDelta / baseCum`; nil when the function had no cum in the base.
        public var cumRelative: Double?
    }

    /// Compares `new` with `base` in the sample type `sampleType` (a name or number as
    /// `-sample_index` takes; nil for the new summary's default). Nil when either summary lacks
    /// that sample type.
    public init?(base: ProfileSummary, new: ProfileSummary, sampleType: String? = nil) {
        guard let newIndex = new.sampleTypeIndex(named: sampleType) else { return nil }
        let type = new.sampleTypes[newIndex]
        guard let baseIndex = base.sampleTypes.firstIndex(where: { $0.type == type.type }) else { return nil }
        self.sampleType = type
        baseTotal = base.totals[baseIndex]
        newTotal = new.totals[newIndex]
        scale = baseTotal == 0 ? 1 : Double(newTotal) / Double(baseTotal)

        struct Pair { var base: (Int64, Int64) = (0, 0); var new: (Int64, Int64) = (0, 0) }
        var pairs: [ProfileFunction: Pair] = [:]
        for function in base.functions {
            pairs[ProfileFunction(name: function.name, filename: function.filename), default: Pair()].base =
                (function.flat[baseIndex], function.cum[baseIndex])
        }
        for function in new.functions {
            pairs[ProfileFunction(name: function.name, filename: function.filename), default: Pair()].new =
                (function.flat[newIndex], function.cum[newIndex])
        }
        let scale = self.scale
        entries = pairs.compactMap { function, pair in
            guard pair.base != (0, 0) || pair.new != (0, 0) else { return nil }
            let baseFlat = Double(pair.base.0) * scale
            let baseCum = Double(pair.base.1) * scale
            let flatDelta = Double(pair.new.0) - baseFlat
            let cumDelta = Double(pair.new.1) - baseCum
            return Entry(
                name: function.name,
                filename: function.filename,
                baseFlat: baseFlat,
                baseCum: baseCum,
                newFlat: pair.new.0,
                newCum: pair.new.1,
                flatDelta: flatDelta,
                cumDelta: cumDelta,
                flatRelative: baseFlat == 0 ? nil : flatDelta / baseFlat,
                cumRelative: baseCum == 0 ? nil : cumDelta / baseCum
            )
        }
        entries.sort { left, right in
            if abs(left.flatDelta) != abs(right.flatDelta) { return abs(left.flatDelta) > abs(right.flatDelta) }
            if abs(left.cumDelta) != abs(right.cumDelta) { return abs(left.cumDelta) > abs(right.cumDelta) }
            return (left.name, left.filename) < (right.name, right.filename)
        }
    }
}
