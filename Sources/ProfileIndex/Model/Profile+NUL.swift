extension Profile {
    /// Replaces every NUL in function names and files with U+FFFD; returns how many functions
    /// changed.
    ///
    /// PostgreSQL's `text` and `jsonb` cannot hold NUL, and samplers can produce one. py-spy
    /// (inside the Pyroscope Python SDK) reads frame names from the memory of a running
    /// interpreter and can catch one half-written, as in `py\0…8859_16.py`. Refusing the profile
    /// would lose every sample of the upload window, and the SDK does not resend. So the names
    /// are repaired the way the exemplar writer repairs text, and the samples are kept.
    /// Functions that become equal are merged. The precomputed sample aggregate is dropped, so
    /// summaries are computed again from the samples. The raw pprof that callers store is not
    /// changed.
    public mutating func replaceNULInFunctions() -> Int {
        func holdsNUL(_ function: ProfileFunction) -> Bool {
            function.name.utf8.contains(0) || function.filename.utf8.contains(0)
        }
        guard functions.contains(where: holdsNUL) else { return 0 }
        var changed = 0
        var distinct: [ProfileFunction: Int32] = [:]
        var repaired: [ProfileFunction] = []
        repaired.reserveCapacity(functions.count)
        var newIndex = [Int32](repeating: 0, count: functions.count)
        for (index, function) in functions.enumerated() {
            var function = function
            if holdsNUL(function) {
                function.name = function.name.replacingNUL()
                function.filename = function.filename.replacingNUL()
                changed += 1
            }
            newIndex[index] = PprofMessageParser.intern(function, into: &distinct, &repaired)
        }
        functions = repaired
        locationFrames = locationFrames.map { newIndex[Int($0)] }
        sampleAggregate = nil
        return changed
    }

    /// The key (shown with ``Swift/String/showingNUL``) of the first sample label whose key or
    /// text value holds a NUL. PostgreSQL text cannot store it, and unlike a function name a
    /// label is not repaired: it identifies (a `span_id`, a tenant's own label), and a changed
    /// value would link to nothing. Uploads are refused with a 400, scrapes are dropped.
    public var labelKeyHoldingNUL: String? {
        labels.first { $0.key.utf8.contains(0) || $0.stringValue?.utf8.contains(0) == true }.map(\.key.showingNUL)
    }
}

extension String {
    /// Each NUL replaced by U+FFFD (its UTF-8 bytes EF BF BD): PostgreSQL's `text` and `jsonb`
    /// cannot hold NUL. The one repair every writer of text uses (profiles, spans, exemplars).
    public func replacingNUL() -> String {
        guard utf8.contains(0) else { return self }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 8)
        for byte in utf8 {
            if byte == 0 { bytes.append(contentsOf: [0xEF, 0xBF, 0xBD]) } else { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// This text for an error message: NUL shown as `\0`, at most 80 characters.
    public var showingNUL: String {
        var shown = String.UnicodeScalarView()
        for scalar in unicodeScalars.prefix(80) {
            if scalar == "\u{0}" { shown.append(contentsOf: "\\0".unicodeScalars) } else { shown.append(scalar) }
        }
        return String(String(shown).prefix(80))
    }
}
