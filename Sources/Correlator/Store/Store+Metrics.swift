import Metrics
import PostgresNIO

extension Store {
    /// Runs one database operation and records its duration in
    /// `correlator_db_operation_duration_seconds{operation}` and failures in
    /// `correlator_db_operation_errors_total{operation}`. Writers and queries wrap their work
    /// in this so /metrics shows where database time goes.
    public func measure<Result: Sendable>(
        _ operation: String,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let start = ContinuousClock.now
        do {
            let result = try await body()
            Timer(label: "correlator_db_operation_duration_seconds", dimensions: [("operation", operation)])
                .recordInterval(since: start)
            return result
        } catch {
            Counter(label: "correlator_db_operation_errors_total", dimensions: [("operation", operation)]).increment()
            throw error
        }
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
