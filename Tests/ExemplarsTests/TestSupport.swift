import Foundation
import Testing

@testable import Exemplars

/// Paths of the shared fixtures, found from this file so tests run from any directory.
enum FixturePath {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let pprofGo119 = testsDirectory.deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pprof-go119")
    static let metrics = pprofGo119.appendingPathComponent("metrics.om.txt")
    static let spans = pprofGo119.appendingPathComponent("spans.json")
    static let expectedExemplars = testsDirectory.appendingPathComponent("Fixtures/metrics.om.expected.json")

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}

/// The error a text exposition raises, or nil when it parses.
func expositionError(
    _ text: String,
    format: ExpositionFormat = .openMetrics,
    limits: ExemplarLimits = .default
) -> ExpositionError? {
    expositionError(Array(text.utf8), format: format, limits: limits)
}

func expositionError(
    _ bytes: [UInt8],
    format: ExpositionFormat = .openMetrics,
    limits: ExemplarLimits = .default
) -> ExpositionError? {
    do {
        _ = try ExpositionParser(format: format, limits: limits).samples(in: bytes)
        return nil
    } catch {
        return error
    }
}

func samples(_ text: String, format: ExpositionFormat = .openMetrics) throws -> [ExpositionSample] {
    try ExpositionParser(format: format).samples(in: Array(text.utf8))
}
