#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// pprof's unit scaling and number formatting (its `measurement` package), so text reports read
/// exactly like `go tool pprof`'s: bytes scale by 1024 (`kB`, `MB`), times by 1000 up to `s`
/// then `hrs`, values print with two decimals and a trailing `.00` dropped.
public enum PprofUnits {
    private struct Unit {
        let name: String
        let aliases: [String]
        let factor: Double
    }

    private struct UnitType {
        let units: [Unit]
        let defaultUnit: Unit

        func sniff(_ unit: String) -> Unit? {
            var unit = unit.lowercased()
            if unit.count > 2, unit.hasSuffix("s") { unit.removeLast() }
            return units.first { $0.aliases.contains(unit) }
        }

        func convert(_ value: Int64, from: String, to: String) -> (Double, String)? {
            guard let fromUnit = sniff(from) else { return nil }
            let scaled = Double(value) * fromUnit.factor
            if to == "minimum" || to == "auto" {
                var factor = 0.0
                var name = ""
                for unit in units where unit.factor >= factor && scaled / unit.factor >= 1 {
                    factor = unit.factor
                    name = unit.name
                }
                if factor == 0 { return (scaled / defaultUnit.factor, defaultUnit.name) }
                return (scaled / factor, name)
            }
            guard let toUnit = sniff(to) else { return (scaled / defaultUnit.factor, defaultUnit.name) }
            return (scaled / toUnit.factor, toUnit.name)
        }
    }

    private static let unitTypes: [UnitType] = [
        UnitType(
            units: [
                Unit(name: "B", aliases: ["b", "byte"], factor: 1),
                Unit(name: "kB", aliases: ["kb", "kbyte", "kilobyte"], factor: 1024),
                Unit(name: "MB", aliases: ["mb", "mbyte", "megabyte"], factor: 1024 * 1024),
                Unit(name: "GB", aliases: ["gb", "gbyte", "gigabyte"], factor: 1024 * 1024 * 1024),
                Unit(name: "TB", aliases: ["tb", "tbyte", "terabyte"], factor: 1_099_511_627_776),
                Unit(name: "PB", aliases: ["pb", "pbyte", "petabyte"], factor: 1_125_899_906_842_624),
            ],
            defaultUnit: Unit(name: "B", aliases: ["b", "byte"], factor: 1)
        ),
        UnitType(
            units: [
                Unit(name: "ns", aliases: ["ns", "nanosecond"], factor: 1),
                Unit(name: "us", aliases: ["μs", "us", "microsecond"], factor: 1e3),
                Unit(name: "ms", aliases: ["ms", "millisecond"], factor: 1e6),
                Unit(name: "s", aliases: ["s", "sec", "second"], factor: 1e9),
                Unit(name: "hrs", aliases: ["hour", "hr"], factor: 3600e9),
            ],
            defaultUnit: Unit(name: "s", aliases: [], factor: 1e9)
        ),
        UnitType(
            units: [
                Unit(name: "n*GCU", aliases: ["nanogcu"], factor: 1e-9),
                Unit(name: "u*GCU", aliases: ["microgcu"], factor: 1e-6),
                Unit(name: "m*GCU", aliases: ["milligcu"], factor: 1e-3),
                Unit(name: "GCU", aliases: ["gcu"], factor: 1),
                Unit(name: "k*GCU", aliases: ["kilogcu"], factor: 1e3),
                Unit(name: "M*GCU", aliases: ["megagcu"], factor: 1e6),
                Unit(name: "G*GCU", aliases: ["gigagcu"], factor: 1e9),
                Unit(name: "T*GCU", aliases: ["teragcu"], factor: 1e12),
                Unit(name: "P*GCU", aliases: ["petagcu"], factor: 1e15),
            ],
            defaultUnit: Unit(name: "GCU", aliases: [], factor: 1)
        ),
    ]

    /// `value` in `unit` converted to `target` (a unit, or `minimum`/`auto` to pick the largest
    /// unit the value reaches 1 in). The returned unit is empty for counts.
    public static func scale(_ value: Int64, unit: String, to target: String) -> (value: Double, unit: String) {
        if value < 0, value != .min {
            let (scaled, name) = scale(-value, unit: unit, to: target)
            return (-scaled, name)
        }
        for type in unitTypes {
            if let result = type.convert(value, from: unit, to: target) { return result }
        }
        switch target {
        case "count", "sample", "unit", "minimum", "auto": return (Double(value), "")
        default: return (Double(value), target)
        }
    }

    /// pprof's `ScaledLabel`: the scaled value with two decimals, `.00` dropped, and its unit
    /// (`1.09s`, `54MB`, `0`).
    public static func scaledLabel(_ value: Int64, unit: String, to target: String) -> String {
        let (scaled, name) = scale(value, unit: unit, to: target)
        var text = format("%.2f", scaled)
        if text.hasSuffix(".00") { text.removeLast(3) }
        if text == "0" || text == "-0" { return "0" }
        return text + name
    }

    /// pprof's `Percentage`: `100%` near one hundred, two decimals from 1%, two significant digits
    /// below, right-aligned in five characters plus the sign.
    public static func percentage(_ value: Int64, of total: Int64) -> String {
        var ratio = 0.0
        if total != 0 { ratio = abs(Double(value) / Double(total)) * 100 }
        if ratio >= 99.95 && ratio <= 100.05 { return "  100%" }
        if ratio >= 1 { return format("%5.2f", ratio) + "%" }
        return format("%5.2g", ratio) + "%"
    }

    /// The unit pprof assumes for a numeric label without `num_unit`.
    static func numericLabelUnit(key: String, unit: String?) -> String {
        if let unit, !unit.isEmpty { return unit }
        switch key {
        case "alignment", "request": return "bytes"
        default: return key
        }
    }

    /// printf-style formatting of one double (Go's `fmt` and C agree on `%f`, `%g`, `%e`).
    public static func format(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let written = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { pointer in
                vsnprintf(pointer.baseAddress, pointer.count, format, arguments)
            }
        }
        if written >= 64 {
            buffer = [CChar](repeating: 0, count: Int(written) + 1)
            _ = withVaList([value]) { arguments in
                buffer.withUnsafeMutableBufferPointer { pointer in
                    vsnprintf(pointer.baseAddress, pointer.count, format, arguments)
                }
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
