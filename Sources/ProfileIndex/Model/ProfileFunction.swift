/// A function as reports name it: its name and source file.
///
/// Two pprof `Function` entries with the same name and file are one `ProfileFunction`; the store
/// keys its `functions` table on this pair.
public struct ProfileFunction: Sendable, Hashable, Codable {
    public var name: String
    public var filename: String

    public init(name: String, filename: String) {
        self.name = name
        self.filename = filename
    }
}
