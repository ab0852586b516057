/// A series selector could not be parsed: what was wrong and at which column.
///
/// `description` reads `column 9: expected '=', '!=', '=~' or '!~' after label name`. Columns
/// start at 1 and count Unicode code points of the query.
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based column in the query, in code points.
    public let column: Int
    /// What was wrong, without the position.
    public let reason: String

    init(column: Int, _ reason: String) {
        self.column = column
        self.reason = reason
    }

    public var description: String { "column \(column): \(reason)" }
}
