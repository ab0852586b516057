#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Adds samples into per-function flat and cum indexed by dense function index.
///
/// Reused across groups of samples (one span after another): ``drain(_:limit:rankIndex:)``
/// returns the functions touched since the last drain and clears only those, so a breakdown over
/// many spans costs the frames it reads, not spans × functions.
struct FunctionAggregator {
    let typeCount: Int
    let functionCount: Int
    private(set) var totals: [Int64]
    private(set) var sampleCount = 0
    /// Per function, the last sample that counted it in its cum (-1: untouched since the last
    /// drain). Apart from `rows` so that the check every frame makes stays in the L1 cache.
    private var stamps: [Int32]
    /// Per function, one row of `stride` values the per-frame loop updates together (one cache
    /// line instead of one per array): the sample types with an inlined call into it, those with
    /// a real call into it, then its cum per sample type.
    private var rows: [Int64]
    private let stride: Int
    private var flat: [Int64]
    private var touched: [Int32] = []
    /// Per location: its function when it has exactly one frame (most do), else -1.
    private let singleFunction: [Int32]
    private let frameStarts: [Int32]
    private let frames: [Int32]

    fileprivate static let inlinedSlot = 0
    fileprivate static let calledSlot = 1
    fileprivate static let cumSlot = 2

    /// An aggregator for the samples of `profile`, which needs its functions, sample types and
    /// locations (not its samples: a decoder may add them as it reads them).
    init(profile: Profile) {
        let functionCount = profile.functions.count
        let typeCount = profile.sampleTypes.count
        self.typeCount = typeCount
        self.functionCount = functionCount
        self.stride = typeCount + Self.cumSlot
        self.totals = [Int64](repeating: 0, count: typeCount)
        self.flat = [Int64](repeating: 0, count: functionCount * typeCount)
        self.stamps = [Int32](repeating: -1, count: functionCount)
        self.rows = [Int64](repeating: 0, count: functionCount * (typeCount + Self.cumSlot))
        let starts = profile.locationFrameStarts
        let frames = profile.locationFrames
        self.frameStarts = starts
        self.frames = frames
        self.singleFunction = (0..<(starts.count - 1)).map { location in
            starts[location + 1] - starts[location] == 1 ? frames[Int(starts[location])] : -1
        }
    }

