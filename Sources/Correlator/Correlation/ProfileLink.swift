/// The kinds of evidence linking a trace to a profile, strongest first (DESIGN.md "Links").
public enum ProfileLinkKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// Samples labelled with a span of the trace: they ran inside that span.
    case spanSamples = "span_samples"
    /// A span attribute names a stored profile, or a span id with labelled samples.
    case spanAttribute = "span_attribute"
    /// An exemplar of the trace carries a profile id.
    case exemplar
    /// A profile of the span's service covers its time range: circumstantial.
    case timeWindow = "time_window"

    init?(rank: Int) {
        switch rank {
        case 1: self = .spanSamples
        case 2: self = .spanAttribute
        case 3: self = .exemplar
        case 4: self = .timeWindow
        default: return nil
        }
    }

    var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// One function of a link's top list, in the unit of the profile's default sample type.
public struct TopFunction: Sendable, Hashable, Codable {
    public var function: String
    public var file: String
    public var flat: Int64
    public var cum: Int64
    public var unit: String

    public init(function: String, file: String, flat: Int64, cum: Int64, unit: String) {
        self.function = function
        self.file = file
        self.flat = flat
        self.cum = cum
        self.unit = unit
    }
}

/// One proven link between a span (or exemplar) of a trace and a stored profile.
public struct ProfileLink: Sendable, Hashable {
    public var kind: ProfileLinkKind
    public var traceID: String
    /// The span the evidence names (empty when an exemplar carries no span id).
    public var spanID: String
    public var spanName: String
    public var service: String
    public var profileID: String
    public var profileType: String
    /// Profile start and duration, Unix nanoseconds.
    public var startNanos: Int64
    public var durationNanos: Int64
    /// For `time_window`: the fraction (0…1) of the span's duration the profile covers.
    public var overlap: Double?
    /// The span's own top functions when samples are labelled with it, else the profile's.
    public var top: [TopFunction]
    /// True when ``top`` is the span's own (labelled samples), false when it is the whole profile's.
    public var topIsSpans: Bool

    public var endNanos: Int64 { startNanos &+ durationNanos }

    public init(
        kind: ProfileLinkKind, traceID: String, spanID: String, spanName: String, service: String, profileID: String,
        profileType: String, startNanos: Int64, durationNanos: Int64, overlap: Double?, top: [TopFunction], topIsSpans: Bool
    ) {
        self.kind = kind
        self.traceID = traceID
        self.spanID = spanID
        self.spanName = spanName
        self.service = service
        self.profileID = profileID
        self.profileType = profileType
        self.startNanos = startNanos
        self.durationNanos = durationNanos
        self.overlap = overlap
        self.top = top
        self.topIsSpans = topIsSpans
    }
}

/// Everything the store proves about one trace.
public struct TraceLinks: Sendable {
    public var traceID: String
    public var links: [ProfileLink]
    /// Why there is no link, when ``links`` is empty.
    public var reason: String?
}
