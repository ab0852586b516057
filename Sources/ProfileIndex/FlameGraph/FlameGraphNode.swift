/// One frame of a flame graph: the function, the value of the samples whose stacks pass through
/// this path (`total`) and of those ending here (`self`), and its callees.
public struct FlameGraphNode: Sendable, Hashable, Codable {
    public var name: String
    public var file: String?
    public var total: Int64
    /// The value of the samples whose leaf frame is this node (`self` in JSON).
    public var selfValue: Int64
    /// Callees, largest total first (then by name).
    public var children: [FlameGraphNode]

    public init(name: String, file: String? = nil, total: Int64, selfValue: Int64, children: [FlameGraphNode] = []) {
        self.name = name
        self.file = file
        self.total = total
        self.selfValue = selfValue
        self.children = children
    }

    private enum CodingKeys: String, CodingKey {
        case name, file, total
        case selfValue = "self"
        case children
    }
}
