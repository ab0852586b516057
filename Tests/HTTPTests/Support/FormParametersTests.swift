import Testing

@testable import HTTP

/// Expected pairs are what Python's `urllib.parse.parse_qsl(…, keep_blank_values=True)` returns,
/// which follows the same WHATWG form-decoding rules.
@Suite struct FormParametersTests {
    @Test(arguments: [
        ("a+b=c+d%2Be", [["a b", "c d+e"]]),
        ("match%5B%5D=up&x", [["match[]", "up"], ["x", ""]]),
        ("%zz=%4", [["%zz", "%4"]]),
        ("k=%E2%82%AC%FF", [["k", "€\u{FFFD}"]]),
        ("&&q=1&&", [["q", "1"]]),
        ("q=a=b", [["q", "a=b"]]),
        ("q=%2", [["q", "%2"]]),
    ])
    func decodesLikeABrowserForm(encoded: String, expected: [[String]]) {
        let decoded = FormParameters.decode(encoded).map { [String($0.key), String($0.value)] }
        #expect(decoded == expected)
    }
}
