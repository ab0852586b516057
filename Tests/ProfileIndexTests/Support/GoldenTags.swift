/// A parsed `go tool pprof -tags` output: per key, its total and each value's printed quantity.
struct GoldenTags {
    struct Key {
        let key: String
        let total: Substring
        var values: [(quantity: Substring, value: String)]
    }

    let keys: [Key]

    init(_ text: String) {
        var keys: [Key] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.drop { $0 == " " }
            if let range = trimmed.range(of: ": Total ") {
                keys.append(Key(key: String(trimmed[..<range.lowerBound]), total: trimmed[range.upperBound...], values: []))
            } else if let close = trimmed.range(of: "): ") {
                let quantity = trimmed[..<trimmed.firstIndex(of: " ")!]
                keys[keys.count - 1].values.append((quantity, String(trimmed[close.upperBound...])))
            }
        }
        self.keys = keys
    }
}