    /// Adds the samples `samples` yields (indices into `profile`, the profile the aggregator was
    /// made for), each once.
    mutating func add(samples: some Sequence<Int>, of profile: Profile) {
        let types = typeCount
        profile.sampleValues.withUnsafeBufferPointer { values in
            profile.sampleLocationStarts.withUnsafeBufferPointer { starts in
                profile.sampleLocations.withUnsafeBufferPointer { locations in
                    accumulate { accumulator in
                        for sample in samples {
                            accumulator.add(
                                stamp: sample,
                                locations: UnsafeBufferPointer(rebasing: locations[Int(starts[sample])..<Int(starts[sample + 1])]),
                                values: values.baseAddress.map { $0 + sample * types }
                            )
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with an ``Accumulator`` over this aggregator's arrays, valid only inside it:
    /// the arrays are reached through pointers taken once, not once per sample.
    mutating func accumulate<Result>(_ body: (inout Accumulator) -> Result) -> Result {
        // Every function is touched at most once between drains.
        let touchedBefore = touched.count
        touched.append(contentsOf: repeatElement(0, count: functionCount - touchedBefore))
        let types = typeCount
        let stride = self.stride
        var touchedAfter = touchedBefore
        var added = 0
        let result = singleFunction.withUnsafeBufferPointer { singleFunction in
            frameStarts.withUnsafeBufferPointer { frameStarts in
                frames.withUnsafeBufferPointer { frames in
                    totals.withUnsafeMutableBufferPointer { totals in
                        flat.withUnsafeMutableBufferPointer { flat in
                            rows.withUnsafeMutableBufferPointer { rows in
                              stamps.withUnsafeMutableBufferPointer { stamps in
                                touched.withUnsafeMutableBufferPointer { touched in
                                    var accumulator = Accumulator(
                                        types: types,
                                        stride: stride,
                                        singleFunction: singleFunction,
                                        frameStarts: frameStarts,
                                        frames: frames,
                                        totals: totals,
                                        flat: flat,
                                        rows: rows,
                                        stamps: stamps,
                                        touched: touched,
                                        touchedCount: touchedBefore
                                    )
                                    let result = body(&accumulator)
                                    touchedAfter = accumulator.touchedCount
                                    added = accumulator.added
                                    return result
                                }
                              }
                            }
                        }
                    }
                }
            }
        }
        touched.removeLast(touched.count - touchedAfter)
        sampleCount += added
        return result
    }

    /// Adds samples into a ``FunctionAggregator`` through pointers; see
    /// ``FunctionAggregator/accumulate(_:)``.
    ///
    /// ``add(stamp:locations:values:)`` is the hot loop of every summary: one iteration per frame
    /// of every sample.
    struct Accumulator {
        let types: Int
        let stride: Int
        let singleFunction: UnsafeBufferPointer<Int32>
        let frameStarts: UnsafeBufferPointer<Int32>
        let frames: UnsafeBufferPointer<Int32>
        let totals: UnsafeMutableBufferPointer<Int64>
        let flat: UnsafeMutableBufferPointer<Int64>
        let rows: UnsafeMutableBufferPointer<Int64>
        let stamps: UnsafeMutableBufferPointer<Int32>
        let touched: UnsafeMutableBufferPointer<Int32>
        var touchedCount: Int
        var added = 0

        /// Adds one sample: its values to the totals, to the flat of its leaf frame's function and
        /// to the cum of each distinct function of its stack (recursion counts once).
        ///
        /// - Parameters:
        ///   - stamp: a number no other sample added since the last drain has (its index).
        ///   - locations: the sample's dense location indices, leaf first.
        ///   - values: its `types` values (nil only when there are none).
        @inline(__always)
        mutating func add(stamp: Int, locations: UnsafeBufferPointer<Int32>, values: UnsafePointer<Int64>?) {
            added += 1
            guard let values else { return }
            var nonZero: UInt64 = 0
            for type in 0..<types {
                let value = values[type]
                totals[type] &+= value
                if value != 0, type < 64 { nonZero |= 1 << UInt64(type) }
            }
            if nonZero == 0 || locations.isEmpty { return }
            var frame = FrameVisit(
                stamp: Int32(truncatingIfNeeded: stamp),
                nonZero: Int64(bitPattern: nonZero),
                values: values,
                types: types,
                stride: stride,
                rows: rows.baseAddress!,
                stamps: stamps.baseAddress!,
                touched: touched.baseAddress!,
                touchedCount: touchedCount
            )
            var isLeaf = true
            for location in locations {
                let single = singleFunction[Int(location)]
                if single >= 0 {
                    frame.visit(Int(single), inlined: false)
                    if isLeaf {
                        FunctionAggregator.addRow(values, to: flat.baseAddress! + Int(single) * types, types)
                        isLeaf = false
                    }
                    continue
                }
                var index = Int(frameStarts[Int(location)])
                let last = Int(frameStarts[Int(location) + 1]) - 1
                while index <= last {
                    let function = Int(frames[index])
                    frame.visit(function, inlined: index != last)
                    if isLeaf {
                        FunctionAggregator.addRow(values, to: flat.baseAddress! + function * types, types)
                        isLeaf = false
                    }
                    index += 1
                }
            }
            touchedCount = frame.touchedCount
        }
    }

    /// One sample's walk up its stack: counts each distinct function once in cum and marks how
    /// each function was called by the next frame up.
    private struct FrameVisit {
        let stamp: Int32
        let nonZero: Int64
        let values: UnsafePointer<Int64>
        let types: Int
        let stride: Int
        let rows: UnsafeMutablePointer<Int64>
        let stamps: UnsafeMutablePointer<Int32>
        let touched: UnsafeMutablePointer<Int32>
        var touchedCount: Int
        /// The row of the frame below (the callee), and which call slot this frame marks in it.
        var calleeRow = -1
        var calleeSlot = FunctionAggregator.calledSlot

        /// Visits a frame of `function`; `inlined` when the next frame up is in the same location
        /// (the function was inlined into it).
        @inline(__always)
        mutating func visit(_ function: Int, inlined: Bool) {
            let row = function &* stride
            let previous = stamps[function]
            if previous != stamp {
                if previous == -1 {
                    touched[touchedCount] = Int32(truncatingIfNeeded: function)
                    touchedCount &+= 1
                }
                stamps[function] = stamp
                FunctionAggregator.addRow(values, to: rows + row + FunctionAggregator.cumSlot, types)
            }
            if calleeRow >= 0, calleeRow != row {
                rows[calleeRow + calleeSlot] |= nonZero
            }
            calleeRow = row
            calleeSlot = inlined ? FunctionAggregator.inlinedSlot : FunctionAggregator.calledSlot
        }
    }

    /// `target[row..<row + types] += values[base..<base + types]`, unrolled for the usual one to
    /// three sample types.
    @inline(__always)
    fileprivate static func addRow(_ values: UnsafePointer<Int64>, to target: UnsafeMutablePointer<Int64>, _ types: Int) {
        switch types {
        case 1:
            target[0] &+= values[0]
        case 2:
            target[0] &+= values[0]
            target[1] &+= values[1]
        case 3:
            target[0] &+= values[0]
            target[1] &+= values[1]
            target[2] &+= values[2]
        default:
            for type in 0..<types { target[type] &+= values[type] }
        }
    }

    /// The functions touched since the last drain, with their flat and cum; clears them.
    ///
    /// With a `limit`, only the `limit` functions with the largest flat (then cum) in sample type
    /// `rankIndex` are returned, chosen on the raw arrays before any summary is built.
    mutating func drain(_ functions: [ProfileFunction], limit: Int? = nil, rankIndex: Int = 0) -> [FunctionSummary] {
        let result = summaries(functions, limit: limit, rankIndex: rankIndex)
        clear()
        return result
    }

    /// The functions touched since the last drain, with their flat and cum, leaving the
    /// aggregator as it is; `limit` and `rankIndex` as for ``drain(_:limit:rankIndex:)``.
    func summaries(_ functions: [ProfileFunction], limit: Int? = nil, rankIndex: Int = 0) -> [FunctionSummary] {
        var chosen = touched
        let types = typeCount
        let stride = self.stride
        if let limit, limit < chosen.count, types > 0 {
            chosen = flat.withUnsafeBufferPointer { flat in
                rows.withUnsafeBufferPointer { rows in
                    touched.sorted { left, right in
                        let l = Int(left) * types + rankIndex
                        let r = Int(right) * types + rankIndex
                        if abs(flat[l]) != abs(flat[r]) { return abs(flat[l]) > abs(flat[r]) }
                        let lc = Int(left) * stride + Self.cumSlot + rankIndex
                        let rc = Int(right) * stride + Self.cumSlot + rankIndex
                        if abs(rows[lc]) != abs(rows[rc]) { return abs(rows[lc]) > abs(rows[rc]) }
                        return left < right
                    }
                }
            }
            chosen.removeLast(chosen.count - Swift.max(limit, 0))
        }
        return summaries(of: chosen, functions)
    }

    /// The functions touched since the last drain whose flat or cum is not all zero, ordered by
    /// name then filename (`(name, filename) <`), leaving the aggregator as it is.
    ///
    /// Chosen and ordered on the raw arrays, so only the summaries returned are built: when every
    /// name and filename is ASCII (and no name holds a NUL), by comparing the bytes of one
    /// contiguous key per function (name, NUL, filename) instead of comparing Strings.
    func nonZeroSummariesByName(_ functions: [ProfileFunction]) -> [FunctionSummary] {
        let types = typeCount
        let stride = self.stride
        var chosen: [Int32] = []
        chosen.reserveCapacity(touched.count)
        for function in touched {
            let index = Int(function)
            var nonZero = false
            for type in 0..<types where flat[index * types + type] != 0 || rows[index * stride + Self.cumSlot + type] != 0 {
                nonZero = true
                break
            }
            if nonZero { chosen.append(function) }
        }
        var keys: [UInt8] = []
        var starts: [Int] = [0]
        starts.reserveCapacity(chosen.count + 1)
        var bits: UInt8 = 0
        var nameHasNUL = false
        for function in chosen {
            let nameStart = keys.count
            keys.append(contentsOf: functions[Int(function)].name.utf8)
            for byte in keys[nameStart...] {
                bits |= byte
                if byte == 0 { nameHasNUL = true }
            }
            keys.append(0)
            let filenameStart = keys.count
            keys.append(contentsOf: functions[Int(function)].filename.utf8)
            for byte in keys[filenameStart...] { bits |= byte }
            starts.append(keys.count)
        }
        if bits < 0x80, !nameHasNUL {
            // For ASCII, String's order is the order of the bytes. Each key's first eight bytes,
            // big-endian in an integer (zero-padded), order most pairs without touching the keys;
            // equal prefixes fall back to comparing the whole keys.
            var order: [(prefix: UInt64, index: Int32)] = []
            order.reserveCapacity(chosen.count)
            keys.withUnsafeBufferPointer { keys in
                for index in chosen.indices {
                    var prefix: UInt64 = 0
                    let start = starts[index]
                    let end = Swift.min(start + 8, starts[index + 1])
                    for position in start..<(start + 8) {
                        prefix = prefix << 8 | UInt64(position < end ? keys[position] : 0)
                    }
                    order.append((prefix, Int32(index)))
                }
            }
            keys.withUnsafeBufferPointer { keys in
                starts.withUnsafeBufferPointer { starts in
                    let base = keys.baseAddress!
                    order.sort { left, right in
                        if left.prefix != right.prefix { return left.prefix < right.prefix }
                        let leftStart = starts[Int(left.index)]
                        let leftCount = starts[Int(left.index) + 1] - leftStart
                        let rightStart = starts[Int(right.index)]
                        let rightCount = starts[Int(right.index) + 1] - rightStart
                        let compared = memcmp(base + leftStart, base + rightStart, Swift.min(leftCount, rightCount))
                        return compared != 0 ? compared < 0 : leftCount < rightCount
                    }
                }
            }
            chosen = order.map { chosen[Int($0.index)] }
        } else {
            chosen.sort { left, right in
                let l = functions[Int(left)]
                let r = functions[Int(right)]
                return (l.name, l.filename) < (r.name, r.filename)
            }
        }
        return summaries(of: chosen, functions)
    }

    /// The summaries of the functions `chosen` (dense indices), in that order.
    private func summaries(of chosen: [Int32], _ functions: [ProfileFunction]) -> [FunctionSummary] {
        let types = typeCount
        var result: [FunctionSummary] = []
        result.reserveCapacity(chosen.count)
        for function in chosen {
            let index = Int(function)
            let row = index * stride
            result.append(
                FunctionSummary(
                    name: functions[index].name,
                    filename: functions[index].filename,
                    flat: Array(flat[(index * types)..<(index * types + types)]),
                    cum: Array(rows[(row + Self.cumSlot)..<(row + Self.cumSlot + types)]),
                    inlinedCalls: UInt64(bitPattern: rows[row + Self.inlinedSlot]),
                    realCalls: UInt64(bitPattern: rows[row + Self.calledSlot])
                )
            )
        }
        return result
    }

    /// Forgets every sample added since the last drain.
    private mutating func clear() {
        let types = typeCount
        let stride = self.stride
        for function in touched {
            let index = Int(function)
            for type in 0..<types { flat[index * types + type] = 0 }
            let row = index * stride
            stamps[index] = -1
            for slot in 0..<stride { rows[row + slot] = 0 }
        }
        touched.removeAll(keepingCapacity: true)
        for type in 0..<types { totals[type] = 0 }
        sampleCount = 0
    }
}
