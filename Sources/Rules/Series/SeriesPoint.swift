import struct Foundation.Date

/// One profile's contribution to a series: when, how much, and out of what total.
public struct SeriesPoint: Sendable, Hashable, Codable {
    /// The profile's start time.
    public var time: Date
    /// The function's flat or cum value for the sample type (the measure the request asked for).
    /// For a service-level series, equal to `total`.
    public var value: Double
    /// The profile's total of the sample type: the denominator of shares, and the service-level
    /// value of allocation and leak rules.
    public var total: Double
    /// The profile's duration, when known (delta allocation rates divide by it).
    public var duration: Duration?

    public init(time: Date, value: Double, total: Double, duration: Duration? = nil) {
        self.time = time
        self.value = value
        self.total = total
        self.duration = duration
    }
}
