// Exemplar benchmarks driven by Benchmarks/exemplars.sh:
//
//   ExemplarsBench generate FILE MB         writes an OpenMetrics exposition of about MB megabytes
//   ExemplarsBench parse FILE               parses it (best of 3), prints MB/s and exemplars/s
//   ExemplarsBench load URL SECONDS CONC    remote-write load: CONC concurrent senders for SECONDS
//
// The load generator sends remote write 1.0 bodies (snappy + protobuf) like Prometheus: each
// sender owns its series (a histogram of 10 buckets × 10 routes), every request carries one new
// sample per series with a later timestamp (Prometheus rejects out-of-order samples) and one new
// exemplar per bucket with a fresh trace id (Correlator would skip a repeated exemplar). It prints
// one JSON line: requests/s, exemplars/s, failures.
import AsyncHTTPClient
import Exemplars
import Foundation
import NIOCore
import ProtobufWire

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: ExemplarsBench generate FILE MB | parse FILE | load URL SECONDS CONCURRENCY")
    exit(2)
}

switch arguments[1] {
case "generate":
    let megabytes = Int(arguments[3]) ?? 32
    var text = ""
    text.reserveCapacity(megabytes << 20)
    var family = 0
    while text.utf8.count < megabytes << 20 {
        let name = "http_server_request_duration_\(family)_seconds"
        text += "# TYPE \(name) histogram\n# UNIT \(name) seconds\n# HELP \(name) Duration of HTTP server requests.\n"
        for route in 0..<20 {
            let labels = "service=\"checkout-api\",method=\"GET\",route=\"/api/v1/items/\(route)\",status=\"200\""
            var count = 0
            for (index, le) in ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"].enumerated() {
                count += 7 + index
                var line = "\(name)_bucket{\(labels),le=\"\(le)\"} \(count)"
                if index % 2 == 0 {
                    let trace = String(format: "%016llx%016llx", UInt64(family * 1000 + route), UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15)
                    line += " # {trace_id=\"\(trace)\",span_id=\"\(trace.prefix(16))\"} 0.\(index + 1)23 1795442837.\(100 + index)"
                }
                text += line + "\n"
            }
            text += "\(name)_sum{\(labels)} \(Double(count) * 0.042)\n\(name)_count{\(labels)} \(count)\n"
        }
        family += 1
    }
    text += "# EOF\n"
    try text.write(toFile: arguments[2], atomically: true, encoding: .utf8)

