/// Keeps the samples whose label `key` has one of `values`, like `go tool pprof -tagfocus
/// key=value1,value2` — but values compare exactly (pprof treats them as regular expressions),
/// which is what span and trace ids need.
public struct LabelFilter: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var values: [String]

    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// Parses `key=value[,value…]`, the form of pprof's `-tagfocus`; nil without a key or value.
    public init?(parsing text: some StringProtocol) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let key = String(text[..<equals])
        let values = String(text[text.index(after: equals)...]).split(separator: "," as Character).map(String.init)
        guard !key.isEmpty, !values.isEmpty else { return nil }
        self.init(key: key, values: values)
    }

    public var description: String { "\(key)=\(values.joined(separator: ","))" }

    func matches(_ label: ProfileLabel) -> Bool {
        label.key == key && values.contains(label.displayValue)
    }
}

extension Profile {
    /// For each filter, which distinct labels satisfy it; nil when there is nothing to filter.
    func labelMatchMasks(_ filters: [LabelFilter]) -> [UInt64]? {
        guard !filters.isEmpty else { return nil }
        return labels.map { label in
            var mask: UInt64 = 0
            for (index, filter) in filters.prefix(64).enumerated() where filter.matches(label) {
                mask |= 1 << UInt64(index)
            }
            return mask
        }
    }

    /// Whether sample `sample` passes every filter, given ``labelMatchMasks(_:)``.
    @inline(__always)
    func sample(_ sample: Int, passes masks: [UInt64], filterCount: Int) -> Bool {
        let all: UInt64 = filterCount >= 64 ? .max : (1 << UInt64(filterCount)) - 1
        var seen: UInt64 = 0
        for position in Int(sampleLabelStarts[sample])..<Int(sampleLabelStarts[sample + 1]) {
            seen |= masks[Int(sampleLabels[position])]
        }
        return seen & all == all
    }
}
