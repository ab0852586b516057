"""The independent side: `go tool pprof -top` over profile files (several are merged, as pprof
merges its arguments), read into the total and flat / cum per function.

    python3 pprof_top.py OUT.json SAMPLE_INDEX UNIT [-tagfocus=...] FILE...

writes {"total", "shown", "flat", "cum", "command"}: `total` is pprof's "of N total", `shown` its
"accounting for N" (with -nodefraction=0 every node is shown, so with -tagfocus it is the total
of the samples kept). UNIT is the raw unit pprof prints in (ns, B, or "" for counts)."""
from __future__ import annotations

import json
import re
import subprocess
import sys


def number(text: str) -> int:
    return int(float(re.sub(r"[A-Za-z]+$", "", text)))


def top(files: list[str], sample_index: str, unit: str = "", extra: list[str] | None = None) -> dict:
    command = ["go", "tool", "pprof", "-top", "-nodecount=1000000", "-nodefraction=0", "-edgefraction=0",
               f"-sample_index={sample_index}"]
    if unit:
        command.append(f"-unit={unit}")
    command += (extra or []) + list(files)
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {run.stderr.strip()[-400:]}")
    total = shown = None
    flat: dict[str, int] = {}
    cum: dict[str, int] = {}
    rows = False
    for line in run.stdout.splitlines():
        if rows:
            fields = line.split()
            if len(fields) < 6:
                continue
            name = " ".join(fields[5:])
            for mark in (" (inline)", " (partial-inline)"):
                name = name.removesuffix(mark)
            if number(fields[0]):
                flat[name] = flat.get(name, 0) + number(fields[0])
            cum[name] = cum.get(name, 0) + number(fields[3])
        elif line.startswith("      flat  flat%"):
            rows = True
        elif match := re.match(r"Showing nodes accounting for (\S+), \S+ of (\S+) total", line):
            shown, total = number(match.group(1)), number(match.group(2))
    if total is None:
        raise RuntimeError(f"{' '.join(command)}: no 'Showing nodes' line in\n{run.stdout[:400]}")
    return {"total": total, "shown": shown, "flat": flat, "cum": cum, "command": " ".join(command)}


if __name__ == "__main__":
    out, sample_index, unit, rest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    extra = [arg for arg in rest if arg.startswith("-")]
    files = [arg for arg in rest if not arg.startswith("-")]
    result = top(files, sample_index, unit, extra)
    json.dump(result, open(out, "w"), indent=1)
    print(f"    go tool pprof {' '.join(extra + [f.rsplit('/', 1)[-1] for f in files])}: "
          f"total {result['total']}, shown {result['shown']}, {len(result['cum'])} functions")
