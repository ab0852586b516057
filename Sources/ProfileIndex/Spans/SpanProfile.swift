/// The samples of one span (labelled with its id through `pprof.Do`, or linked in OTLP): what
/// ran inside that span, per sample type and per function.
public struct SpanProfile: Sendable, Hashable, Codable {
    /// The span id as 16 lowercase hex digits when the label was a Datadog decimal id, else as
    /// the label gave it.
    public var spanID: String
    /// The trace id the samples carry (`trace_id`), when any.
    public var traceID: String?
    /// The span name the samples carry (`span_name`), when any.
    public var spanName: String?
    /// The Datadog local root span id (`local root span id`), as 16 hex digits, when any.
    public var localRootSpanID: String?
    /// Number of samples of the span.
    public var sampleCount: Int
    /// Sum of the span's sample values per sample type.
    public var totals: [Int64]
    /// Flat and cum per function within the span's samples, largest flat of the default sample
    /// type first (then cum, then name); cut to the limit given to the breakdown.
    public var functions: [FunctionSummary]
    /// The span's samples per distinct stack, when the breakdown was asked for them.
    public var stacks: ProfileStacks?

    public init(
        spanID: String,
        traceID: String? = nil,
        spanName: String? = nil,
        localRootSpanID: String? = nil,
        sampleCount: Int,
        totals: [Int64],
        functions: [FunctionSummary]
    ) {
        self.spanID = spanID
        self.traceID = traceID
        self.spanName = spanName
        self.localRootSpanID = localRootSpanID
        self.sampleCount = sampleCount
        self.totals = totals
        self.functions = functions
    }

    /// The `count` functions with the largest flat (or cum) in sample type `sampleTypeIndex`.
    public func topFunctions(sampleTypeIndex: Int, count: Int, by measure: FunctionMeasure = .flat) -> [FunctionSummary] {
        functions.top(sampleTypeIndex: sampleTypeIndex, count: count, by: measure)
    }
}

/// Which of a function's numbers ranks it.
public enum FunctionMeasure: String, Sendable, Hashable, Codable {
    case flat
    case cum
}

extension ProfileSummary {
    /// The `count` functions with the largest flat (or cum) in sample type `sampleTypeIndex`.
    public func topFunctions(sampleTypeIndex: Int, count: Int, by measure: FunctionMeasure = .flat) -> [FunctionSummary] {
        functions.top(sampleTypeIndex: sampleTypeIndex, count: count, by: measure)
    }
}

extension [FunctionSummary] {
    func top(sampleTypeIndex index: Int, count: Int, by measure: FunctionMeasure) -> [FunctionSummary] {
        let sorted = self.sorted { left, right in
            let (l1, l2, r1, r2) =
                measure == .flat
                ? (abs(left.flat[index]), abs(left.cum[index]), abs(right.flat[index]), abs(right.cum[index]))
                : (abs(left.cum[index]), abs(left.flat[index]), abs(right.cum[index]), abs(right.flat[index]))
            if l1 != r1 { return l1 > r1 }
            if l2 != r2 { return l2 > r2 }
            return (left.name, left.filename) < (right.name, right.filename)
        }
        return Array(sorted.prefix(Swift.max(count, 0)))
    }
}
