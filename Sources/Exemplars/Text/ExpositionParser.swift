/// A streaming parser for OpenMetrics 1.0 and Prometheus 0.0.4 text expositions.
///
/// It works on the body's bytes and calls back once per sample line, in order, so a caller can
/// store as it goes; with ``exemplars(in:defaultTimestamp:idKeys:)`` it builds Strings only for
/// the lines that carry an exemplar. Any malformed line, a missing OpenMetrics `# EOF` or a
/// violated limit throws an ``ExpositionError`` naming the line and column. Samples already
/// delivered came from a request that is invalid as a whole: discard them.
///
/// What it checks: the grammar of both formats, UTF-8 in label values, duplicate label names,
/// `# TYPE`/`# HELP`/`# UNIT` placement and uniqueness, OpenMetrics family contiguity, where
/// exemplars may appear, and ``ExemplarLimits``. What it does not check: the semantics of
/// histogram and summary series (bucket order, the `+Inf` bucket, `le` and `quantile`
/// formats, counters being non-negative).
public struct ExpositionParser: Sendable {
    /// The format of the bodies this parser reads.
    public var format: ExpositionFormat
    /// Limits on labels and series.
    public var limits: ExemplarLimits

    public init(format: ExpositionFormat, limits: ExemplarLimits = .default) {
        self.format = format
        self.limits = limits
    }

    /// Parses `bytes`, calling `body` with each sample line.
    public func parse(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (ExpositionSample) -> Void
    ) throws(ExpositionError) {
        var scanner = TextScanner(bytes: bytes, format: format, limits: limits)
        do {
            while try scanner.next() {
                var exemplar: ExpositionExemplar?
                if scanner.hasExemplar {
                    exemplar = ExpositionExemplar(
                        labels: scanner.exemplarLabels(),
                        value: scanner.exemplarValue,
                        timestamp: scanner.exemplarTimestamp
                    )
                }
                body(
                    ExpositionSample(
                        family: scanner.currentFamilyName(),
                        type: scanner.familyType,
                        series: scanner.seriesLabels(),
                        value: scanner.value,
                        timestamp: scanner.timestamp,
                        exemplar: exemplar
                    )
                )
            }
        } catch {
            throw error.located(in: bytes)
        }
    }

    /// Parses `bytes`, calling `body` with each sample line.
    public func parse(_ bytes: [UInt8], _ body: (ExpositionSample) -> Void) throws(ExpositionError) {
        try withRawBytes(bytes) { (raw) throws(ExpositionError) in try parse(raw, body) }
    }

    /// Every sample line of `bytes`.
    public func samples(in bytes: [UInt8]) throws(ExpositionError) -> [ExpositionSample] {
        var samples: [ExpositionSample] = []
        try parse(bytes) { samples.append($0) }
        return samples
    }

    /// The exemplars of `bytes`, validating the whole exposition but building values only for
    /// lines that carry an exemplar.
    ///
    /// - Parameters:
    ///   - defaultTimestamp: milliseconds since the epoch for exemplars without a timestamp
    ///     (the scrape or receive time).
    ///   - idKeys: which exemplar labels hold trace, span and profile ids.
    public func exemplars(
        in bytes: UnsafeRawBufferPointer,
        defaultTimestamp: Int64,
        idKeys: ExemplarIDKeys = .default
    ) throws(ExpositionError) -> [Exemplar] {
        var scanner = TextScanner(bytes: bytes, format: format, limits: limits)
        var exemplars: [Exemplar] = []
        do {
            while try scanner.next() {
                guard scanner.hasExemplar else { continue }
                exemplars.append(
                    Exemplar(
                        series: scanner.seriesLabels(),
                        labels: scanner.exemplarLabels(),
                        value: scanner.exemplarValue,
                        timestamp: scanner.exemplarTimestamp ?? defaultTimestamp,
                        hasExplicitTimestamp: scanner.exemplarTimestamp != nil,
                        idKeys: idKeys
                    )
                )
            }
        } catch {
            throw error.located(in: bytes)
        }
        return exemplars
    }

    /// The exemplars of `bytes`; see ``exemplars(in:defaultTimestamp:idKeys:)-(UnsafeRawBufferPointer,_,_)``.
    public func exemplars(
        in bytes: [UInt8],
        defaultTimestamp: Int64,
        idKeys: ExemplarIDKeys = .default
    ) throws(ExpositionError) -> [Exemplar] {
        try withRawBytes(bytes) { (raw) throws(ExpositionError) in
            try exemplars(in: raw, defaultTimestamp: defaultTimestamp, idKeys: idKeys)
        }
    }
}
