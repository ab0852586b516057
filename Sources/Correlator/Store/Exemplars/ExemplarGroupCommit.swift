import Exemplars

/// Group commit for exemplar writes: requests that arrive while earlier ones are being written
/// wait, and are then written together, as one statement (one parse, one plan, one commit),
/// by one of them, the leader. Each request is answered only after the commit that holds its
/// rows.
///
/// At most ``maxWritesInFlight`` groups are written at once, so the database keeps a few
/// backends busy while each group grows with the load: one request alone when idle, many when
/// senders outpace the database. A group holds at most ``maxRowsPerGroup`` exemplars.
///
/// No task runs in the background: the request whose write finishes hands the queue to the
/// first waiting request, which writes the next group.
actor ExemplarGroupCommit {
    /// The exemplars one caller of ``Store/writeExemplars(_:tenant:)`` hands in.
    struct Request: Sendable {
        var tenant: String
        var exemplars: [Exemplar]
    }

    /// A waiting request and how to wake it.
    struct Follower: Sendable {
        let request: Request
        let continuation: CheckedContinuation<Turn, Never>

        func resume(_ turn: Turn) {
            continuation.resume(returning: turn)
        }
    }

    /// What a request does once it is its turn.
    enum Turn: Sendable {
        /// Write this request together with `followers` (possibly none), answer them, then call
        /// ``handOver()``.
        case lead(followers: [Follower])
        /// The leader committed this request's rows: `stored` of them were new.
        case committed(stored: Int)
        /// The group's write failed: write this request on its own, so one bad request does
        /// not fail the others.
        case writeAlone
    }

    let maxWritesInFlight: Int
    let maxRowsPerGroup: Int
    private var writesInFlight = 0
    private var waiting: [Follower] = []

    init(maxWritesInFlight: Int = 2, maxRowsPerGroup: Int = 20_000) {
        self.maxWritesInFlight = max(1, maxWritesInFlight)
        self.maxRowsPerGroup = max(1, maxRowsPerGroup)
    }

    /// Waits for this request's turn.
    func arrive(_ request: Request) async -> Turn {
        if writesInFlight < maxWritesInFlight && waiting.isEmpty {
            writesInFlight += 1
            return .lead(followers: [])
        }
        return await withCheckedContinuation { continuation in
            waiting.append(Follower(request: request, continuation: continuation))
        }
    }

    /// Called by a leader once its group is answered: the next waiting requests, as many as fit
    /// in a group, are written by the first of them.
    func handOver() {
        guard !waiting.isEmpty else {
            writesInFlight -= 1
            return
        }
        let leader = waiting.removeFirst()
        var rows = leader.request.exemplars.count
        var taken = 0
        while taken < waiting.count, rows + waiting[taken].request.exemplars.count <= maxRowsPerGroup {
            rows += waiting[taken].request.exemplars.count
            taken += 1
        }
        let followers = Array(waiting.prefix(taken))
        waiting.removeFirst(taken)
        leader.resume(.lead(followers: followers))
    }
}
