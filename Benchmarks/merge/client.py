#!/usr/bin/env python3
"""The client side of Benchmarks/merge.sh: loads the profiles, times the merged queries and
`go tool pprof`, and checks Correlator's merged answers against go tool pprof's.

    client.py load URL SERVICE END CLIENTS COUNT POOL_FILE... > load.json
        COUNT CPU profiles to POST /api/v1/profiles, profile i (0 … COUNT-1) being
        POOL_FILE[i % len(POOL)] with from = END - 10 * (COUNT - i), until = from + 10 (Unix
        seconds), sent by CLIENTS threads with a keep-alive connection each. A 429 or 503 is
        retried after its Retry-After (as exporters do) and counted. Prints
        {"profiles", "seconds", "rate", "retries", "errors", "first_error"}.
    client.py window DIR COUNT HOURS POOL_FILE...
        Links (hard) the files of the last HOURS hours, in upload order, as DIR/NNNN.pb.gz.
    client.py latency URL PATH REQUESTS BUDGET > latency.json
        One warm-up GET, then up to REQUESTS sequential GETs on one keep-alive connection
        (stopping after BUDGET seconds once 5 are done). Prints {"n", "p50", "p99", "max",
        "status", "body"} (seconds; nearest-rank percentiles; body: the last answer, parsed).
    client.py peer RUNS OUT COMMAND... > peer.json
        Runs COMMAND RUNS times; prints {"n", "p50", "runs"}; OUT: the last run's stdout.
    client.py check TOP_1H FLAME_1H TOP_24H FLAME_24H PPROF_TOP HOURS PROFILES_PER_HOUR MAX_NODES
        Compares the answers (JSON files) with go tool pprof -top -unit=ns over the hour's files,
        and the 24 h answers with HOURS x the hour's (the pool cycles evenly through every hour).
        Prints one line per disagreement, or "ok N" (N: functions of the 1 h top compared with go
        tool pprof's); exit status 0 either way.
"""

import http.client
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse


def connection(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)


def load(url, service, end, clients, count, pool):
    bodies = [open(path, "rb").read() for path in pool]
    lock = threading.Lock()
    state = {"next": 0, "stored": 0, "retries": 0, "errors": 0, "first_error": ""}

    def take():
        with lock:
            index = state["next"]
            state["next"] += 1
            return index if index < count else None

    def worker():
        conn = connection(url)
        while (index := take()) is not None:
            start = end - 10 * (count - index)
            path = f"/api/v1/profiles?service={service}&type=cpu&from={start}&until={start + 10}"
            body = bodies[index % len(bodies)]
            for attempt in range(20):
                try:
                    conn.request("POST", path, body=body, headers={"Content-Type": "application/octet-stream"})
                    response = conn.getresponse()
                    answer = response.read()
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    conn = connection(url)
                    status, answer, retry_after = 0, str(error).encode(), "1"
                else:
                    status, retry_after = response.status, response.getheader("Retry-After", "1")
                if status == 200:
                    with lock:
                        state["stored"] += 1
                    break
                if status in (0, 429, 503) and attempt < 19:
                    with lock:
                        state["retries"] += 1
                    time.sleep(min(float(retry_after or 1), 5))
                    continue
                with lock:
                    state["errors"] += 1
                    if not state["first_error"]:
                        state["first_error"] = f"POST {path} -> {status} {answer[:300].decode(errors='replace')}"
                break
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    print(json.dumps({"profiles": state["stored"], "seconds": seconds, "rate": state["stored"] / seconds,
                      "retries": state["retries"], "errors": state["errors"], "first_error": state["first_error"]}))


def window(directory, count, hours, pool):
    os.makedirs(directory, exist_ok=True)
    first = count - hours * 360
    for n, index in enumerate(range(first, count)):
        os.link(pool[index % len(pool)], os.path.join(directory, f"{n:04d}.pb.gz"))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * fraction) - 1))] if ordered else 0.0


def latency(url, path, requests, budget):
    conn = connection(url)

    def get():
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()

    status, body = get()  # warm-up
    times = []
    started = time.perf_counter()
    while len(times) < requests and (len(times) < 5 or time.perf_counter() - started < budget):
        begin = time.perf_counter()
        status, body = get()
        times.append(time.perf_counter() - begin)
        if status != 200:
            break
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body[:500].decode(errors="replace")
    print(json.dumps({"n": len(times), "p50": percentile(times, 0.5), "p99": percentile(times, 0.99),
                      "max": max(times), "status": status, "body": parsed}))


