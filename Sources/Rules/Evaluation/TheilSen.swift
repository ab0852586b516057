/// The Theil–Sen estimator: a straight-line fit that ignores up to ~29 % of wild points.
///
/// The slope is the median of the slopes between every pair of points with different `x`
/// (the "Sen slope"); the intercept is the median of `y − slope · x`. One spike or one missed
/// garbage collection moves a least-squares line; it barely moves this one. Medians of an even
/// count are the mean of the two middle values. Pairs cost O(n²) time and memory, so inputs of
/// more than ``maximumPoints`` points are thinned to that many, evenly spaced, first and last kept.
public struct TheilSen: Sendable, Hashable {
    /// Inputs larger than this are thinned before fitting (512 points ≈ 131,000 pairs, about a
    /// millisecond), which keeps a cycle of many leak rules over long windows cheap; a trend over
    /// 512 evenly spaced points is as clear as over all of them.
    public static let maximumPoints = 512

    /// The median pairwise slope, in `y` units per `x` unit.
    public var slope: Double
    /// The fitted value at `x = 0`.
    public var intercept: Double

    public init(slope: Double, intercept: Double) {
        self.slope = slope
        self.intercept = intercept
    }

    /// The fitted line at `x`.
    public func value(at x: Double) -> Double { intercept + slope * x }

    /// Fits a line through `points`, or returns `nil` when fewer than two points have distinct `x`.
    public static func fit(_ points: [(x: Double, y: Double)]) -> TheilSen? {
        let points = thinned(points.filter { $0.x.isFinite && $0.y.isFinite })
        guard points.count >= 2 else { return nil }
        var slopes: [Double] = []
        slopes.reserveCapacity(points.count * (points.count - 1) / 2)
        for i in 0..<points.count {
            for j in (i + 1)..<points.count where points[j].x != points[i].x {
                slopes.append((points[j].y - points[i].y) / (points[j].x - points[i].x))
            }
        }
        guard !slopes.isEmpty else { return nil }
        let slope = median(&slopes)
        var offsets = points.map { $0.y - slope * $0.x }
        return TheilSen(slope: slope, intercept: median(&offsets))
    }

    private static func thinned(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        guard points.count > maximumPoints else { return points }
        let step = Double(points.count - 1) / Double(maximumPoints - 1)
        return (0..<maximumPoints).map { points[Int((Double($0) * step).rounded())] }
    }

    /// The median, reordering `values` (quickselect, expected linear time).
    static func median(_ values: inout [Double]) -> Double {
        let count = values.count
        precondition(count > 0)
        let upper = select(&values, count / 2)
        guard count % 2 == 0 else { return upper }
        // The lower middle is the largest value left of the upper middle after selection.
        let lower = values[0..<(count / 2)].max()!
        return (lower + upper) / 2
    }

    /// Reorders `values` so that `values[k]` is the k-th smallest and everything before it is ≤ it.
    private static func select(_ values: inout [Double], _ k: Int) -> Double {
        var low = 0
        var high = values.count - 1
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while low < high {
            // Deterministic pseudo-random pivot (xorshift), so sorted input stays linear.
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let pivot = values[low + Int(state % UInt64(high - low + 1))]
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                break
            }
        }
        return values[k]
    }
}
