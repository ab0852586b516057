import Exemplars
import Foundation
import Logging
import PostgresNIO
import ProfileIndex

/// Why was this request slow? Ranked causes for one span (by default a trace's root), each with
/// its evidence, found by comparing the request with its peers — the same service and route in
/// the same window:
///
/// - **slower than its peers**: the span's own CPU samples against the route's fast requests
///   (per request): the narrowest function that holds most of the extra CPU time;
/// - **peer evidence**: with too few samples of its own (spans shorter than the sampling
///   period), the same comparison with the merged samples of the route's slow requests
///   (duration above the route's p90), labelled as theirs, never as the span's;
/// - **off-CPU**: wall time minus CPU time, attributed with the block, mutex and goroutine
///   profiles of the service in the window: the route's function that waited, and on what;
/// - **changed after a deploy**: the route before and after a change of `service.version`
///   (or a `version` attribute) in the window, when it got slower;
/// - nothing unusual: a request not clearly slower than its peers gets no cause.
public struct RequestExplainer: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// Peers are the route's spans within this much of the request.
    public static let window: Int64 = 1_800_000_000_000
    /// The most peers a group merges.
    static let largestGroup = 2000

    // MARK: Thresholds

    /// A request is worth explaining when at least this many times its reference median…
    static let slowFactor = 1.5
    /// …and at least this much slower (nanoseconds).
    static let slowMargin: Int64 = 3_000_000
    /// A route changed with a deploy when its median grew at least this much.
    static let deployFactor = 1.3
    /// Own samples needed to speak of the span's own CPU time.
    static let ownSamplesNeeded: Int64 = 2
    /// A function is the cause while it holds at least this share of the extra time.
    static let holdsMost = 0.5

    /// The explanation of span `spanID` (nil: the trace's root, else its longest span) of
    /// trace `traceID`; nil when the trace has no span stored (or, with `strictSpan`, not that
    /// span; without it an unknown span falls back to the root).
    public func explain(tenant: String, traceID: TraceID, spanID: SpanID? = nil, strictSpan: Bool = true) async throws -> RequestExplanation? {
        let spans = try await store.spans(ofTrace: traceID, tenant: tenant)
        var target = spanID.flatMap { id in spans.first { $0.spanID == id } }
        if target == nil, spanID == nil || !strictSpan {
            let inTrace = Set(spans.map(\.spanID))
            let roots = spans.filter { $0.parentSpanID.map { !inTrace.contains($0) } ?? true }
            target = (roots.isEmpty ? spans : roots).max { $0.durationNanos < $1.durationNanos }
        }
        guard let span = target else { return nil }
        return try await explain(tenant: tenant, span: span)
    }

    /// The explanation of one stored span.
    public func explain(tenant: String, span: StoredSpan) async throws -> RequestExplanation {
        let version = Self.version(span.attributesJSON)
        let from = span.startUnixNano - Self.window, to = span.startUnixNano + Self.window
        let peers = try await store.routePeers(tenant: tenant, service: span.service, name: span.name, from: from, to: to)
            .filter { $0.spanID != span.spanID.hexString }
        var analysis = PeerAnalysis(span: span, version: version, peers: peers)
        var request = RequestExplanation.Request(
            traceID: span.traceID.hexString, spanID: span.spanID.hexString, service: span.service, name: span.name,
            version: version, start: span.startRFC3339, durationMs: Self.ms(span.durationNanos),
            baselineMs: analysis.baseline.map(Self.ms), peers: peers.count
        )
        guard let baseline = analysis.baseline else {
            return RequestExplanation(request: request, causes: [], summary: "no other \(span.name) request of \(span.service) within 30 minutes to compare with")
        }
        guard analysis.isSlow else {
            return RequestExplanation(
                request: request, causes: [],
                summary: "nothing unusual: \(Self.text(span.durationNanos)), the route's median is \(Self.text(baseline))"
            )
        }

        // The samples of every group, one read.
        let query = ProfileMergeQuery(service: span.service, kind: .cpu, sampleType: "cpu", from: from, to: to)
        var merges: [MergedStacks]
        do {
            merges = try await store.mergeSpanGroups(tenant: tenant, query: query, groups: [
                [span.spanID.hexString], analysis.fast.map(\.spanID), analysis.slow.map(\.spanID), analysis.before.map(\.spanID),
                analysis.after.map(\.spanID), analysis.all.map(\.spanID),
            ])
        } catch is UnknownMergeSampleTypeError {
            var none = ProfileMergeQuery(service: span.service, kind: .cpu, from: from, to: to)
            none.sampleType = nil
            merges = try await store.mergeSpanGroups(tenant: tenant, query: none, groups: [[], [], [], [], [], []])
        }
        let (own, fast, slow, before, after, route) = (merges[0], merges[1], merges[2], merges[3], merges[4], merges[5])
        let period = max(own.period, route.period, 1)
        let ownSamples = own.total / period
        request.ownSamples = Int(ownSamples)
        request.cpuMs = own.total > 0 ? Self.ms(own.total) : nil

        var causes: [ExplainedCause] = []
        let extraWall = span.durationNanos - baseline

        // Changed after a deploy: the route before and after the version change.
        if let change = analysis.deploy, !before.values.isEmpty || !after.values.isEmpty {
            if let found = Self.narrowest(current: after, count: analysis.after.count, reference: before, count: analysis.before.count) {
                let strong = analysis.before.count >= 20 && analysis.after.count >= 20 && found.extra >= Self.holdsMost * Double(change.afterMedian - change.beforeMedian)
                causes.append(ExplainedCause(
                    kind: .changedAfterDeploy, function: found.function, stack: found.stack, extraMsPerRequest: found.extra / 1e6,
                    evidence: .init(peers: peers.count, beforeVersion: change.before, afterVersion: change.after,
                                    beforeRequests: analysis.before.count, afterRequests: analysis.after.count,
                                    beforeMedianMs: Self.ms(change.beforeMedian), afterMedianMs: Self.ms(change.afterMedian)),
                    confidence: strong ? .high : .medium,
                    summary: "\(span.name) got slower after \(change.after) replaced \(change.before) (median \(Self.text(change.beforeMedian)) → \(Self.text(change.afterMedian))): \(found.function) takes \(Self.text(Int64(found.extra))) more a request"
                ))
            }
        }

        // CPU: the span's own samples, else its slow peers', against the fast requests.
        let referenceCPU = analysis.fast.isEmpty ? 0 : Double(fast.total) / Double(analysis.fast.count)
        var cpuEstimate = referenceCPU
        if ownSamples >= Self.ownSamplesNeeded {
            cpuEstimate = Double(own.total)
            if let found = Self.narrowest(current: own, count: 1, reference: fast, count: analysis.fast.count), found.extra >= Double(Self.slowMargin) {
                let strong = ownSamples >= 3 && found.extra >= Self.holdsMost * Double(extraWall)
                causes.append(ExplainedCause(
                    kind: .slowerThanPeers, function: found.function, stack: found.stack, extraMsPerRequest: found.extra / 1e6,
                    evidence: .init(ownSamples: Int(ownSamples), peers: peers.count, fastPeers: analysis.fast.count,
                                    baselineMs: Self.ms(baseline), cpuMs: Self.ms(own.total), referenceCpuMs: referenceCPU / 1e6),
                    confidence: strong ? .high : .medium,
                    summary: "\(found.function) ran \(Self.text(Int64(found.extra))) longer in this request than in a fast \(span.name) (its own \(ownSamples) CPU samples against \(analysis.fast.count) fast requests)"
                ))
            }
        } else if analysis.slow.count >= 3, slow.total > 0 {
            cpuEstimate = Double(slow.total) / Double(analysis.slow.count)
            if let found = Self.narrowest(current: slow, count: analysis.slow.count, reference: fast, count: analysis.fast.count), found.extra >= Double(Self.slowMargin) {
                causes.append(ExplainedCause(
                    kind: .peerEvidence, function: found.function, stack: found.stack, extraMsPerRequest: found.extra / 1e6,
                    evidence: .init(ownSamples: Int(ownSamples), peers: peers.count, fastPeers: analysis.fast.count, slowPeers: analysis.slow.count,
                                    baselineMs: Self.ms(baseline), referenceCpuMs: referenceCPU / 1e6, slowPeersCpuMs: cpuEstimate / 1e6),
                    confidence: .medium,
                    summary: "this request has \(ownSamples == 0 ? "no CPU sample" : "one CPU sample") of its own; in the \(analysis.slow.count) slow \(span.name) requests around it (above the route's p90), \(found.function) takes \(Self.text(Int64(found.extra))) more a request than in the fast ones"
                ))
            }
        }

        // Off-CPU: the extra wall time the extra CPU time does not explain.
        let offCPU = Double(extraWall) - max(cpuEstimate - referenceCPU, 0)
        if offCPU >= Double(Self.slowMargin), offCPU >= Self.holdsMost * Double(extraWall) {
            let wait = try await waitingStack(tenant: tenant, span: span, route: route, from: from, to: to)
            let share = offCPU / Double(max(extraWall, 1))
            let strong = wait != nil && share >= 0.7 && offCPU >= 10_000_000
            let function = wait?.function ?? ""
            causes.append(ExplainedCause(
                kind: .offCPU, function: function, stack: wait?.stack ?? [], extraMsPerRequest: offCPU / 1e6,
                evidence: .init(ownSamples: Int(ownSamples), peers: peers.count, baselineMs: Self.ms(baseline),
                                cpuMs: cpuEstimate / 1e6, offCpuMs: offCPU / 1e6, waitingOn: wait?.waitingOn, waitProfile: wait?.profile,
                                heldBy: wait?.heldBy),
                confidence: strong ? .high : (wait == nil ? .low : .medium),
                summary: wait.map {
                    "\(Self.text(Int64(offCPU))) of this request was spent off-CPU: \($0.function) waited in \($0.waitingOn) (\($0.profile) profile of \(span.service))"
                } ?? "\(Self.text(Int64(offCPU))) of this request was spent off-CPU; no block, mutex or goroutine profile of \(span.service) in the window shows where"
            ))
        }

        // A deploy explains what the CPU comparison would say again: keep the deploy first.
        if let deploy = causes.first(where: { $0.kind == .changedAfterDeploy }) {
            causes.removeAll { $0.kind != .changedAfterDeploy && $0.kind != .offCPU && $0.function == deploy.function }
        }
        causes.sort { left, right in
            if (left.kind == .changedAfterDeploy) != (right.kind == .changedAfterDeploy) { return left.kind == .changedAfterDeploy }
            if left.confidence != right.confidence { return left.confidence > right.confidence }
            return left.extraMsPerRequest > right.extraMsPerRequest
        }
        let summary = causes.first.map { "\(span.name) took \(Self.text(span.durationNanos)) (the route's median is \(Self.text(baseline))): \($0.summary)" }
            ?? "\(span.name) took \(Self.text(span.durationNanos)) against a median of \(Self.text(baseline)), and no profile says why"
        return RequestExplanation(request: request, causes: causes, summary: summary)
    }

    /// The first cause of each request (an exemplar's trace and span), the first `limit`
    /// only, a few at a time: what lists of slow requests show beside each. Keyed by trace id.
    public func firstCauses(tenant: String, requests: [(traceID: String, spanID: String?)], limit: Int = 20) async throws -> [String: ExplainedCause] {
        let asked = Array(requests.prefix(limit))
        return try await withThrowingTaskGroup(of: (String, ExplainedCause?).self) { group in
            var causes: [String: ExplainedCause] = [:]
            var next = 0
            func start() {
                guard next < asked.count else { return }
                let (trace, span) = asked[next]
                next += 1
                group.addTask {
                    guard let traceID = TraceID(hex: trace) else { return (trace, nil) }
                    let explanation = try await explain(tenant: tenant, traceID: traceID, spanID: span.flatMap { SpanID(hex: $0) }, strictSpan: false)
                    return (trace, explanation?.causes.first)
                }
            }
            for _ in 0..<4 { start() }
            while let (trace, cause) = try await group.next() {
                if let cause { causes[trace] = cause }
                start()
            }
            return causes
        }
    }

    // MARK: Peers

    /// The request's peers sorted into the groups the comparisons use.
    struct PeerAnalysis {
        struct Deploy {
            var before: String
            var after: String
            var beforeMedian: Int64
            var afterMedian: Int64
        }

        var baseline: Int64?
        var isSlow = false
        var fast: [RoutePeer] = []
        var slow: [RoutePeer] = []
        var before: [RoutePeer] = []
        var after: [RoutePeer] = []
        var all: [RoutePeer]
        var deploy: Deploy?

        init(span: StoredSpan, version: String?, peers: [RoutePeer]) {
            all = Array(peers.prefix(RequestExplainer.largestGroup))
            // Versions in order of first appearance; the request's and the one before it.
            var firstSeen: [String: Int64] = [:]
            for peer in peers where !peer.version.isEmpty { firstSeen[peer.version] = min(firstSeen[peer.version] ?? .max, peer.start) }
            var reference = peers.filter { $0.version == (version ?? "") }
            if let version, let mine = firstSeen[version] {
                let earlier = firstSeen.filter { $0.value < mine }.max { $0.value < $1.value }?.key
                if let earlier {
                    let previous = peers.filter { $0.version == earlier }
                    let current = peers.filter { $0.version == version }
                    if let beforeMedian = RequestExplainer.median(previous.map(\.duration)), let afterMedian = RequestExplainer.median(current.map(\.duration) + [span.durationNanos]),
                        Double(afterMedian) >= RequestExplainer.deployFactor * Double(beforeMedian), afterMedian - beforeMedian >= 2_000_000
                    {
                        deploy = Deploy(before: earlier, after: version, beforeMedian: beforeMedian, afterMedian: afterMedian)
                        before = Array(previous.suffix(RequestExplainer.largestGroup))
                        after = Array(current.prefix(RequestExplainer.largestGroup))
                        // Slow against the route as it was before the change.
                        reference = previous
                    }
                }
            }
            if reference.count < 5 { reference = peers }
            let durations = reference.map(\.duration).sorted()
            guard let median = RequestExplainer.median(durations) else { return }
            baseline = median
            isSlow = Double(span.durationNanos) >= RequestExplainer.slowFactor * Double(median) && span.durationNanos - median >= RequestExplainer.slowMargin
            let p90 = durations[min(durations.count - 1, durations.count * 9 / 10)]
            fast = Array(reference.filter { $0.duration <= median }.prefix(RequestExplainer.largestGroup))
            let sameVersion = peers.filter { $0.version == (version ?? "") }
            let slowFloor = max(p90, Int64(RequestExplainer.slowFactor * Double(median)))
            slow = Array((sameVersion.count >= 5 ? sameVersion : peers).filter { $0.duration > slowFloor }.prefix(RequestExplainer.largestGroup))
        }
    }

    static func median(_ values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    /// `service.version` of the resource, else a `version` attribute.
    static func version(_ attributesJSON: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(attributesJSON.utf8)) as? [String: Any] else { return nil }
        for (scope, key) in [("resource", "service.version"), ("span", "version"), ("resource", "version"), ("span", "service.version")] {
            if let value = (object[scope] as? [String: Any])?[key] as? String, !value.isEmpty { return value }
        }
        return nil
    }

    // MARK: Where the extra time went

    struct Found {
        var function: String
        var stack: [String]
        /// Extra value per request in the function (its cum), nanoseconds.
        var extra: Double
    }

    /// The narrowest function that holds most of the extra time of `current` (per request)
    /// over `reference` (per request): down the tree from the root, the child with the most
    /// extra while it holds at least half of the whole extra; then the deepest application
    /// frame of that path (a library or runtime leaf names where, not what).
    static func narrowest(current: MergedStacks, count currentCount: Int, reference: MergedStacks, count referenceCount: Int) -> Found? {
        guard currentCount > 0 else { return nil }
        let tree = FunctionNameTree([current, reference])
        let currentScale = 1 / Double(currentCount)
        let referenceScale = referenceCount > 0 ? 1 / Double(referenceCount) : 0
        func extra(_ node: FunctionNameTree.Node) -> Double {
            Double(node.totals[0]) * currentScale - Double(node.totals[1]) * referenceScale
        }
        let total = extra(tree.root)
        guard total > 0 else { return nil }
        var path: [FunctionNameTree.Node] = []
        var node = tree.root
        while let best = node.children.max(by: { extra($0) < extra($1) }), extra(best) >= holdsMost * total {
            path.append(best)
            node = best
        }
        guard !path.isEmpty else { return nil }
        let chosen = isApplication(path.last!.name) ? path.count - 1 : (path.lastIndex { isApplication($0.name) } ?? path.count - 1)
        return Found(function: path[chosen].name, stack: path[...chosen].map(\.name), extra: extra(path[chosen]))
    }

    /// Whether a frame is the application's rather than Go's standard library or runtime:
    /// `main.*`, a module path whose first element has a dot (`github.com/…`), or a name that
    /// is not Go's `package.Function` at all (other languages' frames).
    static func isApplication(_ name: String) -> Bool {
        if name.hasPrefix("main.") { return true }
        guard !name.contains(" "), let dot = name.firstIndex(of: ".") else { return true }
        let slash = name[..<dot].lastIndex(of: "/")
        let packagePath = slash.map { name[..<$0] } ?? name[..<dot]
        let first = packagePath.split(separator: "/").first ?? packagePath
        return first.contains(".")
    }

    /// Frames a goroutine waits in: locks, channels, select, sleep, the network poller, syscalls.
    static func isWait(_ name: String) -> Bool {
        let prefixes = [
            "sync.(*", "sync.runtime_", "runtime.chanrecv", "runtime.chansend", "runtime.selectgo", "runtime.semacquire",
            "runtime.gopark", "runtime.netpoll", "time.Sleep", "internal/poll.", "syscall.", "net.(*", "database/sql.",
        ]
        return prefixes.contains { name.hasPrefix($0) }
    }

    struct Wait {
        var function: String
        var stack: [String]
        var waitingOn: String
        var profile: String
        var heldBy: String?
    }

    /// Where the route's requests waited: the heaviest stack of the service's block, mutex or
    /// goroutine profiles in the window that passes through a function of this route (one that
    /// holds half of the route's CPU samples and almost none of the service's other routes')
    /// and waits; its deepest application frame before the wait is the function that waited.
    func waitingStack(tenant: String, span: StoredSpan, route: MergedStacks, from: Int64, to: Int64) async throws -> Wait? {
        // The service's series of every kind, read once for the four merges below.
        let known = try await store.profileSeries(tenant: tenant, service: span.service, kind: nil, selector: nil, from: from)
        func merge(_ kind: ProfileKind, _ sampleType: String?) async throws -> MergedStacks? {
            do {
                return try await store.mergeProfiles(
                    tenant: tenant, query: ProfileMergeQuery(service: span.service, kind: kind, sampleType: sampleType, from: from, to: to),
                    knownSeries: known
                )
            } catch is UnknownMergeSampleTypeError {
                return nil
            }
        }
        guard let service = try await merge(.cpu, "cpu") else { return nil }
        let routeCum = Self.cumByName(route)
        let serviceCum = Self.cumByName(service)
        let routeTotal = Double(max(route.total, 1)), otherTotal = Double(max(service.total - route.total, 1))
        let distinctive = Set(routeCum.filter { name, cum in
            Double(cum) / routeTotal >= 0.5 && Double(max((serviceCum[name] ?? 0) - cum, 0)) / otherTotal <= 0.1
        }.keys)
        guard !distinctive.isEmpty else { return nil }
        var mutexMerge: MergedStacks?
        for (kind, sampleType, profileName) in [(ProfileKind.block, "delay", "block"), (.mutex, "delay", "mutex"), (.goroutine, nil, "goroutine")] {
            guard known.contains(where: { $0.key.type == kind.rawValue }), let merged = try await merge(kind, sampleType) else { continue }
            if kind == .mutex { mutexMerge = merged }
            var best: (names: [String], value: Int64)?
            for (stack, value) in merged.values where value > 0 {
                guard let frames = merged.stacks[stack] else { continue }
                let names = frames.map { merged.function($0).name }
                guard names.contains(where: distinctive.contains), names.contains(where: Self.isWait) else { continue }
                if best == nil || value > best!.value { best = (names, value) }
            }
            guard let (names, _) = best, let waitIndex = names.firstIndex(where: Self.isWait) else { continue }
            guard let appIndex = names[..<waitIndex].lastIndex(where: Self.isApplication) else { continue }
            let function = names[appIndex]
            // Who held the lock: the mutex profile's heaviest stack through the same function.
            var heldBy: String?
            if kind == .block, mutexMerge == nil, known.contains(where: { $0.key.type == ProfileKind.mutex.rawValue }) {
                mutexMerge = try await merge(.mutex, "delay")
            }
            if kind == .block, let mutex = mutexMerge {
                heldBy = mutex.values.sorted { $0.value > $1.value }.lazy.compactMap { stack, _ -> String? in
                    let frames = (mutex.stacks[stack] ?? []).map { mutex.function($0).name }
                    return frames.last { $0.hasPrefix(function) }
                }.first
            }
            return Wait(function: function, stack: Array(names[...appIndex]), waitingOn: names[waitIndex], profile: profileName, heldBy: heldBy)
        }
        return nil
    }

    /// Cum per function name over a merge (a function counted once per stack).
    static func cumByName(_ merged: MergedStacks) -> [String: Int64] {
        var cum: [String: Int64] = [:]
        var seen = Set<String>()
        for (stack, value) in merged.values {
            guard let frames = merged.stacks[stack] else { continue }
            seen.removeAll(keepingCapacity: true)
            for id in frames {
                let name = merged.function(id).name
                if seen.insert(name).inserted { cum[name, default: 0] &+= value }
            }
        }
        return cum
    }

    static func ms(_ nanos: Int64) -> Double { (Double(nanos) / 1e4).rounded() / 100 }

    static func text(_ nanos: Int64) -> String {
        PprofUnits.scaledLabel(nanos, unit: "nanoseconds", to: "minimum")
    }
}

