import Exemplars

extension SpanBatch {
    /// Removes every span whose (trace id, span id) already appeared earlier in the batch,
    /// keeping the first, and returns how many were removed.
    ///
    /// The store is idempotent across requests (its natural key is tenant + trace id + span id),
    /// but one COPY must not carry the same key twice: PostgreSQL's `ON CONFLICT` cannot affect
    /// a row twice in one command, and a staging-table merge would pick one arbitrarily.
    @discardableResult
    public mutating func removeDuplicateSpans() -> Int {
        var seen = Set<SpanKey>(minimumCapacity: count)
        var keep: [Int] = []
        var firstDuplicate: Int?
        for index in 0..<count {
            let inserted = seen.insert(SpanKey(traceID: traceIDs[index], spanID: spanIDs[index])).inserted
            if !inserted, firstDuplicate == nil {
                firstDuplicate = index
                keep.reserveCapacity(count)
                keep.append(contentsOf: 0..<index)
            } else if inserted, firstDuplicate != nil {
                keep.append(index)
            }
        }
        guard firstDuplicate != nil else { return 0 }
        let removed = count - keep.count
        var result = SpanBatch(reservingCapacity: keep.count, attributeBytes: attributesUTF8.count)
        for index in keep {
            result.attributesUTF8.append(contentsOf: attributesJSONBytes(at: index))
            result.appendColumns(
                attributesEnd: result.attributesUTF8.count,
                traceID: traceIDs[index], spanID: spanIDs[index], parentSpanID: parentSpanIDs[index],
                service: services[index], name: names[index], kind: kinds[index],
                startUnixNano: startUnixNanos[index], durationNanos: durationNanos[index],
                statusCode: statusCodes[index], statusMessage: statusMessages[index],
                profileID: profileIDs[index]
            )
        }
        self = result
        return removed
    }

    private struct SpanKey: Hashable {
        var traceID: TraceID
        var spanID: SpanID
    }
}
