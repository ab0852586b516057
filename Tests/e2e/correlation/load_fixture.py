#!/usr/bin/env python3
"""Prints SQL that loads Tests/Fixtures/pprof-go119 into a Correlator database the way the
writers store it: spans (spans.json), exemplars (metrics.om.txt), the CPU profile (raw bytes),
a few profile_functions rows, and span_profiles rows for the slow spans. Used by correlation.sh
while the ingest routes are not available; the numbers are illustrative, not pprof's."""
import json, re, sys, zlib, os

fixtures = sys.argv[1]
tenant = "default"
out = []
def q(s): return "'" + s.replace("'", "''") + "'"

spans = json.load(open(os.path.join(fixtures, "spans.json")))
first = min(s["start_unix_nano"] for s in spans)
last = max(s["end_unix_nano"] for s in spans)
out.append(f"SELECT ensure_partitions(to_timestamp({first // 10**9} - 86400)::date, to_timestamp({last // 10**9} + 86400)::date);")
for s in spans:
    out.append(
        "INSERT INTO spans (tenant, trace_id, span_id, service, name, kind, start_ts, start_unix_nano, duration_ns) VALUES "
        f"({q(tenant)}, decode({q(s['trace_id'])}, 'hex'), decode({q(s['span_id'])}, 'hex'), {q(s['service'])}, {q(s['name'])}, 2, "
        f"timestamptz 'epoch' + {s['start_unix_nano'] // 1000} * interval '1 microsecond', {s['start_unix_nano']}, {s['end_unix_nano'] - s['start_unix_nano']}) ON CONFLICT DO NOTHING;")

line = re.compile(r'^([a-z_]+)\{([^}]*)\} \S+ # \{trace_id="([0-9a-f]+)",span_id="([0-9a-f]+)"\} (\S+) (\S+)$')
for n, row in enumerate(open(os.path.join(fixtures, "metrics.om.txt"))):
    m = line.match(row.strip())
    if not m: continue
    series = dict(re.findall(r'([a-z_]+)="([^"]*)"', m.group(2)))
    micros = round(float(m.group(6)) * 1e6)
    out.append(
        "INSERT INTO exemplar_series (tenant, series_fp, metric, series, last_day) VALUES "
        f"({q(tenant)}, {n}, {q(m.group(1))}, {q(json.dumps(series))}::jsonb, (to_timestamp({micros} / 1e6) AT TIME ZONE 'UTC')::date) ON CONFLICT DO NOTHING;")
    out.append(
        "INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id, span_id) VALUES "
        f"({q(tenant)}, timestamptz 'epoch' + {micros} * interval '1 microsecond', {n}, {m.group(5)}, "
        f"decode({q(m.group(3))}, 'hex'), decode({q(m.group(4))}, 'hex')) ON CONFLICT DO NOTHING;")

raw = open(os.path.join(fixtures, "cpu.pb.gz"), "rb").read()
# The profile's own time_nanos and duration (go tool pprof -raw cpu.pb.gz: Time, Duration 3.22).
start = 1795442835872945453
out.append(
    "INSERT INTO profiles (tenant, profile_id, service, type, sample_types, default_sample_type, start_ts, start_unix_nano, duration_ns, labels, totals, sample_count, raw) VALUES "
    f"({q(tenant)}, 'cpu-fixture', 'checkout-api', 'cpu', '[{{\"type\":\"samples\",\"unit\":\"count\"}},{{\"type\":\"cpu\",\"unit\":\"nanoseconds\"}}]', 1, "
    f"timestamptz 'epoch' + {start // 1000} * interval '1 microsecond', {start}, 3220000000, '{{\"region\":\"eu\"}}', '{{310,3100000000}}', 310, "
    f"decode({q(raw.hex())}, 'hex')) ON CONFLICT DO NOTHING;")
functions = [(1, "crypto/sha256.block", "/usr/lib/go/src/crypto/sha256/sha256block_amd64.s", 900000000, 900000000),
             (2, "main.hashPayload", "/src/main.go", 10000000, 950000000),
             (3, "runtime.mallocgc", "/usr/lib/go/src/runtime/malloc.go", 300000000, 500000000)]
for fid, name, file, flat, cum in functions:
    out.append(f"INSERT INTO functions (function_id, name, filename) VALUES ({fid}, {q(name)}, {q(file)}) ON CONFLICT DO NOTHING;")
    out.append("INSERT INTO profile_functions (tenant, profile_id, service, type, start_ts, function_id, sample_type, flat, cum) VALUES "
               f"({q(tenant)}, 'cpu-fixture', 'checkout-api', 'cpu', timestamptz 'epoch' + {start // 1000} * interval '1 microsecond', {fid}, 1, {flat}, {cum}) ON CONFLICT DO NOTHING;")
for s in spans:
    if not s["slow"]: continue
    top = json.dumps([{"function": "crypto/sha256.block", "file": functions[0][2], "flat": 30000000, "cum": 30000000},
                      {"function": "main.hashPayload", "file": "/src/main.go", "flat": 0, "cum": 30000000}])
    out.append("INSERT INTO span_profiles (tenant, profile_id, start_ts, span_id, trace_id, span_name, totals, top) VALUES "
               f"({q(tenant)}, 'cpu-fixture', timestamptz 'epoch' + {start // 1000} * interval '1 microsecond', decode({q(s['span_id'])}, 'hex'), "
               f"decode({q(s['trace_id'])}, 'hex'), {q(s['name'])}, '{{3,30000000}}', {q(top)}::jsonb) ON CONFLICT DO NOTHING;")
print("BEGIN;")
print("\n".join(out))
print("COMMIT;")
