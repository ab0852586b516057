#!/usr/bin/env python3
"""Request bodies for Benchmarks/pyroscope-push.sh, from real Go CPU profiles.

    python3 prepare.py OUT_DIR SERVICE PROFILE.pb.gz...

Each profile's `time_nanos` is moved to now (so it lands in today's partition, as a live push
would) and the profile is gzip'd again at the level Go's runtime/pprof writes (BestSpeed). For
profile N it writes:
  own-N.pb.gz  the pprof bytes, the body of POST /api/v1/profiles;
  push-N.bin   a push.v1.PushRequest holding the same bytes: one series with the labels
               service_name=SERVICE and __name__=process_cpu, one sample whose ID is a 36-byte
               placeholder the load generator overwrites per request (so every push is new).
Prints one JSON line: {"profiles", "pprof_bytes_mean", "push_bytes_mean", "placeholder"}.
"""

import gzip
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from protobuf import length_delimited, read_varint, varint  # noqa: E402

PLACEHOLDER = b"ffffffff-ffff-4fff-bfff-ffffffffffff"  # 36 bytes: a UUID, as the SDKs send








def with_time(profile, nanos):
    """The pprof message with its time_nanos (field 9, varint) set to `nanos`."""
    out = bytearray()
    at = 0
    while at < len(profile):
        start = at
        key, at = read_varint(profile, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, at = read_varint(profile, at)
        elif wire == 2:
            length, at = read_varint(profile, at)
            at += length
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        else:
            raise ValueError(f"pprof: wire type {wire} at byte {start}")
        if number != 9:
            out += profile[start:at]
    return bytes(out) + varint(9 << 3) + varint(nanos)


def push_request(service, raw_profile):
    label = lambda name, value: length_delimited(1, length_delimited(1, name.encode()) + length_delimited(2, value.encode()))
    sample = length_delimited(2, length_delimited(1, raw_profile) + length_delimited(2, PLACEHOLDER))
    series = label("service_name", service) + label("__name__", "process_cpu") + sample
    return length_delimited(1, series)


def main():
    out_dir, service, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    now = time.time_ns()
    pprof_sizes, push_sizes = [], []
    for index, path in enumerate(paths, start=1):
        with open(path, "rb") as file:
            profile = gzip.decompress(file.read())
        raw = gzip.compress(with_time(profile, now), compresslevel=1)
        body = push_request(service, raw)
        assert body.count(PLACEHOLDER) == 1
        with open(os.path.join(out_dir, f"own-{index}.pb.gz"), "wb") as file:
            file.write(raw)
        with open(os.path.join(out_dir, f"push-{index}.bin"), "wb") as file:
            file.write(body)
        pprof_sizes.append(len(raw))
        push_sizes.append(len(body))
    print(json.dumps({
        "profiles": len(paths),
        "pprof_bytes_mean": sum(pprof_sizes) / len(pprof_sizes),
        "push_bytes_mean": sum(push_sizes) / len(push_sizes),
        "placeholder": PLACEHOLDER.decode(),
    }))


if __name__ == "__main__":
    main()
