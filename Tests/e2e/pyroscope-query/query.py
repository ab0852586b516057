"""Grafana's Pyroscope data source, played by the Connect project's Python client (connectrpc)
with stubs generated from proto/ at test time: one query per command, its numbers compared with
go tool pprof's over the same profile files (pprof_top.py). Exit 0 when the answer is right.

    python3 query.py CONTEXT.json COMMAND [ARG]

CONTEXT.json (written by pyroscope-query.sh): url, stubs (the generated package's folder),
service, other_service, labels, start/end (the window, Unix ms), left/right (the diff's windows),
wide (a window of whole hours around everything), spans, tmp, and the pprof references
(cpu, heap, left, right, span, other: files written by pprof_top.py)."""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flamegraph import Graph, read, read_diff  # noqa: E402
from pprof_top import top  # noqa: E402

CONTEXT = json.load(open(sys.argv[1]))
sys.path.insert(0, CONTEXT["stubs"])

from connectrpc.code import Code  # noqa: E402
from connectrpc.compat import google_protobuf_binary_codec, google_protobuf_json_codec  # noqa: E402
from connectrpc.errors import ConnectError  # noqa: E402
from connectrpc.method import IdempotencyLevel, MethodInfo, StreamType  # noqa: E402
from pyroscope_api.querier.v1 import querier_connect, querier_pb2 as q  # noqa: E402
from pyroscope_api.types.v1 import types_pb2 as t  # noqa: E402

CPU = "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
HEAP = "memory:inuse_space:bytes:space:bytes"
SERVICE = CONTEXT["service"]
SELECTOR = f'{{service_name="{SERVICE}"}}'
START, END = CONTEXT["start"], CONTEXT["end"]
MAX_NODES = 16384


def client(codec=None, send_gzip: bool = False) -> querier_connect.QuerierServiceClientSync:
    """Grafana's data source (connect-go) sends uncompressed proto; connectrpc gzips requests by
    default, which `send_gzip` keeps."""
    options = {} if send_gzip else {"send_compression": None}
    return querier_connect.QuerierServiceClientSync(
        CONTEXT["url"], codec=codec or google_protobuf_binary_codec(), timeout_ms=60_000, **options
    )


def reference(name: str) -> dict:
    return json.load(open(CONTEXT["pprof"][name]))


def say(text: str) -> None:
    print("    " + text)


def differences(mine: dict, theirs: dict, limit: int = 5) -> list[str]:
    found = [f"{name}: correlator {mine.get(name)}, go tool pprof {theirs.get(name)}"
             for name in sorted(set(mine) | set(theirs)) if mine.get(name) != theirs.get(name)]
    for line in found[:limit]:
        say(line)
    return found


def stacktraces(profile_type: str = CPU, start: int = START, end: int = END, codec=None, send_gzip: bool = False,
                **fields) -> q.SelectMergeStacktracesResponse:
    request = q.SelectMergeStacktracesRequest(
        profile_typeID=profile_type, label_selector=SELECTOR, start=start, end=end, max_nodes=MAX_NODES, **fields
    )
    return client(codec, send_gzip).select_merge_stacktraces(request)


def graph_of(flamegraph) -> Graph:
    return read(list(flamegraph.names), [list(level.values) for level in flamegraph.levels])


def shape_ok(graph: Graph, total: int, what: str) -> bool:
    """The decoded tree is sound, its root and its self sum equal total."""
    for problem in graph.problems[:5]:
        say(f"{what}: {problem}")
    root = graph.root.total if graph.root else None
    say(f"{what}: {sum(len(level) for level in graph.levels)} nodes in {len(graph.levels)} levels, "
        f"root {root}, self sum {graph.self_sum()}, total {total}")
    return not graph.problems and root == total and graph.self_sum() == total


def write_profile(profile, name: str) -> str:
    path = f"{CONTEXT['tmp']}/{name}.pb"
    Path(path).write_bytes(profile.SerializeToString())
    return path


# -- the commands ------------------------------------------------------------------------------

def health() -> bool:
    answer = client().profile_types(q.ProfileTypesRequest(start=1000, end=4000))
    say(f"ProfileTypes(start=1000, end=4000): {len(answer.profile_types)} types")
    return True


def profile_types(codec=None) -> bool:
    answer = client(codec).profile_types(q.ProfileTypesRequest(start=START, end=END))
    found = {p.ID: p for p in answer.profile_types}
    say(f"ProfileTypes over the window: {', '.join(sorted(found))}")
    ok = True
    for wanted in (CPU, HEAP):
        if wanted not in found:
            say(f"{wanted} missing")
            ok = False
            continue
        p = found[wanted]
        fields = [p.name, p.sample_type, p.sample_unit, p.period_type, p.period_unit]
        if fields != wanted.split(":"):
            say(f"{wanted}: name/sample_type/sample_unit/period_type/period_unit are {fields}")
            ok = False
    return ok


