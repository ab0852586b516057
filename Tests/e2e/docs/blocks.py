#!/usr/bin/env python3
"""Lists the fenced code blocks of Markdown pages for Tests/e2e/docs.sh and writes each block
that is checked to a file.

    blocks.py OUT_DIR PAGE...

Every page gets a directory OUT_DIR/<page name>/ holding its blocks: a block with a NAME in its
info string is written under that name (so a rule-test block's `rule_files: [NAME]` and a
config's `rule_files` find the rules blocks of the same page), others as block-<line>.<ext>.
Prints one tab-separated line per checked block:

    kind  page:line  directory  file  server  expected-output-file  expected-status

and a line `problem<TAB>page:line<TAB>message` for each block that breaks the conventions
(listed in docs.sh). A `text output` / `json output` block right after a run block holds that
block's expected output; `status=N` on a run block is the exit status it must end with.
"""

import os
import re
import sys

YAML_KINDS = {"rules", "rules-invalid", "rule-test", "config", "prometheus", "alertmanager", "other"}
SHELLS = {"sh", "bash", "shell", "console"}


def blocks(path):
    """(line, language, words of the info string, body) of every fenced block, in order."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        match = re.match(r"^(\s*)(```+)\s*(.*)$", lines[i])
        if not match:
            i += 1
            continue
        indent, fence, info = match.group(1), match.group(2), match.group(3).strip()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*" + fence + r"\s*$", lines[i]):
            text = lines[i]
            body.append(text[len(indent):] if text.startswith(indent) else text.lstrip())
            i += 1
        i += 1
        words = info.split()
        yield start, (words[0].lower() if words else ""), words[1:], "\n".join(body) + "\n"


def main():
    out, pages = sys.argv[1], sys.argv[2:]
    for page in pages:
        name = os.path.relpath(page).replace("/", "_").replace(".md", "")
        directory = os.path.join(out, name)
        os.makedirs(directory, exist_ok=True)
        previous_run = None  # the manifest row of the last run block, until its output block
        rows = []
        for line, language, words, body in blocks(page):
            where = f"{os.path.relpath(page)}:{line}"
            options = dict(word.split("=", 1) for word in words if "=" in word)
            flags = [word for word in words if "=" not in word]
            if language == "yaml":
                kind = flags[0] if flags else ""
                if kind not in YAML_KINDS:
                    print(f"problem\t{where}\ta yaml block needs a kind: ```yaml {' | '.join(sorted(YAML_KINDS))} [NAME]")
                    continue
                filename = flags[1] if len(flags) > 1 else f"block-{line}.yaml"
                with open(os.path.join(directory, filename), "w") as f:
                    f.write(body)
                rows.append([kind, where, directory, filename, "", "", ""])
                previous_run = None
            elif language in SHELLS:
                runnable = "run" in flags
                if not runnable and "norun" not in flags:
                    if re.search(r"(^|[\s|;(])curl\s", body):
                        print(f"problem\t{where}\ta shell block with curl must say run or norun: ```{language} run | ```{language} norun")
                    previous_run = None
                    continue
                if not runnable:
                    previous_run = None
                    continue
                filename = f"block-{line}.sh"
                with open(os.path.join(directory, filename), "w") as f:
                    f.write(body)
                row = ["run", where, directory, filename, options.get("on", "fixtures"), "", options.get("status", "0")]
                rows.append(row)
                previous_run = row
            elif "output" in flags:
                if previous_run is None:
                    print(f"problem\t{where}\tan output block must follow a ```sh run block")
                    continue
                filename = f"block-{line}.expected"
                with open(os.path.join(directory, filename), "w") as f:
                    f.write(body)
                previous_run[5] = filename
                previous_run = None
            else:
                previous_run = None
        for row in rows:
            print("\t".join(row))


if __name__ == "__main__":
    main()
