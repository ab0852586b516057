/// Adds samples into per-function flat and cum arrays indexed by dense function index.
///
/// Reused across groups of samples (one span after another): ``drain(_:)`` returns the functions
/// touched since the last drain and clears only those, so a breakdown over many spans costs the
/// frames it reads, not spans × functions.
struct FunctionAggregator {
    let typeCount: Int
    private(set) var totals: [Int64]
    private(set) var sampleCount = 0
    private var flat: [Int64]
    private var cum: [Int64]
    private var stamp: [Int32]
    private var inlined: [UInt64]
    private var called: [UInt64]
    private var touched: [Int32] = []

    init(functionCount: Int, typeCount: Int) {
        self.typeCount = typeCount
        self.totals = [Int64](repeating: 0, count: typeCount)
        self.flat = [Int64](repeating: 0, count: functionCount * typeCount)
        self.cum = [Int64](repeating: 0, count: functionCount * typeCount)
        self.stamp = [Int32](repeating: -1, count: functionCount)
        self.inlined = [UInt64](repeating: 0, count: functionCount)
        self.called = [UInt64](repeating: 0, count: functionCount)
    }

    /// Adds sample `sample` of `profile`: its values to the totals, to the flat of its leaf frame's
    /// function and to the cum of each distinct function of its stack.
    mutating func add(sample: Int, of profile: Profile) {
        let types = typeCount
        let valueBase = sample * types
        var nonZero: UInt64 = 0
        profile.sampleValues.withUnsafeBufferPointer { values in
            for type in 0..<types {
                let value = values[valueBase + type]
                totals[type] &+= value
                if value != 0, type < 64 { nonZero |= 1 << UInt64(type) }
            }
        }
        sampleCount += 1
        if nonZero == 0 { return }
        Self.addFrames(
            sample: sample,
            profile: profile,
            types: types,
            nonZero: nonZero,
            flat: &flat,
            cum: &cum,
            stamp: &stamp,
            inlined: &inlined,
            called: &called,
            touched: &touched
        )
    }

    private static func addFrames(
        sample: Int,
        profile: Profile,
        types: Int,
        nonZero: UInt64,
        flat: inout [Int64],
        cum: inout [Int64],
        stamp: inout [Int32],
        inlined: inout [UInt64],
        called: inout [UInt64],
        touched: inout [Int32]
    ) {
        let valueBase = sample * types
        let stampValue = Int32(truncatingIfNeeded: sample)
        let locations = Int(profile.sampleLocationStarts[sample])..<Int(profile.sampleLocationStarts[sample + 1])
        profile.sampleValues.withUnsafeBufferPointer { values in
            profile.sampleLocations.withUnsafeBufferPointer { sampleLocations in
                profile.locationFrameStarts.withUnsafeBufferPointer { frameStarts in
                    profile.locationFrames.withUnsafeBufferPointer { frames in
                        flat.withUnsafeMutableBufferPointer { flat in
                            cum.withUnsafeMutableBufferPointer { cum in
                                stamp.withUnsafeMutableBufferPointer { stamp in
                                    inlined.withUnsafeMutableBufferPointer { inlined in
                                        called.withUnsafeMutableBufferPointer { called in
                                    var isLeaf = true
                                    var callee = -1
                                    var calleeInlined = false
                                    for position in locations {
                                        let location = Int(sampleLocations[position])
                                        let first = Int(frameStarts[location])
                                        let last = Int(frameStarts[location + 1]) - 1
                                        var frame = first
                                        while frame <= last {
                                            let function = Int(frames[frame])
                                            let row = function * types
                                            if isLeaf {
                                                for type in 0..<types { flat[row + type] &+= values[valueBase + type] }
                                                isLeaf = false
                                            }
                                            if stamp[function] != stampValue {
                                                if stamp[function] == -1 { touched.append(Int32(function)) }
                                                stamp[function] = stampValue
                                                for type in 0..<types { cum[row + type] &+= values[valueBase + type] }
                                            }
                                            if callee >= 0, callee != function {
                                                if calleeInlined {
                                                    inlined[callee] |= nonZero
                                                } else {
                                                    called[callee] |= nonZero
                                                }
                                            }
                                            callee = function
                                            calleeInlined = frame != last
                                            frame += 1
                                        }
                                    }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The functions touched since the last drain, with their flat and cum; clears them.
    ///
    /// With a `limit`, only the `limit` functions with the largest flat (then cum) in sample type
    /// `rankIndex` are returned, chosen on the raw arrays before any summary is built.
    mutating func drain(_ functions: [ProfileFunction], limit: Int? = nil, rankIndex: Int = 0) -> [FunctionSummary] {
        var chosen = touched
        if let limit, limit < chosen.count, typeCount > 0 {
            let types = typeCount
            chosen = flat.withUnsafeBufferPointer { flat in
                cum.withUnsafeBufferPointer { cum in
                    touched.sorted { left, right in
                        let l = Int(left) * types + rankIndex
                        let r = Int(right) * types + rankIndex
                        if abs(flat[l]) != abs(flat[r]) { return abs(flat[l]) > abs(flat[r]) }
                        if abs(cum[l]) != abs(cum[r]) { return abs(cum[l]) > abs(cum[r]) }
                        return left < right
                    }
                }
            }
            chosen.removeLast(chosen.count - Swift.max(limit, 0))
        }
        var result: [FunctionSummary] = []
        result.reserveCapacity(chosen.count)
        for function in chosen {
            let index = Int(function)
            let row = index * typeCount
            result.append(
                FunctionSummary(
                    name: functions[index].name,
                    filename: functions[index].filename,
                    flat: Array(flat[row..<(row + typeCount)]),
                    cum: Array(cum[row..<(row + typeCount)]),
                    inlinedCalls: inlined[index],
                    realCalls: called[index]
                )
            )
        }
        for function in touched {
            let index = Int(function)
            let row = index * typeCount
            for type in 0..<typeCount {
                flat[row + type] = 0
                cum[row + type] = 0
            }
            inlined[index] = 0
            called[index] = 0
            stamp[index] = -1
        }
        touched.removeAll(keepingCapacity: true)
        for type in 0..<typeCount { totals[type] = 0 }
        sampleCount = 0
        return result
    }
}
