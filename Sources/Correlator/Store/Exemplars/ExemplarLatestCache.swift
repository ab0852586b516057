import NIOConcurrencyHelpers
import PostgresNIO

/// What this process knows about the newest stored exemplar of each series, per database
/// client, so the writer can tell a new exemplar without asking PostgreSQL (a repeat is still
/// confirmed by the database; see ``Store/writeExemplars(_:tenant:)``).
///
/// An entry is the newest row (greatest `ts`) of `(tenant, series_fp)` that this process read
/// from or committed to the database, or the fact that the series has no row at all. Entries
/// only move forward in time; a write that may have left the database different from what
/// the writer assumed (a conflict, rows checked by SQL) forgets the entries of its series, and
/// partition retention forgets everything. A series without an entry is looked up in the
/// database. Like the SQL check it replaces, it is exact for one writer per series.
///
/// It also remembers, per series, the newest UTC day for which this process wrote the series'
/// row in `exemplar_series`, so that row is written once per series and day, not per batch.
/// Retention deletes series rows only before the first kept day, so a remembered day never
/// points at a deleted row while its exemplars can still be written; retention forgets these too.
///
/// Bounded: past ``capacity`` entries, arbitrary entries are forgotten (they are looked up
/// again when their series comes back).
final class ExemplarLatestCache: Sendable {
    struct Key: Hashable, Sendable {
        var tenant: String
        var fingerprint: Int64

        /// The fingerprint alone: it already hashes the series, and hashing the tenant's String
        /// too cost more than the rest of a lookup. Equality still compares both.
        func hash(into hasher: inout Hasher) {
            hasher.combine(fingerprint)
        }
    }

    /// The newest stored exemplar of a series; `labels` is its JSON text as the writer renders it.
    struct Latest: Sendable, Equatable {
        var timestamp: Int64
        var labels: String
        var value: Double
    }

    /// A series' state: `nil` = nothing stored.
    typealias State = Latest?

    static let capacity = 262_144

    private let entries = NIOLockedValueBox([Key: State]())
    private let seriesDays = NIOLockedValueBox([Key: Int64]())

    /// The indices of `series` (key and UTC day of its newest exemplar) whose row this process
    /// has not written for that day or a later one.
    func unwrittenSeries(_ series: [(key: Key, day: Int64)]) -> [Int] {
        seriesDays.withLockedValue { known in
            series.indices.filter { index in
                guard let day = known[series[index].key] else { return true }
                return day < series[index].day
            }
        }
    }

    /// Records series rows written (committed) for their day.
    func recordSeries(_ series: some Sequence<(key: Key, day: Int64)>) {
        seriesDays.withLockedValue { known in
            for (key, day) in series where known[key].map({ $0 < day }) ?? true {
                known[key] = day
            }
            Self.bound(&known)
        }
    }

    /// The known states of `keys`; a key absent from the result is unknown.
    func states(_ keys: [Key]) -> [Key: State] {
        entries.withLockedValue { entries in
            var found: [Key: State] = [:]
            found.reserveCapacity(keys.count)
            for key in keys {
                if let state = entries[key] { found[key] = state }
            }
            return found
        }
    }

    /// Records what the database holds: an entry moves only forward in time; a read from the
    /// database (`seed`) never replaces a known entry.
    func record(_ updates: [Key: State], seed: Bool) {
        entries.withLockedValue { entries in
            for (key, state) in updates {
                if let known = entries[key] {
                    if seed { continue }
                    guard let new = state else { continue }
                    if let old = known, old.timestamp >= new.timestamp { continue }
                }
                entries[key] = state
            }
            Self.bound(&entries)
        }
    }

    /// Past ``capacity`` entries, forgets arbitrary ones down to three quarters of it.
    private static func bound<Value>(_ dictionary: inout [Key: Value]) {
        guard dictionary.count > capacity else { return }
        var excess = dictionary.count - capacity * 3 / 4
        while excess > 0, let key = dictionary.keys.first {
            dictionary[key] = nil
            excess -= 1
        }
    }

    func forget(_ keys: some Sequence<Key>) {
        entries.withLockedValue { entries in
            for key in keys { entries[key] = nil }
        }
    }

    func forgetAll() {
        entries.withLockedValue { $0.removeAll() }
        seriesDays.withLockedValue { $0.removeAll() }
    }

    var count: Int { entries.withLockedValue { $0.count } }

    // MARK: One cache per database client

    private struct Registration: @unchecked Sendable {
        weak var client: PostgresClient?
        let cache: ExemplarLatestCache
    }

    private static let registry = NIOLockedValueBox([ObjectIdentifier: Registration]())

    /// The cache of `client` (created on first use). Keyed by identity, checked through a weak
    /// reference so a new client at a freed client's address starts empty.
    static func of(_ client: PostgresClient) -> ExemplarLatestCache {
        registry.withLockedValue { registry in
            let id = ObjectIdentifier(client)
            if let registration = registry[id], registration.client === client { return registration.cache }
            registry = registry.filter { $0.value.client != nil }
            let cache = ExemplarLatestCache()
            registry[id] = Registration(client: client, cache: cache)
            return cache
        }
    }

    /// Forgets every entry of `client`'s cache (after partitions were dropped).
    static func forgetAll(of client: PostgresClient) {
        let cache = registry.withLockedValue { $0[ObjectIdentifier(client)].flatMap { $0.client === client ? $0.cache : nil } }
        cache?.forgetAll()
    }
}
