import Exemplars
import NIOCore

/// Preparing a batch of exemplars for the `exemplars` table: repeats collapsed, rows rendered
/// in COPY text format.
enum ExemplarBatch {
    /// The exemplars of `batch` without in-batch repeats: per series, in time order, an exemplar
    /// with the same labels and value as the previous kept one (or the same timestamp) is
    /// dropped. See ``Store/writeExemplars(_:tenant:)`` for why.
    static func collapsingRepeats(_ batch: [Exemplar]) -> [Exemplar] {
        guard batch.count > 1 else { return batch }
        return collapsingRepeats(in: [ExemplarGroupCommit.Request(tenant: "", exemplars: batch)]).map(\.exemplar)
    }

    /// One exemplar of a group write and the request (its index in the group) it came from.
    struct GroupRow: Sendable {
        var request: Int
        var exemplar: Exemplar
    }

    /// The exemplars of several requests written together, without repeats: per tenant and
    /// series, in time order (then request order), an exemplar with the same labels and value
    /// as the previous kept one (or the same timestamp) is dropped, as if the requests had
    /// been written one after the other.
    static func collapsingRepeats(in requests: [ExemplarGroupCommit.Request]) -> [GroupRow] {
        var tenants: [String: Int] = [:]
        var rows: [(tenant: Int, row: GroupRow)] = []
        rows.reserveCapacity(requests.reduce(0) { $0 + $1.exemplars.count })
        for (index, request) in requests.enumerated() {
            let tenant: Int
            if let known = tenants[request.tenant] {
                tenant = known
            } else {
                tenant = tenants.count
                tenants[request.tenant] = tenant
            }
            for exemplar in request.exemplars {
                rows.append((tenant, GroupRow(request: index, exemplar: exemplar)))
            }
        }
        guard rows.count > 1 else { return rows.map(\.row) }
        var order = Array(rows.indices)
        order.sort { a, b in
            let x = rows[a], y = rows[b]
            if x.tenant != y.tenant { return x.tenant < y.tenant }
            let xf = x.row.exemplar.series.fingerprint, yf = y.row.exemplar.series.fingerprint
            if xf != yf { return xf < yf }
            if x.row.exemplar.timestamp != y.row.exemplar.timestamp { return x.row.exemplar.timestamp < y.row.exemplar.timestamp }
            return a < b
        }
        var kept: [GroupRow] = []
        kept.reserveCapacity(rows.count)
        var previous: (tenant: Int, row: GroupRow)?
        for index in order {
            let current = rows[index]
            if let last = previous, last.tenant == current.tenant,
               last.row.exemplar.series.fingerprint == current.row.exemplar.series.fingerprint
            {
                let x = last.row.exemplar, y = current.row.exemplar
                if x.timestamp == y.timestamp { continue }
                if x.labels == y.labels && sameValue(x.value, y.value) { continue }
            }
            kept.append(current.row)
            previous = current
        }
        return kept
    }

    /// PostgreSQL's float8 equality: NaN equals NaN.
    static func sameValue(_ a: Double, _ b: Double) -> Bool {
        a == b || (a.isNaN && b.isNaN)
    }
}

/// A batch of exemplars as one array per column of the `exemplars` table, bound as the
/// parameters of one `INSERT … SELECT … FROM unnest(…)`. Absent ids are empty (`NULLIF` turns
/// them into NULL); series and labels are JSON objects in label-name order.
struct ExemplarColumns: Sendable {
    var tenants: [String] = []
    var timestamps: [Int64] = []
    var metrics: [String] = []
    var series: [String] = []
    var fingerprints: [Int64] = []
    var values: [Double] = []
    var traceIDs: [ByteBuffer] = []
    var spanIDs: [ByteBuffer] = []
    var profileIDs: [String] = []
    var labels: [String] = []

    init(_ rows: [ExemplarBatch.GroupRow], tenants requestTenants: [String]) {
        let count = rows.count
        tenants.reserveCapacity(count)
        timestamps.reserveCapacity(count); metrics.reserveCapacity(count); series.reserveCapacity(count)
        fingerprints.reserveCapacity(count); values.reserveCapacity(count); traceIDs.reserveCapacity(count)
        spanIDs.reserveCapacity(count); profileIDs.reserveCapacity(count); labels.reserveCapacity(count)
        let empty = ByteBuffer()
        for row in rows {
            let exemplar = row.exemplar
            tenants.append(requestTenants[row.request])
            timestamps.append(exemplar.timestamp)
            metrics.append(Self.text(exemplar.metricName))
            series.append(Self.json(exemplar.series))
            fingerprints.append(Int64(bitPattern: exemplar.series.fingerprint))
            values.append(exemplar.value)
            traceIDs.append(exemplar.traceID.map { ByteBuffer(bytes: $0.bytes) } ?? empty)
            spanIDs.append(exemplar.spanID.map { ByteBuffer(bytes: $0.bytes) } ?? empty)
            profileIDs.append(exemplar.profileID.map(Self.text) ?? "")
            labels.append(Self.json(exemplar.labels))
        }
    }

    /// `text` cannot hold NUL: it becomes U+FFFD.
    static func text(_ value: String) -> String {
        value.utf8.contains(0) ? value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : value
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
