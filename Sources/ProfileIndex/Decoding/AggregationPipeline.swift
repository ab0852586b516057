import Dispatch
import NIOConcurrencyHelpers

/// Adds a large profile's samples into a ``FunctionAggregator`` on a second thread while the
/// decoder reads the next ones: reading a sample and adding it up cost about the same
/// (Benchmarks/profiles.sh, 160,000 samples: ~19 ms and ~14 ms), so on two cores the two
/// overlap instead of following each other.
///
/// The decoder writes a sample's locations, values and end offset, then publishes how many
/// samples are complete (under a lock, so the writes are visible to the other thread) in chunks
/// of ``chunk``. The aggregating thread only ever reads published samples, whose location
/// indices the decoder has already checked. ``finish(published:)`` waits for it, so no buffer it
/// reads is freed under it; when decoding failed it stops at once.
final class AggregationPipeline: @unchecked Sendable {
    /// Samples per hand-over (512 measured steadier than 2048: the second thread starts sooner).
    static let chunk = 512

    private var aggregator: FunctionAggregator
    private let samples: Int
    private let starts: UnsafeBufferPointer<Int32>
    private let locations: UnsafeBufferPointer<Int32>
    private let values: UnsafePointer<Int64>?
    private let typeCount: Int
    private let progress = NIOLockedValueBox((published: 0, abandoned: false))
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(
        aggregator: FunctionAggregator, samples: Int, starts: UnsafeBufferPointer<Int32>,
        locations: UnsafeBufferPointer<Int32>, values: UnsafePointer<Int64>?, typeCount: Int
    ) {
        self.aggregator = aggregator
        self.samples = samples
        self.starts = starts
        self.locations = locations
        self.values = values
        self.typeCount = typeCount
    }

    func start() {
        DispatchQueue.global().async { self.run() }
    }

    /// The first `count` samples are complete.
    func publish(_ count: Int) {
        progress.withLockedValue { $0.published = count }
        ready.signal()
    }

    /// Waits until the other thread is done and returns its aggregator: all `published`
    /// samples added, or (nil: decoding failed) abandoned half-way.
    func finish(published: Int?) -> FunctionAggregator {
        progress.withLockedValue { state in
            if let published { state.published = published } else { state.abandoned = true }
        }
        ready.signal()
        done.wait()
        return aggregator
    }

    private func run() {
        var next = 0
        let typeCount = self.typeCount
        aggregator.accumulate { accumulator in
            while next < samples {
                ready.wait()
                let (available, abandoned) = progress.withLockedValue { ($0.published, $0.abandoned) }
                if abandoned { return }
                while next < available {
                    accumulator.add(
                        stamp: next,
                        locations: UnsafeBufferPointer(rebasing: locations[Int(starts[next])..<Int(starts[next + 1])]),
                        values: values.map { $0 + next * typeCount }
                    )
                    next += 1
                }
            }
        }
        done.signal()
    }
}