def label_names() -> bool:
    answer = client().label_names(t.LabelNamesRequest(matchers=[SELECTOR], start=START, end=END))
    wanted = {"service_name", *CONTEXT["labels"]}
    say(f"LabelNames({SELECTOR}): {', '.join(answer.names)}")
    return wanted <= set(answer.names)


def label_values() -> bool:
    services = client().label_values(t.LabelValuesRequest(name="service_name", start=START, end=END))
    say(f"LabelValues(service_name): {', '.join(services.names)}")
    ok = {SERVICE, CONTEXT["other_service"]} <= set(services.names)
    for name, value in CONTEXT["labels"].items():
        values = client().label_values(t.LabelValuesRequest(name=name, matchers=[SELECTOR], start=START, end=END))
        say(f"LabelValues({name}, {SELECTOR}): {', '.join(values.names)} (uploaded {value})")
        ok = ok and list(values.names) == [value]
    return ok


def series() -> bool:
    answer = client().series(q.SeriesRequest(matchers=[SELECTOR], start=START, end=END))
    sets = [{pair.name: pair.value for pair in labels.labels} for labels in answer.labels_set]
    for labels in sets[:4]:
        say("Series: " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())))
    mine = [labels for labels in sets if labels.get("service_name") == SERVICE]
    say(f"{len(sets)} label sets, {len(mine)} of service_name={SERVICE}")
    wanted = CONTEXT["labels"]
    return bool(mine) and len(mine) == len(sets) and any(
        all(labels.get(k) == v for k, v in wanted.items()) for labels in mine)


def flamegraph_total(window: str = "window") -> bool:
    start, end = (START, END) if window == "window" else CONTEXT[window]
    flamegraph = stacktraces(start=start, end=end).flamegraph
    expected = reference("cpu")["total"]
    say(f"merged total {flamegraph.total} (go tool pprof {expected}) over [{start}, {end}] ms")
    return flamegraph.total == expected


def flamegraph_shape() -> bool:
    flamegraph = stacktraces().flamegraph
    graph = graph_of(flamegraph)
    say(f"max_self {flamegraph.max_self} (largest node self {graph.max_self()})")
    return shape_ok(graph, flamegraph.total, "flame graph") and flamegraph.max_self == graph.max_self()


def flamegraph_top() -> bool:
    graph = graph_of(stacktraces().flamegraph)
    flat, theirs = graph.flat(), reference("cpu")["flat"]
    if not flat or not theirs:
        say("no function has self time")
        return False
    mine = max(flat, key=flat.get)
    largest = max(theirs.values())
    tied = sorted(name for name, value in theirs.items() if value == largest)
    say(f"top self {mine} {flat[mine]} (go tool pprof top flat {' / '.join(tied)} {largest})")
    return flat[mine] == largest and mine in tied


def flamegraph_functions(profile_type: str = CPU, name: str = "cpu") -> bool:
    flamegraph = stacktraces(profile_type).flamegraph
    graph, expected = graph_of(flamegraph), reference(name)
    flat_off = differences(graph.flat(), expected["flat"])
    cum_off = differences(graph.cum(), expected["cum"])
    say(f"{profile_type}: {len(expected['cum'])} functions; self summed by name = pprof flat: {len(flat_off)} "
        f"differences; total by name = pprof cum: {len(cum_off)} differences; total {flamegraph.total} "
        f"(go tool pprof {expected['total']})")
    return (not flat_off and not cum_off and flamegraph.total == expected["total"]
            and shape_ok(graph, flamegraph.total, profile_type))


def pprof_format() -> bool:
    answer = stacktraces(format=q.PROFILE_FORMAT_PPROF)
    if not answer.HasField("pprof"):
        say("no pprof in the answer")
        return False
    path = write_profile(answer.pprof.profile, "merge-stacktraces")
    return _pprof_matches(path, "SelectMergeStacktraces(format=PPROF)")


def merge_profile() -> bool:
    profile = client().select_merge_profile(q.SelectMergeProfileRequest(
        profile_typeID=CPU, label_selector=SELECTOR, start=START, end=END, max_nodes=MAX_NODES))
    path = write_profile(profile, "merge-profile")
    return _pprof_matches(path, "SelectMergeProfile")


