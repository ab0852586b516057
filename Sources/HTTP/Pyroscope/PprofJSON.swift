import Correlator
import ProfileIndex

/// A merge as pprof's `Profile` message in protobuf's JSON mapping (lowerCamelCase names,
/// 64-bit integers as decimal strings): what a Connect JSON client of `SelectMergeProfile`
/// gets. Numbered as ``MergedStacks/pprofEncoder()`` numbers the protobuf form: one function
/// and one location per distinct function, in order of first use, samples by stack id.
enum PprofJSON {
    static func object(_ merged: MergedStacks) -> [String: Any] {
        var strings = [""]
        var stringIndex = ["": 0]
        func string(_ text: String) -> String {
            if let known = stringIndex[text] { return String(known) }
            strings.append(text)
            stringIndex[text] = strings.count - 1
            return String(strings.count - 1)
        }
        let sampleType = merged.sampleType
        let periodType = sampleType.type == "cpu" ? ProfileValueType(type: "cpu", unit: "nanoseconds") : sampleType
        var object: [String: Any] = ["sampleType": [["type": string(sampleType.type), "unit": string(sampleType.unit)]]]
        var functionNumber: [Int64: Int] = [:]
        var functionOrder: [Int64] = []
        var samples: [[String: Any]] = []
        for (stack, value) in merged.values.sorted(by: { $0.key < $1.key }) where value != 0 {
            guard let frames = merged.stacks[stack] else { continue }
            var locations: [String] = []
            for id in frames.reversed() {
                if functionNumber[id] == nil {
                    functionOrder.append(id)
                    functionNumber[id] = functionOrder.count
                }
                locations.append(String(functionNumber[id]!))
            }
            samples.append(["locationId": locations, "value": [String(value)]])
        }
        object["sample"] = samples
        object["location"] = functionOrder.indices.map { ["id": String($0 + 1), "line": [["functionId": String($0 + 1)]]] }
        object["function"] = functionOrder.enumerated().map { index, id in
            let function = merged.functions[id] ?? ProfileFunction(name: "function \(id)", filename: "")
            let name = string(function.name)
            return ["id": String(index + 1), "name": name, "systemName": name, "filename": string(function.filename)]
        }
        object["periodType"] = ["type": string(periodType.type), "unit": string(periodType.unit)]
        object["stringTable"] = strings
        if merged.startNanos != 0 { object["timeNanos"] = String(merged.startNanos) }
        if merged.durationNanos != 0 { object["durationNanos"] = String(merged.durationNanos) }
        if merged.period != 0 { object["period"] = String(merged.period) }
        return object
    }
}
