/// What a profile says per function and per label, for every sample type: the numbers
/// `go tool pprof -top` and `-tags` print, small enough to store and compare.
///
/// Flat is the value of the samples whose leaf frame is in the function; cum is the value of the
/// samples with the function anywhere in the stack, counted once per sample however often it
/// recurses. Inlined frames are frames. Totals are the sum of all sample values.
public struct ProfileSummary: Sendable, Hashable, Codable {
    /// What each value measures, in order; every `[Int64]` here is indexed like this array.
    public var sampleTypes: [ProfileValueType]
    /// The sample type reports show by default.
    public var defaultSampleTypeIndex: Int
    public var periodType: ProfileValueType?
    public var period: Int64
    /// Start of the profile in Unix nanoseconds (0 when unknown).
    public var timeNanos: Int64
    /// Length of the profile in nanoseconds (0 when unknown).
    public var durationNanos: Int64
    /// The main binary's file, as `go tool pprof` prints in `File:`.
    public var mainBinary: String?
    public var comments: [String]
    /// Number of samples aggregated (after label filters).
    public var sampleCount: Int
    /// Sum of the values of the summarised samples (those passing ``filters``) per sample type.
    public var totals: [Int64]
    /// Sum of the values of all samples of the profile, before filters. pprof's percentages
    /// under `-tagfocus` are of this total; equal to ``totals`` without filters.
    public var profileTotals: [Int64]
    /// Every function with a non-zero flat or cum in some sample type, sorted by name and file.
    public var functions: [FunctionSummary]
    /// Every label key of the samples with its values and their totals, keys sorted by name.
    public var labels: [LabelSummary]
    /// The label filters the samples passed, empty when all samples are counted.
    public var filters: [LabelFilter]

    public init(
        sampleTypes: [ProfileValueType],
        defaultSampleTypeIndex: Int,
        periodType: ProfileValueType? = nil,
        period: Int64 = 0,
        timeNanos: Int64 = 0,
        durationNanos: Int64 = 0,
        mainBinary: String? = nil,
        comments: [String] = [],
        sampleCount: Int = 0,
        totals: [Int64],
        profileTotals: [Int64]? = nil,
        functions: [FunctionSummary],
        labels: [LabelSummary] = [],
        filters: [LabelFilter] = []
    ) {
        self.sampleTypes = sampleTypes
        self.defaultSampleTypeIndex = defaultSampleTypeIndex
        self.periodType = periodType
        self.period = period
        self.timeNanos = timeNanos
        self.durationNanos = durationNanos
        self.mainBinary = mainBinary
        self.comments = comments
        self.sampleCount = sampleCount
        self.totals = totals
        self.profileTotals = profileTotals ?? totals
        self.functions = functions
        self.labels = labels
        self.filters = filters
    }

    /// The index of a sample type given by name or number, as `go tool pprof -sample_index`
    /// accepts it. Nil or empty selects ``defaultSampleTypeIndex``.
    public func sampleTypeIndex(named name: String?) -> Int? {
        sampleTypes.pprofIndex(named: name, defaultIndex: defaultSampleTypeIndex)
    }

    /// The function with this name (and file, when given).
    public func function(named name: String, filename: String? = nil) -> FunctionSummary? {
        functions.first { $0.name == name && (filename == nil || $0.filename == filename) }
    }
}

/// Flat and cum of one function for every sample type of its profile.
public struct FunctionSummary: Sendable, Hashable, Codable {
    public var name: String
    public var filename: String
    /// Value of the samples whose leaf frame is this function, per sample type.
    public var flat: [Int64]
    /// Value of the samples with this function anywhere in their stack, per sample type.
    public var cum: [Int64]
    /// Bit `i` set: in sample type `i`, some call into this function was inlined.
    /// Text reports use it for pprof's `(inline)` / `(partial-inline)` marks.
    public var inlinedCalls: UInt64
    /// Bit `i` set: in sample type `i`, some call into this function was a real call.
    public var realCalls: UInt64

    public init(name: String, filename: String, flat: [Int64], cum: [Int64], inlinedCalls: UInt64 = 0, realCalls: UInt64 = 0) {
        self.name = name
        self.filename = filename
        self.flat = flat
        self.cum = cum
        self.inlinedCalls = inlinedCalls
        self.realCalls = realCalls
    }

    /// `(inline)` when every call into the function was inlined in this sample type,
    /// `(partial-inline)` when some were, nil otherwise — pprof's marks in `-top`.
    public func inlineMark(sampleTypeIndex: Int) -> String? {
        guard sampleTypeIndex < 64 else { return nil }
        let bit: UInt64 = 1 << UInt64(sampleTypeIndex)
        guard inlinedCalls & bit != 0 else { return nil }
        return realCalls & bit != 0 ? "(partial-inline)" : "(inline)"
    }
}

/// One label key and the totals of the samples carrying each of its values.
public struct LabelSummary: Sendable, Hashable, Codable {
    public var key: String
    /// Values sorted by the total of the default sample type, largest first, then by value.
    public var values: [LabelValueSummary]

    public init(key: String, values: [LabelValueSummary]) {
        self.key = key
        self.values = values
    }
}

/// A label value and the totals of the samples carrying it, per sample type.
public struct LabelValueSummary: Sendable, Hashable, Codable {
    public var value: String
    public var totals: [Int64]

    public init(value: String, totals: [Int64]) {
        self.value = value
        self.totals = totals
    }
}
