import Correlator

/// Pyroscope's `name` query parameter, `app.cpu{env=prod,region=eu}`: the application, the
/// profile kind after the last dot, and the labels in braces.
struct PyroscopeName: Equatable {
    var service: String
    var kind: ProfileKind?
    var labels: [String: String]

    init(parsing text: String) throws {
        var base = Substring(text)
        var labels: [String: String] = [:]
        if let open = base.firstIndex(of: "{") {
            guard base.last == "}" else {
                throw ProfileIngestError("name '\(text)': labels must end with '}'")
            }
            let body = base[base.index(after: open)..<base.index(before: base.endIndex)]
            for pair in body.split(separator: ",", omittingEmptySubsequences: true) {
                guard let equals = pair.firstIndex(of: "=") else {
                    throw ProfileIngestError("name '\(text)': label '\(pair)' is not key=value")
                }
                let key = pair[..<equals].trimmingSpaces
                var value = pair[pair.index(after: equals)...].trimmingSpaces
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                guard !key.isEmpty else { throw ProfileIngestError("name '\(text)': empty label name") }
                labels[String(key)] = String(value)
            }
            base = base[..<open]
        }
        var kind: ProfileKind?
        if let dot = base.lastIndex(of: "."), let known = ProfileKind(name: base[base.index(after: dot)...]) {
            kind = known
            base = base[..<dot]
        }
        guard !base.isEmpty else { throw ProfileIngestError("name '\(text)': no application name") }
        self.service = labels.removeValue(forKey: "service_name") ?? String(base)
        self.kind = kind
        self.labels = labels
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
