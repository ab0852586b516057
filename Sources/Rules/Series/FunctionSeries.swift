/// The per-profile values of one function (name + file) in one service, oldest first.
///
/// The store builds these from `profile_functions` joined with `profiles`; evaluators never ask
/// where they came from. Points of one service that share a `time` are taken to come from the same
/// profile and to carry its `total`, so a service's total over a window is the sum of `total` over
/// its distinct point times, whichever functions the points belong to. For service-level
/// allocation and leak rules, one series per service with an empty `function` whose points carry
/// the profile totals is enough.
public struct FunctionSeries: Sendable, Hashable, Codable {
    /// The service the profiles came from.
    public var service: String
    /// Profile labels other than the service (`region`, `instance`, …), for selectors.
    public var labels: [String: String]
    /// The function name, such as `encoding/json.Marshal`; empty for a service-level series.
    public var function: String
    /// The source file, when known.
    public var file: String
    /// Points in time order.
    public var points: [SeriesPoint]

    public init(service: String, labels: [String: String] = [:], function: String, file: String = "", points: [SeriesPoint]) {
        self.service = service
        self.labels = labels
        self.function = function
        self.file = file
        self.points = points
    }
}
