/// A parsed `Content-Type` value: `type/subtype; name=value; name="quoted value"`.
///
/// Type, subtype and parameter names are lowercased (they are case-insensitive, RFC 9110
/// §8.3.1); parameter values keep their case, quotes and backslash escapes removed.
struct MediaType: Sendable, Hashable {
    var type: String
    var subtype: String
    var parameters: [(name: String, value: String)]

    static func == (lhs: MediaType, rhs: MediaType) -> Bool {
        lhs.type == rhs.type && lhs.subtype == rhs.subtype
            && lhs.parameters.elementsEqual(rhs.parameters) { $0 == $1 }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(subtype)
    }

    /// The first value of the parameter `name` (lowercase).
    func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// Parses one media type; nil when it is not `token/token` followed by well-formed parameters.
    init?(_ text: some StringProtocol) {
        var scalars = Substring(text).unicodeScalars[...]
        func skipSpace() {
            while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        }
        func token() -> String {
            var result = ""
            while let first = scalars.first, MediaType.isTokenCharacter(first) {
                result.unicodeScalars.append(first)
                scalars.removeFirst()
            }
            return result.lowercased()
        }
        skipSpace()
        let type = token()
        guard !type.isEmpty, scalars.first == "/" else { return nil }
        scalars.removeFirst()
        let subtype = token()
        guard !subtype.isEmpty else { return nil }
        var parameters: [(String, String)] = []
        skipSpace()
        while let first = scalars.first {
            guard first == ";" else { return nil }
            scalars.removeFirst()
            skipSpace()
            if scalars.isEmpty { break }
            let name = token()
            guard !name.isEmpty, scalars.first == "=" else { return nil }
            scalars.removeFirst()
            var value = ""
            if scalars.first == "\"" {
                scalars.removeFirst()
                var closed = false
                while let character = scalars.popFirst() {
                    if character == "\"" { closed = true; break }
                    if character == "\\", let escaped = scalars.popFirst() {
                        value.unicodeScalars.append(escaped)
                    } else {
                        value.unicodeScalars.append(character)
                    }
                }
                guard closed else { return nil }
            } else {
                while let character = scalars.first, MediaType.isTokenCharacter(character) {
                    value.unicodeScalars.append(character)
                    scalars.removeFirst()
                }
            }
            parameters.append((name, value))
            skipSpace()
        }
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": true
        default: false
        }
    }
}
