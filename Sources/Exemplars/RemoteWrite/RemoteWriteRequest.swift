/// A decoded Prometheus remote write 1.0 `WriteRequest`.
///
/// Prometheus sends one sample (or exemplar) per `TimeSeries`, repeating the label set; the
/// decoder keeps that shape. Native histograms (field 4) are counted and skipped.
public struct RemoteWriteRequest: Sendable, Hashable {
    /// A `prometheus.Sample`: a value at a time.
    public struct Sample: Sendable, Hashable {
        public var value: Double
        /// Milliseconds since the Unix epoch.
        public var timestamp: Int64

        public init(value: Double, timestamp: Int64) {
            self.value = value
            self.timestamp = timestamp
        }
    }

    /// A `prometheus.TimeSeries`: a label set with samples and exemplars.
    public struct TimeSeries: Sendable, Hashable {
        /// The series labels, `__name__` included.
        public var labels: LabelSet
        public var samples: [Sample]
        /// The exemplars, with ``Exemplar/series`` equal to ``labels``.
        public var exemplars: [Exemplar]
        /// Native histograms in the message, which Correlator does not read.
        public var histogramCount: Int

        public init(labels: LabelSet, samples: [Sample] = [], exemplars: [Exemplar] = [], histogramCount: Int = 0) {
            self.labels = labels
            self.samples = samples
            self.exemplars = exemplars
            self.histogramCount = histogramCount
        }
    }

    /// `Content-Type` of a remote write 1.0 body.
    public static let contentType = "application/x-protobuf"
    /// `Content-Encoding` of a remote write body.
    public static let contentEncoding = "snappy"
    /// `X-Prometheus-Remote-Write-Version` that 1.0 senders send.
    public static let protocolVersionHeader = "0.1.0"

    public var timeseries: [TimeSeries]
    /// `MetricMetadata` messages in the request (field 3), counted and skipped.
    public var metadataCount: Int

    public init(timeseries: [TimeSeries] = [], metadataCount: Int = 0) {
        self.timeseries = timeseries
        self.metadataCount = metadataCount
    }

    /// Every exemplar of every series, in order.
    public var exemplars: [Exemplar] { timeseries.flatMap(\.exemplars) }

    /// The number of samples of every series.
    public var sampleCount: Int { timeseries.reduce(0) { $0 + $1.samples.count } }
}