def _pprof_matches(path: str, what: str) -> bool:
    expected = reference("cpu")
    got = top([path], "cpu", "ns")
    off = differences(got["flat"], expected["flat"])
    say(f"{what}: go tool pprof -top on it: total {got['total']} (over the uploaded files {expected['total']}), "
        f"{len(off)} functions' flat differ")
    return got["total"] == expected["total"] and not off


def select_series() -> bool:
    step = 60.0
    answer = client().select_series(q.SelectSeriesRequest(
        profile_typeID=CPU, label_selector=SELECTOR, start=START, end=END, step=step, group_by=[]))
    points = [(p.timestamp, p.value) for s in answer.series for p in s.points]
    outside = [ts for ts, _ in points if not START <= ts <= END]
    total = sum(value for _, value in points)
    expected = reference("cpu")["total"]
    say(f"SelectSeries(step={step:g}s): {len(answer.series)} series, {len(points)} points, "
        f"{len(outside)} outside [{START}, {END}] ms; values sum {total:.0f} (go tool pprof {expected})")
    for ts, value in points[:6]:
        say(f"  {ts} {value:.0f}")
    return bool(points) and not outside and len(answer.series) == 1 and total == expected


def series_by_service() -> bool:
    """Grafana's time series panel grouped by a label: one series a service, over all of them."""
    answer = client().select_series(q.SelectSeriesRequest(
        profile_typeID=CPU, label_selector="{}", start=START, end=END, step=60.0, group_by=["service_name"]))
    got = {}
    ok = True
    for s in answer.series:
        labels = {pair.name: pair.value for pair in s.labels}
        ok = ok and set(labels) == {"service_name"}
        got[labels.get("service_name")] = sum(p.value for p in s.points)
    expected = {SERVICE: reference("cpu")["total"], CONTEXT["other_service"]: reference("other")["total"]}
    for service in sorted(set(got) | set(expected), key=str):
        say(f"SelectSeries(group_by=[service_name], {{}}): {service} sums {got.get(service, 0):.0f} "
            f"(go tool pprof {expected.get(service)})")
    return ok and got == expected


def max_nodes_small() -> bool:
    """Grafana's 'max nodes' setting: a smaller tree (the rest folded), the same total."""
    full = graph_of(stacktraces().flamegraph)
    flamegraph = client().select_merge_stacktraces(q.SelectMergeStacktracesRequest(
        profile_typeID=CPU, label_selector=SELECTOR, start=START, end=END, max_nodes=64)).flamegraph
    graph = graph_of(flamegraph)
    count, full_count = sum(1 for _ in graph.nodes()), sum(1 for _ in full.nodes())
    expected = reference("cpu")["total"]
    say(f"max_nodes=64: {count} nodes (16384: {full_count}), total {flamegraph.total} (go tool pprof {expected})")
    return shape_ok(graph, flamegraph.total, "max_nodes=64") and flamegraph.total == expected and count < full_count


def span_profile() -> bool:
    spans = CONTEXT["spans"]
    answer = client().select_merge_span_profile(q.SelectMergeSpanProfileRequest(
        profile_typeID=CPU, label_selector=SELECTOR, span_selector=spans, start=START, end=END, max_nodes=MAX_NODES))
    expected = reference("span")
    graph = graph_of(answer.flamegraph)
    say(f"span_selector {','.join(spans)}: total {answer.flamegraph.total} "
        f"(go tool pprof -tagfocus=span_id={','.join(spans)}: {expected['shown']})")
    off = differences(graph.flat(), expected["flat"])
    return (answer.flamegraph.total == expected["shown"] and expected["shown"] > 0
            and shape_ok(graph, answer.flamegraph.total, "span flame graph") and not off)


def diff() -> bool:
    (left_start, left_end), (right_start, right_end) = CONTEXT["left"], CONTEXT["right"]

    def side(start, end):
        return q.SelectMergeStacktracesRequest(
            profile_typeID=CPU, label_selector=SELECTOR, start=start, end=end, max_nodes=MAX_NODES)

    answer = client().diff(q.DiffRequest(left=side(left_start, left_end), right=side(right_start, right_end)))
    fg = answer.flamegraph
    left, right = reference("left"), reference("right")
    say(f"Diff: leftTicks {fg.leftTicks} (go tool pprof {left['total']}), "
        f"rightTicks {fg.rightTicks} (go tool pprof {right['total']}), total {fg.total}")
    levels = [list(level.values) for level in fg.levels]
    ok = fg.leftTicks == left["total"] and fg.rightTicks == right["total"]
    graphs = read_diff(list(fg.names), levels)
    for name, graph, ticks, expected in (("left", graphs[0], fg.leftTicks, left), ("right", graphs[1], fg.rightTicks, right)):
        off = differences(graph.flat(), expected["flat"])
        say(f"{name} side: {len(off)} functions' self differ from go tool pprof's flat")
        ok = shape_ok(graph, ticks, f"diff {name}") and not off and ok
    return ok


