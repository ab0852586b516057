/// A profile's samples added up per distinct stack of functions: what is kept of a profile so
/// that profiles can be merged over time and labels without decoding them again.
///
/// A stack is the sample's frames from the root to the leaf, each a function (inlined frames
/// are functions of their own, as in ``Profile/flameGraph(sampleTypeIndex:spanID:filters:)``);
/// samples with equal stacks are summed, whatever their labels.
public struct ProfileStacks: Sendable, Hashable, Codable {
    /// Per stack, where its functions start in ``functionIndices``; one more than there are stacks.
    public var functionStarts: [Int32] = [0]
    /// The stacks' functions, indices into the profile's ``Profile/functions``, root first.
    public var functionIndices: [Int32] = []
    /// The summed values, stack-major: `values[stack * sampleTypeCount + type]`.
    public var values: [Int64] = []
    public let sampleTypeCount: Int

    public init(sampleTypeCount: Int) {
        self.sampleTypeCount = sampleTypeCount
    }

    /// The number of distinct stacks.
    public var count: Int { functionStarts.count - 1 }

    /// The functions of stack `index`, root first.
    public func functions(ofStack index: Int) -> ArraySlice<Int32> {
        functionIndices[Int(functionStarts[index])..<Int(functionStarts[index + 1])]
    }
}

extension Profile {
    /// The samples summed per distinct stack (see ``ProfileStacks``). Samples whose values are
    /// all zero are left out.
    ///
    /// - Parameter spanIDs: keep only the samples labelled with one of these spans (16 hex
    ///   digits, as ``spanBreakdown(functionLimit:)`` names spans); nil keeps every sample.
    public func stacks(spanIDs: Set<String>? = nil) -> ProfileStacks {
        guard let spanIDs else { return stacks(ofSamples: 0..<sampleCount) }
        let ofSpans = labels.map { label in
            let role = SpanLabelRole(key: label.key)
            return role.spanPriority != nil && spanIDs.contains(role.normalized(label))
        }
        return stacks(ofSamples: (0..<sampleCount).lazy.filter { sample in
            (Int(self.sampleLabelStarts[sample])..<Int(self.sampleLabelStarts[sample + 1])).contains { ofSpans[Int(self.sampleLabels[$0])] }
        })
    }

    /// The given samples summed per distinct stack.
    public func stacks(ofSamples samples: some Sequence<Int>) -> ProfileStacks {
        let typeCount = sampleTypes.count
        var result = ProfileStacks(sampleTypeCount: typeCount)
        var indexOfStack: [[Int32]: Int] = [:]
        var frames: [Int32] = []
        for sample in samples {
            let values = sampleValues[(sample * typeCount)..<((sample + 1) * typeCount)]
            if values.allSatisfy({ $0 == 0 }) { continue }
            frames.removeAll(keepingCapacity: true)
            let locations = Int(sampleLocationStarts[sample])..<Int(sampleLocationStarts[sample + 1])
            for position in locations.reversed() {
                let location = Int(sampleLocations[position])
                for frame in (Int(locationFrameStarts[location])..<Int(locationFrameStarts[location + 1])).reversed() {
                    frames.append(locationFrames[frame])
                }
            }
            let index: Int
            if let known = indexOfStack[frames] {
                index = known
            } else {
                index = result.count
                indexOfStack[frames] = index
                result.functionIndices.append(contentsOf: frames)
                result.functionStarts.append(Int32(result.functionIndices.count))
                result.values.append(contentsOf: repeatElement(0, count: typeCount))
            }
            for (offset, value) in values.enumerated() {
                result.values[index * typeCount + offset] &+= value
            }
        }
        return result
    }
}
