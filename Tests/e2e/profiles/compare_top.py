"""Compares Correlator's stored per-function numbers (GET /api/v1/profiles/{id}/top, JSON on
stdin's first argument file) with `go tool pprof -top -nodefraction=0 -unit=<raw unit>` text
(second argument file). Functions are grouped by name, as pprof's -top does. Exit 0 if equal."""
import json
import sys

stored = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().splitlines()

mine = {}
for entry in stored["functions"]:
    flat, cum = mine.get(entry["function"], (0, 0))
    mine[entry["function"]] = (flat + entry["flat"], cum + entry["cum"])
mine = {name: v for name, v in mine.items() if v != (0, 0)}


def number(field):
    digits = field.rstrip("nsB")
    return int(float(digits))


theirs = {}
rows = False
for line in text:
    if rows:
        fields = line.split()
        name = " ".join(fields[5:])
        for mark in (" (inline)", " (partial-inline)"):
            if name.endswith(mark):
                name = name[: -len(mark)]
        theirs[name] = (number(fields[0]), number(fields[3]))
    elif line.startswith("      flat  flat%"):
        rows = True

problems = []
for name in sorted(set(mine) | set(theirs)):
    if mine.get(name) != theirs.get(name):
        problems.append(f"{name}: correlator {mine.get(name)} pprof {theirs.get(name)}")
if not theirs:
    problems.append("pprof listed no functions")
for problem in problems[:10]:
    print("    " + problem)
print(f"    {len(theirs)} functions compared, {len(problems)} differences (total {stored['total']})")
sys.exit(1 if problems else 0)
