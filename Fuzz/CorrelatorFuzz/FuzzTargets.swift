import Exemplars
import Foundation
import NIOCore
import ProfileIndex
import Rules

/// libFuzzer entry points for every decoder that reads untrusted bytes (ingest bodies, gzip,
/// the exemplar query selector, rule files), one binary for all:
/// `CORRELATOR_FUZZ_TARGET` picks the decoder (see ``FuzzTarget``). Built by `make fuzz` with
/// `--sanitize=fuzzer --sanitize=address`; a decoder may throw on any input, never crash, hang
/// or read out of bounds. The OTLP trace decoder's sources are linked in (Traces/ is a link to
/// Sources/Correlator/Traces), and so are the OTLP metrics decoder (Metrics/) and Pyroscope's
/// PushRequest (Pyroscope/), so the fuzz build does not need PostgresNIO or Hummingbird.
enum FuzzTarget: String, CaseIterable {
    case openmetrics
    case prometheusText = "prometheus_text"
    case remoteWrite = "remote_write"
    case snappy
    case otlpTracesProtobuf = "otlp_traces_protobuf"
    case otlpTracesJSON = "otlp_traces_json"
    case pprof
    case otlpProfiles = "otlp_profiles"
    case ruleFile = "rule_file"
    case seriesSelector = "series_selector"
    case gzip
    case folded
    case otlpMetricsProtobuf = "otlp_metrics_protobuf"
    case otlpMetricsJSON = "otlp_metrics_json"
    case pyroscopePush = "pyroscope_push"
    case connectQuery = "connect_query"

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["CORRELATOR_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("CORRELATOR_FUZZ_TARGET must be one of \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()

    /// Small limits, so the fuzzer explores structure rather than allocation.
    static let exemplarLimits = ExemplarLimits(maxSeriesPerRequest: 10_000, maxDecompressedBytes: 1 << 20)
    static let profileLimits = ProfileDecodingLimits(maxDecompressedBytes: 4 << 20, maxSamples: 100_000)
    static let traceDecoder: OTLPTraceDecoder = {
        var options = OTLPTraceDecoder.Options()
        options.maxAttributesJSONBytes = 8 << 20
        return OTLPTraceDecoder(options: options)
    }()

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .openmetrics, .prometheusText:
            let parser = ExpositionParser(format: self == .openmetrics ? .openMetrics : .prometheusText, limits: Self.exemplarLimits)
            _ = try? parser.exemplars(in: bytes, defaultTimestamp: 1_700_000_000_000, idKeys: .default)
        case .remoteWrite:
            _ = try? RemoteWriteDecoder(limits: Self.exemplarLimits).decode(body: bytes, defaultTimestamp: 1_700_000_000_000)
            // The protobuf layer without snappy in front, so mutations reach it directly.
            _ = try? RemoteWriteDecoder(limits: Self.exemplarLimits).decode(message: bytes, defaultTimestamp: 1_700_000_000_000)
        case .snappy:
            if let output = try? Snappy.decompress(bytes, maximumLength: 1 << 20) {
                let again = Snappy.compress(output.withUnsafeBytes { $0 })
                guard (try? Snappy.decompress(again)) == output else { fatalError("snappy round trip differs") }
            }
        case .otlpTracesProtobuf:
            _ = try? Self.traceDecoder.decode(protobuf: bytes)
        case .otlpTracesJSON:
            _ = try? Self.traceDecoder.decode(json: bytes)
        case .pprof:
            if let profile = try? PprofDecoder(limits: Self.profileLimits).decode(ByteBuffer(bytes: bytes)) {
                // What ingest computes from every stored profile.
                _ = profile.summary()
                _ = profile.spanBreakdown(functionLimit: 10)
                _ = profile.stacks()
            }
        case .otlpProfiles:
            _ = try? OTLPProfilesDecoder(limits: Self.profileLimits).decode(ByteBuffer(bytes: bytes))
        case .ruleFile:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? RuleFile.parse(yaml: text, file: "fuzz.yml")
        case .seriesSelector:
            // The `query` parameter of /api/v1/query_exemplars.
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? SeriesSelector(parsing: text)
            _ = try? SeriesSelector.selectors(inExpression: text)
        case .gzip:
            // Content-Encoding: gzip of every ingest route, under its decompressed limit.
            _ = try? GzipInflater.inflate(ByteBuffer(bytes: bytes), limit: 1 << 20)
        case .folded:
            // /ingest's folded text: parsed, encoded as pprof, decoded again as ingest does.
            let text = Substring(String(decoding: bytes, as: UTF8.self))
            if let encoder = try? FoldedStacks.parse(text, format: .folded, units: "", sampleRate: 100, maxSamples: 10_000),
               let profile = try? PprofDecoder(limits: Self.profileLimits).decode(encoder.encoded())
            {
                _ = profile.stacks()
            }
            _ = try? FoldedStacks.parse(text, format: .lines, units: "bytes", sampleRate: 100, maxSamples: 10_000)
        case .otlpMetricsProtobuf:
            _ = try? OTLPMetricsDecoder.exemplars(protobuf: bytes)
        case .otlpMetricsJSON:
            _ = try? OTLPMetricsDecoder.exemplars(json: Data(bytes))
        case .pyroscopePush:
            _ = try? PushRequest(proto: ByteBuffer(bytes: bytes))
            _ = try? PushRequest(json: ByteBuffer(bytes: bytes))
        case .connectQuery:
            // A Pyroscope query request (DiffRequest, whose sides are SelectMergeStacktraces-
            // Requests) in both codecs, every field read as the querier reads it.
            for codec in [ConnectCodec.proto, .json] {
                guard let message = try? ConnectMessage(ByteBuffer(bytes: bytes), codec: codec, name: "DiffRequest") else { continue }
                for side in [(try? message.message(1, "left")) ?? nil, (try? message.message(2, "right")) ?? nil, message] {
                    guard let side else { continue }
                    _ = try? side.string(1, "profile_typeID")
                    _ = try? side.strings(2, "matchers")
                    _ = try? side.int64(3, "start")
                    _ = try? side.double(6, "step")
                    _ = try? side.enumValue(6, "format", names: ["A", "B"])
                    _ = try? side.message(7, "stack_trace_selector")?.messages(1, "call_site").map { try $0.string(1, "name") }
                }
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// Seeds that need an encoder (snappy, remote write) are written by the binary itself:
/// `CORRELATOR_FUZZ_WRITE_SEEDS=DIR correlator-fuzz` writes DIR/<target>/… and exits.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let directory = ProcessInfo.processInfo.environment["CORRELATOR_FUZZ_WRITE_SEEDS"] else { return 0 }
    func write(_ target: FuzzTarget, _ name: String, _ bytes: [UInt8]) {
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(target.rawValue)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data(bytes))
    }
    let series = LabelSet(["__name__": "http_server_request_duration_seconds_bucket", "le": "0.1", "job": "api"])
    let exemplars = (0..<3).map { i in
        Exemplar(series: series, labels: LabelSet(["trace_id": String(repeating: "\(i + 1)", count: 32), "span_id": String(repeating: "a", count: 16)]), value: 0.05, timestamp: 1_700_000_000_000 + Int64(i))
    }
    let request = RemoteWriteRequest(timeseries: [
        .init(labels: series, samples: [.init(value: 7, timestamp: 1_700_000_000_000)], exemplars: exemplars),
        .init(labels: LabelSet(["__name__": "up", "instance": "x:9090"]), samples: [.init(value: 1, timestamp: 1_700_000_000_000)], exemplars: []),
    ])
    write(.remoteWrite, "request.snappy", RemoteWriteEncoder.encodeBody(request))
    write(.remoteWrite, "request.pb", RemoteWriteEncoder.encodeMessage(request))
    let text = Array("# TYPE a counter\na_total 1 # {trace_id=\"0123\"} 1 1700000000\n# EOF\n".utf8)
    write(.snappy, "text.snappy", text.withUnsafeBytes { Snappy.compress($0) })
    write(.snappy, "request.snappy", RemoteWriteEncoder.encodeBody(request))
    for (index, query) in [#"http_server_request_duration_seconds_bucket{job="api",le=~"0\\.[0-9]+"}"#, #"{__name__=~".+",route!="/health"}"#, "up",
                               #"histogram_quantile(0.99, sum by (le) (rate(a_bucket{job="api"}[5m] offset 1m))) / on (job) group_left b # c"#].enumerated() {
        write(.seriesSelector, "query-\(index)", Array(query.utf8))
    }
    exit(0)
}
