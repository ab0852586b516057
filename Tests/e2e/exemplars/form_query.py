"""Asks query_exemplars the way Python's urllib (like HTML forms and Grafana) encodes a query: a
space is '+'. GET with a query string and POST with a form body, to Prometheus and to Correlator.

usage: form_query.py PROMETHEUS_URL CORRELATOR_URL QUERY [QUERY ...]
A query is a selector or a whole PromQL expression (Grafana sends the panel's query); Prometheus
answers with the exemplars of every selector in it. Succeeds when, for every query, both methods
give both servers the same non-empty set of trace ids.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

prometheus, correlator = sys.argv[1:3]


def trace_ids(base, method, form):
    url = base + "/api/v1/query_exemplars"
    if method == "GET":
        request = urllib.request.Request(url + "?" + form)
    else:
        request = urllib.request.Request(url, data=form.encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        print(f"  {method} {url}: {error.code} {error.read().decode(errors='replace')[:300]}")
        return set()
    return {e["labels"].get("trace_id") for s in answer["data"] for e in s["exemplars"]}


failed = False
for query in sys.argv[3:]:
    form = urllib.parse.urlencode({"query": query, "start": 1700000000, "end": 1900000000})
    assert "+" in form, form
    for method in ("GET", "POST"):
        want, got = trace_ids(prometheus, method, form), trace_ids(correlator, method, form)
        if not want or want != got:
            print(f"  {method} {query}: Prometheus {sorted(want)}, Correlator {sorted(got)}")
            failed = True
sys.exit(1 if failed else 0)