def peer(runs, out, command):
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - begin)
        if done.returncode != 0:
            sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
            break
    with open(out, "wb") as file:
        file.write(done.stdout)
    print(json.dumps({"n": len(times), "p50": percentile(times, 0.5), "runs": times, "status": done.returncode}))


def pprof_top(path):
    """{function: (flat, cum)} and the total of `go tool pprof -top -unit=ns` output."""
    rows, total = {}, None
    for line in open(path):
        match = re.match(r"Showing nodes accounting for \S+, \S+ of (\d+)ns total", line)
        if match:
            total = int(match.group(1))
        match = re.match(r"\s*(\d+)ns\s+\S+%\s+\S+%\s+(\d+)ns\s+\S+%\s+(.+)$", line)
        if match:
            name = match.group(3).strip()
            flat, cum = rows.get(name, (0, 0))
            rows[name] = (flat + int(match.group(1)), cum + int(match.group(2)))
    return rows, total


def count_nodes(node):
    return 1 + sum(count_nodes(child) for child in node.get("children", []))


def check(top_1h, flame_1h, top_24h, flame_24h, pprof_path, hours, per_hour, max_nodes):
    problems = []
    answers = {}
    for name, path in (("top 1 h", top_1h), ("flame graph 1 h", flame_1h), ("top 24 h", top_24h), ("flame graph 24 h", flame_24h)):
        answer = json.load(open(path))
        if answer.get("status") != 200 or not isinstance(answer.get("body"), dict):
            problems.append(f"{name}: HTTP {answer.get('status')}: {str(answer.get('body'))[:300]}")
            continue
        answers[name] = answer["body"]
    expected_profiles = {"top 1 h": per_hour, "flame graph 1 h": per_hour, "top 24 h": per_hour * hours, "flame graph 24 h": per_hour * hours}
    for name, body in answers.items():
        if body.get("profiles") != expected_profiles[name]:
            problems.append(f"{name}: profiles {body.get('profiles')}, expected {expected_profiles[name]}")
        if name.startswith("flame graph"):
            nodes = count_nodes(body.get("root", {}))
            if nodes > max_nodes:
                problems.append(f"{name}: {nodes} nodes, more than max_nodes={max_nodes}")
            if body.get("root", {}).get("total") != body.get("total"):
                problems.append(f"{name}: root total {body.get('root', {}).get('total')} != total {body.get('total')}")
    for span in ("1 h", "24 h"):
        top, flame = answers.get(f"top {span}"), answers.get(f"flame graph {span}")
        if top and flame and top.get("total") != flame.get("total"):
            problems.append(f"{span}: top total {top.get('total')} != flame graph total {flame.get('total')}")
    rows, total = pprof_top(pprof_path)
    top = answers.get("top 1 h")
    compared = 0
    if top is not None:
        if total is None:
            problems.append("go tool pprof -top: no total in its output")
        elif top.get("total") != total:
            problems.append(f"top 1 h: total {top.get('total')}, go tool pprof {total}")
        for entry in top.get("functions", []):
            if entry["function"] in rows:
                compared += 1
                flat, cum = rows[entry["function"]]
                if (entry["flat"], entry["cum"]) != (flat, cum):
                    problems.append(f"top 1 h: {entry['function']} flat/cum {entry['flat']}/{entry['cum']}, go tool pprof {flat}/{cum}")
        if compared == 0:
            problems.append("top 1 h: no function in common with go tool pprof -top")
        day = answers.get("top 24 h")
        if day is not None:
            if day.get("total") != hours * (top.get("total") or 0):
                problems.append(f"top 24 h: total {day.get('total')}, expected {hours} x {top.get('total')}")
            hourly = {entry["function"]: entry for entry in top.get("functions", [])}
            for entry in day.get("functions", []):
                one = hourly.get(entry["function"])
                if one and (entry["flat"], entry["cum"]) != (hours * one["flat"], hours * one["cum"]):
                    problems.append(f"top 24 h: {entry['function']} flat/cum {entry['flat']}/{entry['cum']}, expected {hours} x {one['flat']}/{one['cum']}")
    print("\n".join(problems[:20]) if problems else f"ok {compared}")


def main(argv):
    command = argv[1]
    if command == "load":
        load(argv[2], argv[3], int(argv[4]), int(argv[5]), int(argv[6]), argv[7:])
    elif command == "window":
        window(argv[2], int(argv[3]), int(argv[4]), argv[5:])
    elif command == "latency":
        latency(argv[2], argv[3], int(argv[4]), float(argv[5]))
    elif command == "peer":
        peer(int(argv[2]), argv[3], argv[4:])
    elif command == "check":
        check(*argv[2:7], int(argv[7]), int(argv[8]), int(argv[9]))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