/// A span of the request's route (same service and name) in the window.
public struct RoutePeer: Sendable {
    public var spanID: String
    public var start: Int64
    public var duration: Int64
    /// `service.version` (or a `version` attribute); empty when none.
    public var version: String
}

extension Store {
    /// The spans of one route of a service starting in `[from, to)`, oldest first.
    func routePeers(tenant: String, service: String, name: String, from: Int64, to: Int64) async throws -> [RoutePeer] {
        let rows = try await client.query("""
            SELECT encode(span_id, 'hex'), start_unix_nano, duration_ns,
                   coalesce(attributes->'resource'->>'service.version', attributes->'span'->>'version',
                            attributes->'resource'->>'version', '')
            FROM spans
            WHERE tenant = \(tenant) AND service = \(service) AND name = \(name)
              AND start_ts >= timestamptz 'epoch' + \(from / 1000) * interval '1 microsecond'
              AND start_ts < timestamptz 'epoch' + \(to / 1000) * interval '1 microsecond'
            ORDER BY start_ts LIMIT 20000
            """, logger: logger)
        var peers: [RoutePeer] = []
        for try await (id, start, duration, version) in rows.decode((String, Int64, Int64, String).self) {
            peers.append(RoutePeer(spanID: id, start: start, duration: duration, version: version))
        }
        return peers
    }
}

