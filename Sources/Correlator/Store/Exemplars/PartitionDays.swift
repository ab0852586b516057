import Logging
import PostgresNIO

/// The UTC days whose daily partitions this process has already ensured, per database client,
/// so a writer calls `ensure_partitions` only for days it has not seen (old or future-dated
/// rows), not on every batch.
actor PartitionDays {
    static let shared = PartitionDays()

    private var ensured: [ObjectIdentifier: Set<Int>] = [:]

    /// Days since the Unix epoch (UTC) of a millisecond timestamp.
    static func day(ofMilliseconds milliseconds: Int64) -> Int {
        Int(milliseconds.floorDiv(86_400_000))
    }

    /// Creates the partitions of `days` that this process has not ensured yet.
    func ensure(_ days: Set<Int>, client: PostgresClient, logger: Logger) async throws {
        let key = ObjectIdentifier(client)
        let missing = days.subtracting(ensured[key] ?? [])
        guard !missing.isEmpty else { return }
        // One call for the whole range; a batch spanning years would create every day between,
        // so clamp to ranges of consecutive days.
        for (from, to) in Self.ranges(of: missing.sorted()) {
            let rows = try await client.query(
                "SELECT ensure_partitions(date '1970-01-01' + \(from)::integer, date '1970-01-01' + \(to)::integer)",
                logger: logger
            )
            for try await _ in rows {}
        }
        ensured[key, default: []].formUnion(missing)
    }

    /// Forgets what was ensured through `client` (after a partition turned out to be missing).
    func forget(client: PostgresClient) {
        ensured[ObjectIdentifier(client)] = nil
    }

    static func ranges(of sortedDays: [Int]) -> [(Int, Int)] {
        var ranges: [(Int, Int)] = []
        for day in sortedDays {
            if let last = ranges.last, last.1 + 1 == day {
                ranges[ranges.count - 1].1 = day
            } else {
                ranges.append((day, day))
            }
        }
        return ranges
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
