import Correlator
import Testing

/// Prometheus's names for OTLP metrics, from the examples of OpenTelemetry's
/// `compatibility/prometheus_and_openmetrics.md` and Prometheus's OTLP translation.
@Suite struct PrometheusOTLPNamingTests {
    @Test(arguments: [
        ("checkout.request.duration", "s", OTLPMetricExemplar.Kind.histogram(bounds: []), "checkout_request_duration_seconds"),
        ("http.server.request.duration", "s", .histogram(bounds: []), "http_server_request_duration_seconds"),
        ("system.memory.usage", "By", .sum(monotonic: false), "system_memory_usage_bytes"),
        ("http.requests", "{request}", .sum(monotonic: true), "http_requests_total"),
        ("requests.total", "1", .sum(monotonic: true), "requests_total"),
        ("cpu.utilization", "1", .gauge, "cpu_utilization_ratio"),
        ("throughput", "By/s", .gauge, "throughput_bytes_per_second"),
        ("latency_seconds", "s", .histogram(bounds: []), "latency_seconds"),
        ("2xx.count", "", .sum(monotonic: true), "_2xx_count_total"),
    ])
    func metricNames(name: String, unit: String, kind: OTLPMetricExemplar.Kind, expected: String) {
        #expect(PrometheusOTLPNaming.metricName(name, unit: unit, kind: kind) == expected)
    }

    @Test func labelNames() {
        #expect(PrometheusOTLPNaming.labelName("http.route") == "http_route")
        #expect(PrometheusOTLPNaming.labelName("2xx") == "key_2xx")
        #expect(PrometheusOTLPNaming.labelName("_private") == "key_private")
        #expect(PrometheusOTLPNaming.labelName("__reserved") == "__reserved")
    }

    /// A histogram exemplar sits on the bucket its value falls in, `le` written as Prometheus
    /// writes bounds; `job` and `instance` come from the resource; ids become labels.
    @Test func histogramExemplarsGetTheirBucketAndResourceLabels() throws {
        func exemplar(_ value: Double) -> OTLPMetricExemplar {
            OTLPMetricExemplar(
                resource: ["service.name": "checkout", "service.namespace": "shop", "service.instance.id": "pod-1"],
                metricName: "rpc.duration", unit: "ms", kind: .histogram(bounds: [0.00001, 0.5, 10, 250]),
                attributes: [("rpc.method", "Get")], traceID: Array(repeating: 0xab, count: 16), spanID: Array(repeating: 0xcd, count: 8),
                value: value, timeNanos: 1_700_000_000_123_456_789, filteredAttributes: [("user.id", "42")]
            )
        }
        let noTrace = OTLPMetricExemplar(
            resource: [:], metricName: "x", unit: "", kind: .gauge, attributes: [], traceID: [], spanID: [],
            value: 1, timeNanos: 0, filteredAttributes: []
        )
        let (stored, withoutTrace) = PrometheusOTLPNaming.exemplars([exemplar(0.000001), exemplar(0.5), exemplar(11), exemplar(1e6), noTrace], defaultTimestamp: 0)
        #expect(withoutTrace == 1)
        #expect(stored.map { $0.series["le"] } == ["0.00001", "0.5", "250", "+Inf"])
        let first = try #require(stored.first)
        #expect(first.series.metricName == "rpc_duration_milliseconds_bucket")
        #expect(first.series["job"] == "shop/checkout" && first.series["instance"] == "pod-1" && first.series["rpc_method"] == "Get")
        #expect(first.labels["trace_id"] == String(repeating: "ab", count: 16) && first.labels["span_id"] == String(repeating: "cd", count: 8))
        #expect(first.labels["user_id"] == "42")
        #expect(first.timestamp == 1_700_000_000_123 && first.value == 0.000001)
        #expect(first.traceID != nil)
    }
}