def json_codec() -> bool:
    codec = google_protobuf_json_codec()
    ok = profile_types(codec)
    flamegraph = stacktraces(codec=codec).flamegraph
    expected = reference("cpu")["total"]
    say(f"application/json: merged total {flamegraph.total} (go tool pprof {expected})")
    return ok and flamegraph.total == expected and shape_ok(graph_of(flamegraph), flamegraph.total, "json flame graph")


def gzip_request() -> bool:
    flamegraph = stacktraces(send_gzip=True).flamegraph
    expected = reference("cpu")["total"]
    say(f"gzip'd request (connectrpc's default): merged total {flamegraph.total} (go tool pprof {expected})")
    return flamegraph.total == expected


def expect_error(call, code: Code) -> bool:
    try:
        call()
    except ConnectError as error:
        say(f"ConnectError {error.code.value}: {error.message}")
        return error.code == code
    say(f"succeeded; wanted {code.value}")
    return False


def raw_post(method: str, body: bytes, status: int, code: str) -> bool:
    """The same through plain HTTP: the status and the Connect error body."""
    request = urllib.request.Request(f"{CONTEXT['url']}/querier.v1.QuerierService/{method}", data=body,
                                     headers={"Content-Type": "application/proto"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            got, content_type, text = answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        got, content_type, text = error.code, error.headers.get("Content-Type", ""), error.read()
    try:
        body_code = json.loads(text).get("code")
    except (ValueError, AttributeError):
        body_code = None
    say(f"POST /querier.v1.QuerierService/{method}: HTTP {got}, {content_type}, {text[:160]!r}")
    return got == status and content_type.startswith("application/json") and body_code == code


def unknown_method() -> bool:
    nope = MethodInfo(name="Nope", service_name="querier.v1.QuerierService", input=q.ProfileTypesRequest,
                      output=q.ProfileTypesResponse, idempotency_level=IdempotencyLevel.UNKNOWN,
                      stream_type=StreamType.UNARY)
    via_client = expect_error(lambda: client().execute_unary(request=q.ProfileTypesRequest(), method=nope),
                              Code.UNIMPLEMENTED)
    return raw_post("Nope", b"", 501, "unimplemented") and via_client


GARBAGE = b"\x0a\x05ab"  # field 1, 5 bytes long, then only 2: not a protobuf message


class GarbageCodec:
    """Sends bytes that are no protobuf message under application/proto."""

    def name(self) -> str:
        return "proto"

    def encode(self, message) -> bytes:
        return GARBAGE

    def decode(self, data, message_class):
        return google_protobuf_binary_codec().decode(data, message_class)


def garbage_body() -> bool:
    via_client = expect_error(lambda: stacktraces(codec=GarbageCodec()), Code.INVALID_ARGUMENT)
    return raw_post("SelectMergeStacktraces", GARBAGE, 400, "invalid_argument") and via_client


def unknown_type() -> bool:
    return expect_error(lambda: stacktraces("nope:nope:count:nope:count"), Code.INVALID_ARGUMENT)


COMMANDS = {
    "health": health,
    "profile-types": profile_types,
    "label-names": label_names,
    "label-values": label_values,
    "series": series,
    "flamegraph-total": flamegraph_total,
    "flamegraph-shape": flamegraph_shape,
    "flamegraph-top": flamegraph_top,
    "flamegraph-functions": flamegraph_functions,
    "heap": lambda: flamegraph_functions(HEAP, "heap"),
    "pprof-format": pprof_format,
    "merge-profile": merge_profile,
    "select-series": select_series,
    "series-by-service": series_by_service,
    "max-nodes": max_nodes_small,
    "span-profile": span_profile,
    "diff": diff,
    "json": json_codec,
    "gzip": gzip_request,
    "unknown-method": unknown_method,
    "garbage-body": garbage_body,
    "unknown-type": unknown_type,
}

if __name__ == "__main__":
    command, arguments = sys.argv[2], sys.argv[3:]
    try:
        ok = COMMANDS[command](*arguments)
    except ConnectError as error:
        say(f"{command}: ConnectError {error.code.value}: {error.message}")
        ok = False
    except Exception as error:  # a client-side failure: say it, fail the check
        say(f"{command}: {type(error).__name__}: {error}")
        ok = False
    sys.exit(0 if ok else 1)
