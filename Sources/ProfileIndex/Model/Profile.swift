/// A decoded profile: its metadata, its distinct functions and labels, and its samples in a
/// compact columnar form that summaries, span breakdowns and flame graphs read.
///
/// Produced by ``PprofDecoder`` from pprof bytes and by ``OTLPProfilesDecoder`` from OTLP
/// profiles, so everything downstream works the same for both. Ids of the wire format are gone:
/// functions, locations and labels are dense indices, which is what keeps aggregation free of
/// dictionaries.
public struct Profile: Sendable {
    /// What each sample value measures, in order.
    public internal(set) var sampleTypes: [ProfileValueType]
    /// The sample type reports show by default: `default_sample_type` when set, else the last.
    public internal(set) var defaultSampleTypeIndex: Int
    /// The kind of events between samples (e.g. `cpu/nanoseconds`), when given.
    public internal(set) var periodType: ProfileValueType?
    /// The number of `periodType` units between samples (10 ms for Go CPU profiles).
    public internal(set) var period: Int64
    /// When the profile was taken, in Unix nanoseconds (0 when unknown).
    public internal(set) var timeNanos: Int64
    /// How long the profile covers, in nanoseconds (0 when unknown).
    public internal(set) var durationNanos: Int64
    /// Free-form comments of the profile.
    public internal(set) var comments: [String]
    /// The file of the first mapping (the main binary), as `go tool pprof` prints in `File:`.
    public internal(set) var mainBinary: String?
    /// The build id of the first mapping.
    public internal(set) var buildID: String?
    /// `drop_frames` regular expression, recorded but not applied (Go never sets it).
    public internal(set) var dropFrames: String?
    /// `keep_frames` regular expression, recorded but not applied.
    public internal(set) var keepFrames: String?
    /// The distinct functions (name + file) the samples' frames refer to.
    public internal(set) var functions: [ProfileFunction]
    /// The distinct labels the samples carry.
    public internal(set) var labels: [ProfileLabel]

    // Columnar storage. Locations are dense indices; a location expands to one frame per line,
    // innermost first (pprof's `line[0]` is the inlined callee).
    var locationFrameStarts: [Int32]
    var locationFrames: [Int32]
    // Per sample: its locations (leaf first), its values (stride = sampleTypes.count), its labels.
    var sampleLocationStarts: [Int32]
    var sampleLocations: [Int32]
    var sampleValues: [Int64]
    var sampleLabelStarts: [Int32]
    var sampleLabels: [Int32]

    /// Every sample added up, when the decoder did it while reading them (the pprof decoder
    /// does); nil otherwise. Samples never change after decoding, so it stays true.
    var sampleAggregate: SampleAggregate?

    /// The number of samples.
    public var sampleCount: Int { sampleLocationStarts.count - 1 }

    init(sampleTypes: [ProfileValueType], defaultSampleTypeIndex: Int) {
        self.sampleTypes = sampleTypes
        self.defaultSampleTypeIndex = defaultSampleTypeIndex
        self.periodType = nil
        self.period = 0
        self.timeNanos = 0
        self.durationNanos = 0
        self.comments = []
        self.functions = []
        self.labels = []
        self.locationFrameStarts = [0]
        self.locationFrames = []
        self.sampleLocationStarts = [0]
        self.sampleLocations = []
        self.sampleValues = []
        self.sampleLabelStarts = [0]
        self.sampleLabels = []
    }

    /// The index of a sample type given by name or number, as `go tool pprof -sample_index`
    /// accepts it (`cpu`, `samples`, `alloc_space`, `1`; `inuse_space` also finds `space`).
    /// Nil or empty selects ``defaultSampleTypeIndex``.
    public func sampleTypeIndex(named name: String?) -> Int? {
        sampleTypes.pprofIndex(named: name, defaultIndex: defaultSampleTypeIndex)
    }
}

extension Array where Element == ProfileValueType {
    func pprofIndex(named name: String?, defaultIndex: Int) -> Int? {
        guard let name, !name.isEmpty else { return isEmpty ? nil : defaultIndex }
        if let number = Int(name) { return indices.contains(number) ? number : nil }
        let withoutInuse = name.hasPrefix("inuse_") ? String(name.dropFirst(6)) : name
        return firstIndex { $0.type == name || $0.type == withoutInuse }
    }
}
