/// A set of labels sorted by name, with a stable 64-bit fingerprint.
///
/// Series labels (including `__name__`) and exemplar labels are both label sets. Sorting makes
/// two sets with the same pairs compare equal and hash alike whatever order a producer wrote them
/// in, and gives the store a stable key.
///
/// ## Fingerprint
/// ``fingerprint`` is 64-bit FNV-1a (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`)
/// over, for each label in name order, the UTF-8 bytes of the name, a `0xFF` byte, the UTF-8
/// bytes of the value and a `0xFF` byte. `0xFF` never occurs in UTF-8, so the encoding is
/// unambiguous. The algorithm is part of the storage format (the `series_fp` column): do not
/// change it without a migration.
public struct LabelSet: Sendable, Hashable, RandomAccessCollection, CustomStringConvertible {
    /// The labels, sorted by the UTF-8 bytes of their names; names are unique.
    public let labels: [Label]
    /// 64-bit FNV-1a over the sorted pairs; see the type's documentation.
    public let fingerprint: UInt64

    /// A label set of `labels` in any order. When a name occurs more than once, the last
    /// occurrence wins (parsers reject duplicates before they get here).
    public init(_ labels: some Sequence<Label>) {
        var sorted = Array(labels)
        LabelSet.sortByName(&sorted)
        if sorted.count > 1 {
            var unique: [Label] = []
            unique.reserveCapacity(sorted.count)
            for label in sorted {
                if let last = unique.last, last.name == label.name {
                    unique[unique.count - 1] = label
                } else {
                    unique.append(label)
                }
            }
            sorted = unique
        }
        self.init(sortedUnique: sorted)
    }

    /// A label set from `name: value` pairs, for tests and literals.
    public init(_ pairs: KeyValuePairs<String, String>) {
        self.init(pairs.map { Label(name: $0.key, value: $0.value) })
    }

    /// The empty label set.
    public init() {
        self.init(sortedUnique: [])
    }

    /// Wraps labels that are already sorted and free of duplicate names.
    @usableFromInline
    init(sortedUnique labels: [Label]) {
        self.labels = labels
        self.fingerprint = LabelSet.fingerprint(of: labels)
    }

    /// The value of the label `name`, or nil when the set has no such label.
    public subscript(name: String) -> String? {
        for label in labels where label.name == name { return label.value }
        return nil
    }

    /// The metric name (`__name__`), if the set has one.
    public var metricName: String? { self[Label.metricNameKey] }

    /// The sum of the Unicode code points of every name and value, which OpenMetrics limits to
    /// 128 for exemplar label sets.
    public var codePointCount: Int {
        var total = 0
        for label in labels {
            total += Self.codePoints(label.name) + Self.codePoints(label.value)
        }
        return total
    }

    // MARK: Collection

    public var startIndex: Int { labels.startIndex }
    public var endIndex: Int { labels.endIndex }
    public subscript(position: Int) -> Label { labels[position] }

    // MARK: Equality

    public static func == (lhs: LabelSet, rhs: LabelSet) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.labels == rhs.labels
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fingerprint)
    }

    /// The set in Prometheus syntax: `metric{a="1", b="2"}`, or `{a="1"}` without a metric name.
    public var description: String {
        let name = metricName ?? ""
        let rest = labels.filter { $0.name != Label.metricNameKey }
        if rest.isEmpty && !name.isEmpty { return name }
        return name + "{" + rest.map(\.description).joined(separator: ", ") + "}"
    }

    // MARK: Internals

    /// The code points of `text`: its UTF-8 bytes that do not continue a sequence (as
    /// `unicodeScalars.count`, without walking scalar by scalar).
    static func codePoints(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        }
    }

    static func fingerprint(of labels: [Label]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ byte: UInt8) {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        for label in labels {
            var name = label.name
            name.withUTF8 { for byte in $0 { mix(byte) } }
            mix(0xFF)
            var value = label.value
            value.withUTF8 { for byte in $0 { mix(byte) } }
            mix(0xFF)
        }
        return hash
    }

    /// Whether `a` sorts before `b` by the UTF-8 bytes of their names (Prometheus's order).
    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Sorts by name. Producers mostly send sorted or nearly sorted sets, so small sets use an
    /// insertion sort, which is linear on sorted input.
    static func sortByName(_ labels: inout [Label]) {
        if labels.count > 16 {
            labels.sort { precedes($0.name, $1.name) }
            return
        }
        var i = 1
        while i < labels.count {
            if precedes(labels[i].name, labels[i - 1].name) {
                let moving = labels[i]
                var j = i - 1
                while j >= 0 && precedes(moving.name, labels[j].name) {
                    labels[j + 1] = labels[j]
                    j -= 1
                }
                labels[j + 1] = moving
            }
            i += 1
        }
    }

    /// Index of the first label whose name equals its predecessor's in a sorted array.
    static func firstDuplicateName(in sorted: [Label]) -> Int? {
        var i = 1
        while i < sorted.count {
            if sorted[i].name == sorted[i - 1].name { return i }
            i += 1
        }
        return nil
    }
}
