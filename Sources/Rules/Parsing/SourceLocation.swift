/// A position in a rule file or rule test file: file name, line and column, both counted from 1.
///
/// Printed as `file:line:column`, the form editors and `promtool check rules` use.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file name as given to the parser (usually the path the user typed).
    public var file: String
    /// Line number, starting at 1.
    public var line: Int
    /// Column number, starting at 1, counted in Unicode scalars as libyaml does.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