case "parse":
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: arguments[2])))
    let parser = ExpositionParser(format: .openMetrics)
    var best = Double.infinity
    var exemplars = 0
    for _ in 0..<3 {
        let start = ContinuousClock.now
        exemplars = try parser.exemplars(in: bytes, defaultTimestamp: 0).count
        let elapsed = ContinuousClock.now - start
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    let megabytes = Double(bytes.count) / 1_048_576
    print(String(format: "{\"mb_per_s\": %.1f, \"exemplars_per_s\": %.0f, \"exemplars\": %d, \"mb\": %.1f}", megabytes / best, Double(exemplars) / best, exemplars, megabytes))

case "load":
    guard arguments.count >= 5, let seconds = Double(arguments[3]), let concurrency = Int(arguments[4]),
          let seriesPerRequest = arguments.count > 5 ? Int(arguments[5]) : 100,
          let exemplarsPerRequest = arguments.count > 6 ? Int(arguments[6]) : seriesPerRequest,
          seriesPerRequest > 0, (1...seriesPerRequest).contains(exemplarsPerRequest)
    else {
        print("usage: ExemplarsBench load URL SECONDS CONCURRENCY [SERIES_PER_REQUEST [EXEMPLARS_PER_REQUEST]]")
        exit(2)
    }
    // Every `exemplarEvery`-th series of a request carries an exemplar.
    let exemplarEvery = seriesPerRequest / exemplarsPerRequest
    let url = arguments[2]
    let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency))
    )
    let runID = UInt64(Date().timeIntervalSince1970 * 1000)
    let startMilliseconds = Int64(runID)
    let buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]

    // Each sender's series, made once: a request changes only their samples and exemplars (at
    // 500 series a request, making them anew took the generator more CPU than the receivers).
    let seriesOfWorker: [[LabelSet]] = (0..<concurrency).map { worker in
        (0..<seriesPerRequest).map { number in
            LabelSet([
                Label(name: "__name__", value: "bench_request_duration_seconds_bucket"),
                Label(name: "job", value: "bench"), Label(name: "instance", value: "sender-\(worker)"),
                Label(name: "route", value: "/r/\(number / buckets.count)"), Label(name: "le", value: buckets[number % buckets.count]),
                Label(name: "run", value: String(runID)),
            ])
        }
    }

    /// The trace id of the exemplar on series `number` of request `sequence` of `worker`: 32 hex
    /// digits, unique per run, sender, series and request.
    @Sendable func traceID(worker: Int, number: Int, sequence: Int) -> String {
        let route = number / buckets.count, index = number % buckets.count
        return hex(runID, digits: 16) + hex(UInt64(worker & 0xFFFF), digits: 4)
            + hex(UInt64(route * 16 + index), digits: 4) + hex(UInt64(sequence), digits: 8)
    }

    /// One request of sender `worker`, its `sequence`-th: `seriesPerRequest` bucket series with
    /// a sample each, `exemplarsPerRequest` of them with an exemplar too. Built with
    /// ``RemoteWriteEncoder``: the reference the fast encoding below is checked against.
    @Sendable func referenceBody(worker: Int, sequence: Int) -> [UInt8] {
        let timestamp = startMilliseconds + Int64(sequence) * 10
        var timeseries: [RemoteWriteRequest.TimeSeries] = []
        timeseries.reserveCapacity(seriesPerRequest)
        for (number, series) in seriesOfWorker[worker].enumerated() {
            var exemplars: [Exemplar] = []
            if carriesExemplar(number) {
                let trace = traceID(worker: worker, number: number, sequence: sequence)
                exemplars.append(Exemplar(
                    series: series,
                    labels: LabelSet([Label(name: "trace_id", value: trace), Label(name: "span_id", value: String(trace.suffix(16)))]),
                    value: exemplarValue(number: number, sequence: sequence), timestamp: timestamp
                ))
            }
            timeseries.append(.init(labels: series, samples: [.init(value: Double(sequence), timestamp: timestamp)], exemplars: exemplars))
        }
        return RemoteWriteEncoder.encodeMessage(RemoteWriteRequest(timeseries: timeseries))
    }
    @Sendable func carriesExemplar(_ number: Int) -> Bool {
        number % exemplarEvery == 0 && number / exemplarEvery < exemplarsPerRequest
    }
    @Sendable func exemplarValue(number: Int, sequence: Int) -> Double {
        Double(number % buckets.count) * 0.01 + Double(sequence % 97) * 1e-4
    }

    // The same message with each series' labels encoded once and no nested writer per label or
    // sample: building it through `RemoteWriteEncoder` from `TimeSeries` values (~4,000 small
    // arrays a request at 500 series) cost the generator about as much CPU as Correlator spent
    // receiving it, which both receivers' numbers carried. Checked against `referenceBody`
    // before the run starts.
    let labelBytesOfWorker: [[[UInt8]]] = seriesOfWorker.map { series in
        series.map { labels in
            var writer = ProtobufWriter(capacity: 128)
            for label in labels { writer.writeLabel(label.name, label.value) }
            return writer.bytes
        }
    }
    @Sendable func message(worker: Int, sequence: Int) -> [UInt8] {
        let timestamp = startMilliseconds + Int64(sequence) * 10
        var out = ProtobufWriter(capacity: seriesPerRequest * (labelBytesOfWorker[worker][0].count + 32) + exemplarsPerRequest * 90)
        for (number, labelBytes) in labelBytesOfWorker[worker].enumerated() {
            var series = ProtobufWriter(capacity: labelBytes.count + (carriesExemplar(number) ? 120 : 24))
            series.writeRaw(labelBytes)
            var sample = ProtobufWriter(capacity: 24)
            sample.writeDoubleField(1, Double(sequence))
            sample.writeInt64Field(2, timestamp)
            series.writeBytesField(2, sample.bytes)
            if carriesExemplar(number) {
                let trace = traceID(worker: worker, number: number, sequence: sequence)
                var exemplar = ProtobufWriter(capacity: 96)
                exemplar.writeLabel("span_id", String(trace.suffix(16)))  // LabelSet's name order
                exemplar.writeLabel("trace_id", trace)
                exemplar.writeDoubleField(2, exemplarValue(number: number, sequence: sequence))
                exemplar.writeInt64Field(3, timestamp)
                series.writeBytesField(3, exemplar.bytes)
            }
            out.writeBytesField(1, series.bytes)
        }
        return out.bytes
    }
    for worker in 0..<concurrency {
        for sequence in [0, 1, 12345] where message(worker: worker, sequence: sequence) != referenceBody(worker: worker, sequence: sequence) {
            print("ExemplarsBench: the fast encoding differs from RemoteWriteEncoder's (sender \(worker), request \(sequence))")
            exit(1)
        }
    }
    @Sendable func body(worker: Int, sequence: Int) -> [UInt8] {
        Snappy.compress(message(worker: worker, sequence: sequence))
    }

    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    let started = ContinuousClock.now
    let counts = await withTaskGroup(of: (Int, Int, Int, String?).self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var ok = 0, failed = 0, exemplars = 0
                var firstError: String?
                var sequence = 0
                while ContinuousClock.now < deadline {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/x-protobuf")
                    request.headers.add(name: "Content-Encoding", value: "snappy")
                    request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
                    request.body = .bytes(ByteBuffer(bytes: body(worker: worker, sequence: sequence)))
                    sequence += 1
                    do {
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let text = try await response.body.collect(upTo: 1 << 20)
                        if (200..<300).contains(response.status.code) {
                            ok += 1
                            exemplars += exemplarsPerRequest
                        } else {
                            failed += 1
                            if firstError == nil { firstError = "\(response.status.code) \(String(buffer: text).prefix(200))" }
                        }
                    } catch {
                        failed += 1
                        if firstError == nil { firstError = "\(error)" }
                    }
                }
                return (ok, failed, exemplars, firstError)
            }
        }
        var total = (0, 0, 0, String?.none)
        for await (ok, failed, exemplars, error) in group {
            total.0 += ok
            total.1 += failed
            total.2 += exemplars
            total.3 = total.3 ?? error
        }
        return total
    }
    let elapsed = ContinuousClock.now - started
    let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    try? await client.shutdown().get()
    let error = (counts.3 ?? "").replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: " ")
    print(String(format: "{\"requests_per_s\": %.1f, \"exemplars_per_s\": %.0f, \"samples_per_s\": %.0f, \"ok\": %d, \"failed\": %d, ",
                 Double(counts.0) / elapsedSeconds, Double(counts.2) / elapsedSeconds, Double(counts.0 * seriesPerRequest) / elapsedSeconds,
                 counts.0, counts.1) + "\"first_error\": \"\(error)\"}")

default:
    print("unknown mode \(arguments[1])")
    exit(2)
}

// MARK: Bytes for the load generator

/// `value` as `digits` lower-case hex digits (the low ones), without `String(format:)`.
@Sendable func hex(_ value: UInt64, digits: Int) -> String {
    let alphabet = Array("0123456789abcdef".utf8)
    return String(unsafeUninitializedCapacity: digits) { buffer in
        for index in 0..<digits {
            buffer[index] = alphabet[Int((value >> UInt64(4 * (digits - 1 - index))) & 0xF)]
        }
        return digits
    }
}

extension ProtobufWriter {
    /// A `prometheus.Label` message as field 1.
    mutating func writeLabel(_ name: String, _ value: String) {
        writeMessageField(1) { label in
            label.writeStringField(1, name)
            label.writeStringField(2, value)
        }
    }
}
