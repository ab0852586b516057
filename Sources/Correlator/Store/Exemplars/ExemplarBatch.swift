import Exemplars
import NIOCore
import ProfileIndex

/// Preparing a batch of exemplars for the `exemplars` table: repeats collapsed, rows rendered
/// in COPY text format.
enum ExemplarBatch {
    /// The exemplars of `batch` without in-batch repeats: per series, in time order, an exemplar
    /// with the same labels and value as the previous kept one (or the same timestamp) is
    /// dropped. See ``Store/writeExemplars(_:tenant:)`` for why.
    static func collapsingRepeats(_ batch: [Exemplar]) -> [Exemplar] {
        guard batch.count > 1 else { return batch }
        var order = Array(batch.indices)
        order.sort { a, b in
            let x = batch[a], y = batch[b]
            if x.series.fingerprint != y.series.fingerprint { return x.series.fingerprint < y.series.fingerprint }
            if x.timestamp != y.timestamp { return x.timestamp < y.timestamp }
            return a < b
        }
        var kept: [Exemplar] = []
        kept.reserveCapacity(batch.count)
        var previous: Exemplar?
        for index in order {
            let exemplar = batch[index]
            if let last = previous, last.series.fingerprint == exemplar.series.fingerprint {
                if last.timestamp == exemplar.timestamp { continue }
                if last.labels == exemplar.labels && sameValue(last.value, exemplar.value) { continue }
            }
            kept.append(exemplar)
            previous = exemplar
        }
        return kept
    }

    /// The runs of one series in a collapsed (series-then-time ordered) batch.
    static func seriesRuns(_ batch: [Exemplar]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        for index in 1..<(batch.count + 1) where index == batch.count || batch[index].series.fingerprint != batch[start].series.fingerprint {
            runs.append(start..<index)
            start = index
        }
        return runs
    }

    /// PostgreSQL's float8 equality: NaN equals NaN.
    static func sameValue(_ a: Double, _ b: Double) -> Bool {
        a == b || (a.isNaN && b.isNaN)
    }
}

/// A batch of exemplars as one array per column of the `exemplars` table, bound as the
/// parameters of one `INSERT … SELECT … FROM unnest(…)`. Absent ids are empty (`NULLIF` turns
/// them into NULL); labels are JSON objects in label-name order, or empty (stored as NULL) when
/// they are only the ids (``labelsAreIDsOnly(_:)``). The series labels are not here: they go to
/// `exemplar_series` (``ExemplarSeriesColumns``).
struct ExemplarColumns: Sendable {
    var timestamps: [Int64] = []
    var fingerprints: [Int64] = []
    var values: [Double] = []
    var traceIDs: [ByteBuffer] = []
    var spanIDs: [ByteBuffer] = []
    var profileIDs: [String] = []
    var labels: [String] = []
    /// Whether the statement checks the row against the stored ones (see ``ExemplarInsertStatement``).
    var checked: [Bool] = []

    /// The `rows` of `exemplars` (indices, in order); `labels`: every exemplar's labels as
    /// ``json(_:)`` renders them; `checked`: one flag per row.
    init(_ exemplars: [Exemplar], rows: [Int], labels renderedLabels: [String], checked: [Bool]) {
        let count = rows.count
        timestamps.reserveCapacity(count); fingerprints.reserveCapacity(count); values.reserveCapacity(count)
        traceIDs.reserveCapacity(count); spanIDs.reserveCapacity(count); profileIDs.reserveCapacity(count)
        labels.reserveCapacity(count)
        let empty = ByteBuffer()
        for row in rows {
            let exemplar = exemplars[row]
            timestamps.append(exemplar.timestamp)
            fingerprints.append(Int64(bitPattern: exemplar.series.fingerprint))
            values.append(exemplar.value)
            traceIDs.append(exemplar.traceID.map { ByteBuffer(bytes: $0.bytes) } ?? empty)
            spanIDs.append(exemplar.spanID.map { ByteBuffer(bytes: $0.bytes) } ?? empty)
            profileIDs.append(exemplar.profileID?.replacingNUL() ?? "")
            labels.append(Self.labelsAreIDsOnly(exemplar) ? "" : renderedLabels[row])
        }
        self.checked = checked
    }

    /// Whether the exemplar's labels are exactly what the SQL function `exemplar_labels` rebuilds
    /// from the id columns (migration 0009): `trace_id` and `span_id` with their ids in lower-case
    /// hex, each present exactly when its id is, and no other label. Those labels are stored as
    /// NULL instead of a second copy of the ids.
    static func labelsAreIDsOnly(_ exemplar: Exemplar) -> Bool {
        let expected = (exemplar.traceID == nil ? 0 : 1) + (exemplar.spanID == nil ? 0 : 1)
        guard exemplar.labels.count == expected else { return false }
        for label in exemplar.labels {
            switch label.name {
            case "trace_id": guard let id = exemplar.traceID, label.value == id.hexString else { return false }
            case "span_id": guard let id = exemplar.spanID, label.value == id.hexString else { return false }
            default: return false
            }
        }
        return true
    }

    /// A label set as a JSON object (JSONWriter writes NUL as U+FFFD, which jsonb accepts).
    static func json(_ labels: LabelSet) -> String {
        var writer = JSONWriter(capacity: 32 + labels.count * 32)
        writer.byte(UInt8(ascii: "{"))
        for (index, label) in labels.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            _ = writer.string(label.name)
            writer.byte(UInt8(ascii: ":"))
            _ = writer.string(label.value)
        }
        writer.byte(UInt8(ascii: "}"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The series rows a batch upserts into `exemplar_series` next to its exemplars: one per series
/// whose row this process has not written for the day of its newest exemplar in the batch
/// (``ExemplarLatestCache/unwrittenSeries(_:)``). Empty in the steady state.
struct ExemplarSeriesColumns: Sendable {
    var fingerprints: [Int64] = []
    var metrics: [String] = []
    var series: [String] = []
    /// UTC day numbers (days since 1970-01-01).
    var days: [Int64] = []

    init() {}

    /// The series of `groups` (runs of one series in `batch`) at the given indices.
    init(_ batch: [Exemplar], groups: [Range<Int>], indices: [Int]) {
        fingerprints.reserveCapacity(indices.count); metrics.reserveCapacity(indices.count)
        series.reserveCapacity(indices.count); days.reserveCapacity(indices.count)
        for index in indices {
            let newest = batch[groups[index].upperBound - 1]
            fingerprints.append(Int64(bitPattern: newest.series.fingerprint))
            metrics.append(newest.metricName.replacingNUL())
            series.append(ExemplarColumns.json(newest.series))
            days.append(UTCTime.dayNumber(unixMilli: newest.timestamp))
        }
    }
}
