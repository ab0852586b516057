/// Maps the arbitrary non-zero ids of a wire format (pprof location, function and mapping ids)
/// to dense positions, once, so lookups in the per-sample loops are array reads.
///
/// Producers usually number ids 1…n; then the map is a plain array. Sparse ids (addresses used
/// as ids) fall back to a dictionary.
struct DenseIDMap {
    /// Position by id for a dense map (-1 where no element has the id); empty for a sparse one.
    /// Hot loops read it through a pointer and fall back to the subscript when an id misses.
    private(set) var table: [Int32] = []
    private var dictionary: [UInt64: Int32] = [:]
    private let isDense: Bool

    /// Builds the map, rejecting zero and duplicate ids with the element's name and offset.
    init(ids: [UInt64], element: String, offsets: [Int32]) throws(ProfileDecodingError) {
        let maxID = ids.max() ?? 0
        isDense = maxID <= UInt64(ids.count) &* 4 &+ 1024
        if isDense {
            table = [Int32](repeating: -1, count: Int(maxID) + 1)
        } else {
            dictionary.reserveCapacity(ids.count)
        }
        for (position, id) in ids.enumerated() {
            guard id != 0 else {
                throw ProfileDecodingError(.invalidReference, "\(element) \(position) has id 0", at: Int(offsets[position]))
            }
            let existing = self[id]
            guard existing < 0 else {
                throw ProfileDecodingError(
                    .invalidReference,
                    "\(element) \(position) repeats id \(id) of \(element) \(existing)",
                    at: Int(offsets[position])
                )
            }
            if isDense {
                table[Int(id)] = Int32(position)
            } else {
                dictionary[id] = Int32(position)
            }
        }
    }

    /// The position of `id`, or -1 when no element has it.
    @inline(__always)
    subscript(_ id: UInt64) -> Int32 {
        if isDense {
            return id < UInt64(table.count) ? table[Int(id)] : -1
        }
        return dictionary[id] ?? -1
    }
}
