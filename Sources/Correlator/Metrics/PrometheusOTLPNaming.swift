import Exemplars
import Foundation

/// The exemplars of OTLP metrics as Prometheus would store them when it receives the same
/// export (its OTLP endpoint, default naming "underscore escaping with suffixes"), restated from
/// OpenTelemetry's `compatibility/prometheus_and_openmetrics.md` and Prometheus's
/// `otlptranslator`:
///
/// - **Metric names**: characters other than letters and digits (`_` included) split the name
///   into words joined by `_`; the unit becomes a suffix word (`s` → `seconds`, `By` → `bytes`,
///   `ms` → `milliseconds`, …; `a/b` → `<a>_per_<b>`; `{…}` annotations dropped) unless the
///   name already holds it; a monotonic sum ends in `_total`; a gauge of unit `1` in `_ratio`;
///   a leading digit gets a `_`. A histogram's exemplars sit on `<name>_bucket` with the `le`
///   of the bucket their value falls in (the first bound at or above it, else `+Inf`; written as
///   Prometheus writes values, ``ExemplarQueryResponse/formatValue(_:)``); an
///   exponential histogram's on `<name>` (Prometheus keeps it as a native histogram).
/// - **Labels**: the data point's attributes, names with other characters than letters, digits
///   and `_` replaced by `_`, a leading digit prefixed `key_`, a single leading `_` prefixed
///   `key`; `job` is `service.namespace/service.name` (or `service.name`) and `instance`
///   `service.instance.id` of the resource.
/// - **Exemplar**: labels `trace_id` and `span_id` (lowercase hex) plus its filtered
///   attributes; its value and time (milliseconds) unchanged. Exemplars without a trace id are
///   not kept (nothing to link).
public enum PrometheusOTLPNaming {
    static let units: [String: String] = [
        "d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds", "us": "microseconds",
        "ns": "nanoseconds", "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes",
        "TiBy": "tibibytes", "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
        "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams", "Cel": "celsius",
        "Hz": "hertz", "1": "", "%": "percent",
    ]
    static let perUnits: [String: String] = [
        "s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
    ]

    /// The Prometheus metric name of an OTLP metric (without `_bucket`).
    public static func metricName(_ name: String, unit: String, kind: OTLPMetricExemplar.Kind) -> String {
        var words = name.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.map(String.init)
        // Unit: annotations in braces go, then `main/per`.
        var cleanUnit = unit
        while let open = cleanUnit.firstIndex(of: "{"), let close = cleanUnit[open...].firstIndex(of: "}") {
            cleanUnit.removeSubrange(open...close)
        }
        let parts = cleanUnit.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let main = parts.first.map { units[$0] ?? sanitizeUnit($0) } ?? ""
        let per = parts.count > 1 ? (perUnits[parts[1]] ?? sanitizeUnit(parts[1])) : ""
        if case .sum(monotonic: true) = kind {
            words.removeAll { $0 == "total" }
        }
        if !main.isEmpty, !words.contains(main) { words.append(main) }
        if !per.isEmpty, !words.contains(per) {
            words.append("per")
            words.append(per)
        }
        switch kind {
        case .sum(monotonic: true): words.append("total")
        case .gauge where cleanUnit == "1": if !words.contains("ratio") { words.append("ratio") }
        default: break
        }
        var joined = words.joined(separator: "_")
        if let first = joined.first, first.isNumber { joined = "_" + joined }
        return joined
    }

    private static func sanitizeUnit(_ unit: String) -> String {
        unit.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.joined(separator: "_")
    }

    /// A Prometheus label name for an OTLP attribute key.
    public static func labelName(_ key: String) -> String {
        var name = String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
        if let first = name.first, first.isNumber {
            name = "key_" + name
        } else if name.hasPrefix("_"), !name.hasPrefix("__") {
            name = "key" + name
        }
        return name
    }

    /// An exemplar without a time gets `defaultTimestamp` (milliseconds), as a scrape's would.
    public static func exemplars(_ items: [OTLPMetricExemplar], defaultTimestamp: Int64, idKeys: ExemplarIDKeys = .default) -> (exemplars: [Exemplar], withoutTrace: Int) {
        var result: [Exemplar] = []
        var withoutTrace = 0
        for item in items {
            guard let traceID = TraceID(bytes: item.traceID), item.traceID.contains(where: { $0 != 0 }) else {
                withoutTrace += 1
                continue
            }
            var base = metricName(item.metricName, unit: item.unit, kind: item.kind)
            var labels: [Label] = item.attributes.map { Label(name: labelName($0.0), value: $0.1) }
            if let service = item.resource["service.name"] {
                let namespace = item.resource["service.namespace"].map { $0 + "/" } ?? ""
                labels.append(Label(name: "job", value: namespace + service))
            }
            if let instance = item.resource["service.instance.id"] {
                labels.append(Label(name: "instance", value: instance))
            }
            if case .histogram(let bounds) = item.kind {
                base += "_bucket"
                let bound = bounds.sorted().first { item.value <= $0 }
                labels.append(Label(name: "le", value: bound.map(ExemplarQueryResponse.formatValue) ?? "+Inf"))
            }
            labels.append(Label(name: Label.metricNameKey, value: base))
            var exemplarLabels = [Label(name: "trace_id", value: traceID.hexString)]
            if let spanID = SpanID(bytes: item.spanID) { exemplarLabels.append(Label(name: "span_id", value: spanID.hexString)) }
            for (key, value) in item.filteredAttributes { exemplarLabels.append(Label(name: labelName(key), value: value)) }
            result.append(Exemplar(
                series: LabelSet(labels), labels: LabelSet(exemplarLabels), value: item.value,
                timestamp: item.timeNanos == 0 ? defaultTimestamp : Int64(item.timeNanos / 1_000_000),
                hasExplicitTimestamp: item.timeNanos != 0, idKeys: idKeys
            ))
        }
        return (result, withoutTrace)
    }
}
