"""The level decoder on hand-built flame graphs: a sound one (with recursion) read back into the
numbers go tool pprof -top would print for its stacks, a diff, and broken ones it must reject.
Run: python3 test_flamegraph.py (exit 0 when all hold)."""
import sys

from flamegraph import read, read_diff

# Stacks, root first, with their values:
#   main                 1
#   main;a               2
#   main;a;b             1
#   main;a;b;a           2   (a recurses)
#   main;c               5
# total 11. Per level, the children of a node follow its self, by name.
NAMES = ["total", "main", "a", "b", "c"]
LEVELS = [
    [0, 11, 0, 0],                # total [0, 11)
    [0, 11, 1, 1],                # main  [0, 11), children from 1
    [1, 5, 2, 2, 0, 5, 5, 4],     # a [1, 6) children from 3; c [6, 11)
    [3, 3, 1, 3],                 # b [3, 6), children from 4
    [4, 2, 2, 2],                 # a [4, 6)
]

failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


graph = read(NAMES, LEVELS)
expect("problems of a sound graph", graph.problems, [])
expect("self sum", graph.self_sum(), 11)
expect("root", (graph.root.name, graph.root.total), ("total", 11))
expect("flat", graph.flat(), {"main": 1, "a": 4, "b": 1, "c": 5})
expect("cum (a recursing counts once)", graph.cum(), {"main": 11, "a": 5, "b": 3, "c": 5})
expect("max self", graph.max_self(), 5)
expect("children of main", [c.name for c in graph.levels[1][0].children], ["a", "c"])
expect("absolute x of c", graph.levels[2][1].x, 6)

# A diff: 7 integers a node; left (offset, total, self), right (offset, total, self), name.
# main;a only on the left, main;b only on the right: each has width 0 on the other side, where
# its position alone cannot tell its parent (a's right x is 7, at the end of main and of the root).
DIFF_NAMES = ["total", "main", "a", "b"]
DIFF = [
    [0, 10, 0, 0, 9, 0, 0],
    [0, 10, 4, 0, 9, 7, 1],
    [4, 6, 6, 7, 0, 0, 2, 0, 0, 0, 0, 2, 2, 3],   # a [4, 10) | [7, 7); b [10, 10) | [7, 9)
]
left, right = read_diff(DIFF_NAMES, DIFF)
expect("diff left problems", left.problems, [])
expect("diff right problems", right.problems, [])
expect("diff left", (left.root.total, left.self_sum(), left.flat()), (10, 10, {"main": 4, "a": 6}))
expect("diff right", (right.root.total, right.self_sum(), right.flat()), (9, 9, {"main": 7, "b": 2}))
expect("diff children of main", ([c.name for c in left.levels[1][0].children], [c.name for c in right.levels[1][0].children]),
       (["a", "b"], ["a", "b"]))
broken_diff = DIFF[:2] + [[4, 6, 6, 7, 0, 0, 2, 0, 0, 0, 0, 3, 2, 3]]  # b's right side past main
expect("a diff side that does not fit the shape is reported", bool(read_diff(DIFF_NAMES, broken_diff)[1].problems), True)

# Broken graphs must be reported.
child_in_self = [LEVELS[0], LEVELS[1], LEVELS[2], [1, 3, 1, 3], [2, 2, 2, 2]]  # b inside a's self
expect("a child placed in its parent's self is reported", bool(read(NAMES, child_in_self).problems), True)
overflow = [LEVELS[0], LEVELS[1], [1, 5, 2, 2, 0, 6, 6, 4], LEVELS[3], LEVELS[4]]  # c past main's end
expect("a child wider than its parent is reported", bool(read(NAMES, overflow).problems), True)
gap = [LEVELS[0], LEVELS[1], [1, 5, 2, 2, 1, 4, 4, 4], LEVELS[3], LEVELS[4]]  # c [7, 11): tick 6 lost
expect("children short of total - self are reported", bool(read(NAMES, gap).problems), True)
expect("a root not named total is reported", bool(read(["main"] + NAMES[1:], LEVELS).problems), True)
expect("a bad name index is reported", bool(read(NAMES, LEVELS[:2] + [[1, 5, 2, 9, 0, 5, 5, 4]]).problems), True)

for failure in failures:
    print("    " + failure)
sys.exit(1 if failures else 0)
