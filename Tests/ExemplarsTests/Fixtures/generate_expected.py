"""Regenerates metrics.om.expected.json from the shared fixture with prometheus_client's
OpenMetrics parser, an implementation independent of Correlator's.

    pip install prometheus_client
    python3 Tests/ExemplarsTests/Fixtures/generate_expected.py
"""
import json
import pathlib
from importlib.metadata import version

from prometheus_client.openmetrics.parser import text_string_to_metric_families

here = pathlib.Path(__file__).resolve().parent
fixture = here.parent.parent / "Fixtures" / "pprof-go119" / "metrics.om.txt"

samples = 0
exemplars = []
families = []
for family in text_string_to_metric_families(fixture.read_text()):
    families.append({"name": family.name, "type": family.type})
    for sample in family.samples:
        samples += 1
        if sample.exemplar is None:
            continue
        ts = sample.exemplar.timestamp
        exemplars.append({
            "metric": sample.name,
            "series": dict(sorted(sample.labels.items())),
            "labels": dict(sorted(sample.exemplar.labels.items())),
            "value": sample.exemplar.value,
            "timestamp_ms": None if ts is None else round(float(ts) * 1000),
        })

out = {
    "source": f"prometheus_client {version('prometheus_client')} openmetrics.parser, fixture pprof-go119/metrics.om.txt",
    "sample_count": samples,
    "families": families,
    "exemplars": exemplars,
}
(here / "metrics.om.expected.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print(f"{samples} samples, {len(exemplars)} exemplars")