/// The answer of `/api/v1/traces/{id}/explain`.
public struct RequestExplanation: Sendable, Codable {
    public struct Request: Sendable, Codable {
        public var traceID: String
        public var spanID: String
        public var service: String
        public var name: String
        public var version: String?
        public var start: String
        public var durationMs: Double
        /// The median of the peers it is compared with.
        public var baselineMs: Double?
        public var peers: Int
        public var ownSamples: Int?
        public var cpuMs: Double?

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id", spanID = "span_id", service, name, version, start, durationMs = "duration_ms"
            case baselineMs = "baseline_ms", peers, ownSamples = "own_samples", cpuMs = "cpu_ms"
        }
    }

    public var request: Request
    /// Most likely first; empty when nothing is unusual or nothing says why.
    public var causes: [ExplainedCause]
    public var summary: String
}

public struct ExplainedCause: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case slowerThanPeers = "slower_than_peers"
        case peerEvidence = "peer_evidence"
        case offCPU = "off_cpu"
        case changedAfterDeploy = "changed_after_deploy"
    }

    public enum Confidence: String, Sendable, Codable, Comparable {
        case low, medium, high

        var rank: Int { self == .high ? 2 : self == .medium ? 1 : 0 }
        public static func < (left: Confidence, right: Confidence) -> Bool { left.rank < right.rank }
    }

    /// What the cause rests on; fields that do not apply are absent.
    public struct Evidence: Sendable, Hashable, Codable {
        public var ownSamples: Int?
        public var peers: Int?
        public var fastPeers: Int?
        public var slowPeers: Int?
        public var baselineMs: Double?
        public var cpuMs: Double?
        public var referenceCpuMs: Double?
        public var slowPeersCpuMs: Double?
        public var offCpuMs: Double?
        public var waitingOn: String?
        public var waitProfile: String?
        public var heldBy: String?
        public var beforeVersion: String?
        public var afterVersion: String?
        public var beforeRequests: Int?
        public var afterRequests: Int?
        public var beforeMedianMs: Double?
        public var afterMedianMs: Double?

        init(
            ownSamples: Int? = nil, peers: Int? = nil, fastPeers: Int? = nil, slowPeers: Int? = nil, baselineMs: Double? = nil,
            cpuMs: Double? = nil, referenceCpuMs: Double? = nil, slowPeersCpuMs: Double? = nil, offCpuMs: Double? = nil,
            waitingOn: String? = nil, waitProfile: String? = nil, heldBy: String? = nil, beforeVersion: String? = nil,
            afterVersion: String? = nil, beforeRequests: Int? = nil, afterRequests: Int? = nil, beforeMedianMs: Double? = nil,
            afterMedianMs: Double? = nil
        ) {
            self.ownSamples = ownSamples
            self.peers = peers
            self.fastPeers = fastPeers
            self.slowPeers = slowPeers
            self.baselineMs = baselineMs
            self.cpuMs = cpuMs
            self.referenceCpuMs = referenceCpuMs
            self.slowPeersCpuMs = slowPeersCpuMs
            self.offCpuMs = offCpuMs
            self.waitingOn = waitingOn
            self.waitProfile = waitProfile
            self.heldBy = heldBy
            self.beforeVersion = beforeVersion
            self.afterVersion = afterVersion
            self.beforeRequests = beforeRequests
            self.afterRequests = afterRequests
            self.beforeMedianMs = beforeMedianMs
            self.afterMedianMs = afterMedianMs
        }

        enum CodingKeys: String, CodingKey {
            case ownSamples = "own_samples", peers, fastPeers = "fast_peers", slowPeers = "slow_peers", baselineMs = "baseline_ms"
            case cpuMs = "cpu_ms", referenceCpuMs = "reference_cpu_ms", slowPeersCpuMs = "slow_peers_cpu_ms", offCpuMs = "off_cpu_ms"
            case waitingOn = "waiting_on", waitProfile = "wait_profile", heldBy = "held_by", beforeVersion = "before_version"
            case afterVersion = "after_version", beforeRequests = "before_requests", afterRequests = "after_requests"
            case beforeMedianMs = "before_median_ms", afterMedianMs = "after_median_ms"
        }
    }

    public var kind: Kind
    public var function: String
    /// Root first, down to `function`.
    public var stack: [String]
    public var extraMsPerRequest: Double
    public var evidence: Evidence
    public var confidence: Confidence
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case kind, function, stack, extraMsPerRequest = "extra_ms_per_request", evidence, confidence, summary
    }
}
