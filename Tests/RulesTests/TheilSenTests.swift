import Testing
@testable import Rules

@Suite struct TheilSenTests {
    @Test func exactLineIsRecovered() throws {
        let fit = try #require(TheilSen.fit((0..<10).map { (x: Double($0), y: 3 + 2 * Double($0)) }))
        #expect(fit.slope == 2)
        #expect(fit.intercept == 3)
    }

    /// Points (0,1) (1,2) (2,4) (3,3) (4,100): pairwise slopes
    /// 1, 1.5, 0.667, 24.75, 2, 0.5, 32.667, −1, 48, 97 → sorted middle pair 1.5 and 2 → slope 1.75.
    /// Intercepts y − 1.75x: 1, 0.25, 0.5, −2.25, 93 → median 0.5.
    @Test func handComputedFiveWithOutlier() throws {
        let fit = try #require(TheilSen.fit([(0, 1), (1, 2), (2, 4), (3, 3), (4, 100)]))
        #expect(abs(fit.slope - 1.75) < 1e-12)
        #expect(abs(fit.intercept - 0.5) < 1e-12)
    }

    /// Odd number of slopes: (0,0) (1,1) (3,2): slopes 1, 2/3, 1/2 → median 2/3.
    @Test func handComputedThreePoints() throws {
        let fit = try #require(TheilSen.fit([(0, 0), (1, 1), (3, 2)]))
        #expect(abs(fit.slope - 2.0 / 3.0) < 1e-12)
        // y − (2/3)x: 0, 1/3, 0 → median 0.
        #expect(abs(fit.intercept) < 1e-12)
    }

    @Test(arguments: [1.0, 1_000.0, 1e9])
    func outlierBarelyMovesTheSlope(outlier: Double) throws {
        var points = (0..<20).map { (x: Double($0), y: 10 + 0.5 * Double($0)) }
        points[13].y = outlier
        let fit = try #require(TheilSen.fit(points))
        #expect(abs(fit.slope - 0.5) < 0.05)
        // Least squares, for contrast, is dragged far off by the large outliers.
        if outlier > 1_000 {
            #expect(abs(Self.leastSquaresSlope(points) - 0.5) > 1)
        }
    }

    @Test func tooFewDistinctXGivesNoFit() {
        #expect(TheilSen.fit([]) == nil)
        #expect(TheilSen.fit([(1, 1)]) == nil)
        #expect(TheilSen.fit([(1, 1), (1, 5)]) == nil)
    }

    @Test(arguments: [1, 2, 7, 100, 101])
    func medianMatchesSorting(count: Int) {
        var generator = SplitMix64(seed: UInt64(count))
        var values = (0..<count).map { _ in Double(Int.random(in: 0..<20, using: &generator)) }
        let sorted = values.sorted()
        let expected = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
        #expect(TheilSen.median(&values) == expected)
    }

    @Test func largeInputsAreThinnedAndStillFit() throws {
        let points = (0..<5_000).map { (x: Double($0), y: 7 * Double($0) + 1) }
        let fit = try #require(TheilSen.fit(points))
        #expect(abs(fit.slope - 7) < 1e-9)
    }

    static func leastSquaresSlope(_ points: [(x: Double, y: Double)]) -> Double {
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / n
        let meanY = points.reduce(0) { $0 + $1.y } / n
        let numerator = points.reduce(0) { $0 + ($1.x - meanX) * ($1.y - meanY) }
        let denominator = points.reduce(0) { $0 + ($1.x - meanX) * ($1.x - meanX) }
        return numerator / denominator
    }
}
