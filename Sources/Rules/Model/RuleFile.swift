/// A rule file: groups of alerting rules over profile series, in the shape of a Prometheus rule file.
///
/// Each rule has `alert`, exactly one condition (`hotspot`, `allocation` or `leak`) where a
/// Prometheus rule has `expr`, and Prometheus's `for`, `keep_firing_for`, `labels` and
/// `annotations`. Durations use Prometheus syntax (`30s`, `5m`, `1h30m`, `7d`). Unknown keys are
/// errors, as are duplicate group names. Labels and annotations are templates
/// (see ``AnnotationTemplate``).
///
/// ```yaml
/// groups:
///   - name: checkout
///     interval: 1m                  # default: the scheduler's evaluation interval
///     rules:
///       - alert: JSONEncodingHotspot
///         hotspot:
///           service: checkout       # or `selector: {service: checkout, region: eu}`; omit for all services
///           profile_type: cpu       # cpu | heap | allocs | goroutine | block | mutex
///           sample_type: cpu        # default: the profile type's usual one (cpu, inuse_space, alloc_space, goroutine, delay)
///           function: 'encoding/json\..*'   # optional, anchored at both ends
///           measure: flat           # flat | cum (default flat)
///           window: 15m
///           share_above: 0.2        # share of the window's total, 0...1
///           growth_above: 0.5       # +50 % over the baseline, normalised to the same total
///           baseline: {offset: 1d, window: 1h}   # window defaults to `window`
///         for: 10m
///         keep_firing_for: 5m
///         labels: {severity: page}
///         annotations:
///           summary: '{{function}} uses {{share}} of {{service}} CPU (was {{baseline_share}})'
///
///       - alert: AllocationRate
///         allocation:
///           service: checkout
///           function: 'main\.render.*'   # optional: per function; without it the service total
///           sample_type: alloc_space      # alloc_space (bytes) | alloc_objects
///           per_second_above: 50000000    # 50 MB/s
///           window: 5m
///           counter: cumulative           # cumulative (Go /debug/pprof/allocs) | delta
///
///       - alert: HeapLeak
///         leak:
///           service: checkout
///           sample_type: inuse_space      # inuse_space | inuse_objects | goroutine
///           window: 6h
///           min_points: 12
///           min_relative_growth: 0.2      # +20 % over the window, on the fitted line
///           min_slope_per_hour: 1000000   # optional, in the sample type's unit per hour
///         for: 30m
/// ```
///
/// Parse with ``RuleFile/parse(yaml:file:)``; check several files with ``RuleChecker``.
public struct RuleFile: Sendable, Hashable {
    /// The file name given to the parser, used in error locations.
    public var file: String
    /// The groups, in file order.
    public var groups: [RuleGroup]

    public init(file: String, groups: [RuleGroup]) {
        self.file = file
        self.groups = groups
    }
}

/// A named group of rules evaluated together at one interval.
public struct RuleGroup: Sendable, Hashable {
    /// The group name, unique in its file.
    public var name: String
    /// The evaluation interval; `nil` means the scheduler's default.
    public var interval: Duration?
    /// The alerting rules, in file order.
    public var rules: [AlertingRule]
    /// Where the group starts in its file.
    public var location: SourceLocation?

    public init(name: String, interval: Duration? = nil, rules: [AlertingRule], location: SourceLocation? = nil) {
        self.name = name
        self.interval = interval
        self.rules = rules
        self.location = location
    }
}

/// One alerting rule: a profile condition, how long it must hold, and what the alert carries.
public struct AlertingRule: Sendable, Hashable {
    /// The alert name (`alert:`), set as the `alertname` label.
    public var name: String
    /// The condition whose active samples become alerts.
    public var condition: RuleCondition
    /// How long a sample must stay active before its alert fires (`for:`, default 0).
    public var holdDuration: Duration
    /// How long a firing alert keeps firing after its condition clears (`keep_firing_for:`, default 0).
    public var keepFiringFor: Duration
    /// Extra labels, templates expanded per sample; they identify the alert.
    public var labels: [String: String]
    /// Annotations, templates expanded per sample; they don't identify the alert.
    public var annotations: [String: String]
    /// Where the rule starts in its file.
    public var location: SourceLocation?

    public init(
        name: String,
        condition: RuleCondition,
        holdDuration: Duration = .zero,
        keepFiringFor: Duration = .zero,
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        location: SourceLocation? = nil
    ) {
        self.name = name
        self.condition = condition
        self.holdDuration = holdDuration
        self.keepFiringFor = keepFiringFor
        self.labels = labels
        self.annotations = annotations
        self.location = location
    }
}
