"""The peer of the parser benchmark: prometheus_client's OpenMetrics parser on the same file.

usage: om_parse_peer.py FILE  -> prints MB/s (best of 2)
"""
import sys
import time

from prometheus_client.openmetrics.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
best = float("inf")
for _ in range(2):
    start = time.perf_counter()
    exemplars = sum(1 for family in text_string_to_metric_families(text) for s in family.samples if s.exemplar)
    best = min(best, time.perf_counter() - start)
print(f"{len(text.encode()) / 1048576 / best:.1f}")
