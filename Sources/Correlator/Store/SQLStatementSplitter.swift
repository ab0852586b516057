import Foundation

/// Splits a migration file into statements at top-level semicolons, skipping those inside
/// quotes, quoted identifiers, dollar-quoted bodies and comments. PostgresNIO speaks only the
/// extended protocol, which takes one statement at a time.
enum SQLStatementSplitter {
    static func split(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty, !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        while index < chars.count {
            let char = chars[index]
            switch char {
            case "'", "\"":
                let quote = char
                current.append(char)
                index += 1
                while index < chars.count {
                    current.append(chars[index])
                    if chars[index] == quote {
                        if index + 1 < chars.count, chars[index + 1] == quote {
                            current.append(chars[index + 1])
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
            case "-" where index + 1 < chars.count && chars[index + 1] == "-":
                while index < chars.count, chars[index] != "\n" {
                    current.append(chars[index])
                    index += 1
                }
            case "/" where index + 1 < chars.count && chars[index + 1] == "*":
                while index < chars.count {
                    current.append(chars[index])
                    if chars[index] == "/", index > 0, chars[index - 1] == "*", current.count > 2 {
                        index += 1
                        break
                    }
                    index += 1
                }
            case "$":
                // A dollar-quote tag: $tag$ ... $tag$
                var end = index + 1
                while end < chars.count, chars[end] == "_" || chars[end].properties.isAlphabetic || ("0"..."9").contains(chars[end]) {
                    end += 1
                }
                if end < chars.count, chars[end] == "$" {
                    let tag = Array(chars[index...end])
                    current.append(contentsOf: tag)
                    index = end + 1
                    while index < chars.count {
                        if chars[index] == "$", index + tag.count <= chars.count, Array(chars[index..<(index + tag.count)]) == tag {
                            current.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        current.append(chars[index])
                        index += 1
                    }
                } else {
                    current.append(char)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(char)
                index += 1
            }
        }
        flush()
        return statements
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
