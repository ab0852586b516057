"""Pyroscope's flame graph in levels, read back into a tree, as Grafana's flame graph panel reads it.

Each level lists its nodes left to right, a fixed number of integers per node: for the plain
flame graph (querier.v1.FlameGraph) 4: the x offset from the end of the previous node of the same
level, total, self, and the index of the name in `names`; for the diff (FlameGraphDiff) 7: left
offset, total, self; right offset, total, self; name index. names[0] is "total", the root. A node
spans [x, x + total): its self first, [x, x + self), then its children in [x + self, x + total).

`read` (and `read_diff`, for the two sides of a diff) checks the shape a renderer relies on and
returns the problems it found (an empty list when the graph is sound) together with the nodes, so
a test can sum them as go tool pprof does.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    depth: int
    x: int  # absolute offset in the level
    total: int
    self: int
    name: str
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)


@dataclass
class Graph:
    levels: list[list[Node]]
    problems: list[str]

    @property
    def root(self) -> Node | None:
        return self.levels[0][0] if self.levels and self.levels[0] else None

    def nodes(self):
        for level in self.levels:
            yield from level

    def self_sum(self) -> int:
        return sum(node.self for node in self.nodes())

    def flat(self) -> dict[str, int]:
        """Self summed by function name (root excluded): go tool pprof -top's flat."""
        found: dict[str, int] = {}
        for node in self.nodes():
            if node.depth > 0 and node.self:
                found[node.name] = found.get(node.name, 0) + node.self
        return found

    def cum(self) -> dict[str, int]:
        """Total by function name, counting a stack once however often a function recurs in it:
        go tool pprof -top's cum."""
        found: dict[str, int] = {}
        root = self.root
        if root is None:
            return found
        stack = [(child, frozenset()) for child in root.children]
        while stack:
            node, above = stack.pop()
            if node.name not in above:
                found[node.name] = found.get(node.name, 0) + node.total
            below = above | {node.name}
            stack.extend((child, below) for child in node.children)
        return {name: value for name, value in found.items() if value}

    def max_self(self) -> int:
        return max((node.self for node in self.nodes()), default=0)


def _inside(node: Node, parent: Node) -> bool:
    return parent.x + parent.self <= node.x and node.x + node.total <= parent.x + parent.total


def _decode(names, levels, stride, first, name_at, problems) -> list[list[Node]]:
    decoded: list[list[Node]] = []
    for depth, values in enumerate(levels):
        if len(values) % stride:
            problems.append(f"level {depth}: {len(values)} integers, not a multiple of {stride}")
        nodes: list[Node] = []
        end = 0
        for at in range(0, len(values) - len(values) % stride, stride):
            offset, total, self_ = values[at + first], values[at + first + 1], values[at + first + 2]
            index = values[at + name_at]
            if offset < 0 or total < 0 or self_ < 0 or self_ > total:
                problems.append(f"level {depth} node {at // stride}: offset {offset}, total {total}, self {self_}")
            if not 0 <= index < len(names):
                problems.append(f"level {depth} node {at // stride}: name index {index} outside {len(names)} names")
                name = f"<{index}>"
            else:
                name = names[index]
            x = end + offset
            end = x + total
            nodes.append(Node(depth, x, total, self_, name))
        decoded.append(nodes)
    if not decoded or len(decoded[0]) != 1:
        problems.append(f"level 0 has {len(decoded[0]) if decoded else 0} nodes, not the one root")
    elif decoded[0][0].name != "total" or (names and names[0] != "total"):
        problems.append(f"the root is '{decoded[0][0].name}' and names[0] '{names[0] if names else ''}', not 'total'")
    return decoded


def _adopt(node: Node, parent: Node | None, problems: list[str]) -> None:
    if parent is None or not _inside(node, parent):
        problems.append(
            f"level {node.depth}: '{node.name}' [{node.x}, {node.x + node.total}) lies in no parent's children span"
            + (f" (nearest '{parent.name}' [{parent.x + parent.self}, {parent.x + parent.total}))" if parent else "")
        )
        return
    node.parent = parent
    parent.children.append(node)


def _check_sums(decoded: list[list[Node]], problems: list[str]) -> None:
    for node in (n for level in decoded for n in level):
        below = sum(child.total for child in node.children)
        if node.self + below != node.total:
            problems.append(f"level {node.depth}: '{node.name}' total {node.total} != self {node.self} + children {below}")


def read(names: list[str], levels: list[list[int]]) -> Graph:
    """Decodes a flame graph's levels (each a list of integers, 4 a node) into linked nodes.

    Every node must lie inside the children's span [x + self, x + total) of one node of the level
    above, and a node's self plus its children's totals must be its total."""
    problems: list[str] = []
    decoded = _decode(names, levels, 4, 0, 3, problems)
    # Both levels are in x order, so one sweep finds the parents.
    for depth in range(1, len(decoded)):
        parents = decoded[depth - 1]
        at = 0
        for node in decoded[depth]:
            while at < len(parents) and parents[at].x + parents[at].total <= node.x:
                at += 1
            # A node of width 0 may sit at the end of the parent before (where the sweep passed).
            candidates = [parents[i] for i in (at - 1, at) if 0 <= i < len(parents)] if node.total == 0 else parents[at:at + 1]
            _adopt(node, next((p for p in candidates if _inside(node, p)), candidates[-1] if candidates else None), problems)
    _check_sums(decoded, problems)
    return Graph(decoded, problems)


def read_diff(names: list[str], levels: list[list[int]]) -> tuple[Graph, Graph]:
    """Decodes a diff's levels (7 integers a node) into its left and right trees.

    A function present on one side only has width 0 on the other, where it cannot tell its parent:
    the tree's shape comes from both sides together (offsets, totals and selves added, as the diff
    flame graph draws a node as wide as both), and each side must then fit that shape on its own."""
    problems: list[str] = []
    combined_levels = []
    for values in levels:
        row: list[int] = []
        for at in range(0, len(values) - len(values) % 7, 7):
            left, right = values[at:at + 3], values[at + 3:at + 6]
            row += [left[0] + right[0], left[1] + right[1], left[2] + right[2], values[at + 6]]
        combined_levels.append(row)
    shape = read(names, combined_levels)
    problems += [f"both sides: {problem}" for problem in shape.problems]
    index = {id(node): (node.depth, position) for level in shape.levels for position, node in enumerate(level)}
    sides = []
    for first, label in ((0, "left"), (3, "right")):
        side_problems: list[str] = []
        decoded = _decode(names, levels, 7, first, 6, side_problems)
        for level in shape.levels[1:]:
            for position, node in enumerate(level):
                if node.parent is None or position >= len(decoded[node.depth]):
                    continue
                depth, at = index[id(node.parent)]
                _adopt(decoded[node.depth][position], decoded[depth][at], side_problems)
        _check_sums(decoded, side_problems)
        sides.append(Graph(decoded, problems + [f"{label}: {problem}" for problem in side_problems]))
    return sides[0], sides[1]
