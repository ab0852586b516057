/// Flat, cum and label totals of all the samples of a profile, added up by a decoder while it
/// read them, so that ``Profile/summary(filters:)`` without filters need not walk the samples
/// again.
struct SampleAggregate: Sendable {
    var functions: FunctionAggregator
    /// Per label of the profile (in its order), the sum of the values of the samples carrying
    /// it; stride = sample types.
    var labelTotals: [Int64]
}
