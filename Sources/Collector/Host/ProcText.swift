/// Line and field splitting shared by the /proc parsers.
///
/// /proc files are ASCII tables separated by spaces (some by tabs); every parser walks
/// them line by line so an error can name the line.
enum ProcText {
    /// Each line with its 1-based number. A trailing newline adds no empty last line.
    static func lines(_ text: some StringProtocol) -> [(number: Int, text: Substring)] {
        // `String(_:)` of a String shares its storage; other inputs are copied once.
        let text = String(text)
        var result: [(number: Int, text: Substring)] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            result.append((number, line))
        }
        if let last = result.last, last.text.isEmpty { result.removeLast() }
        return result
    }

    /// The whitespace-separated fields of `line`; at most `maxSplits` splits, so a long
    /// tail (the `intr` line of a large machine) is not cut into thousands of pieces.
    static func fields(_ line: Substring, maxSplits: Int = .max) -> [Substring] {
        line.split(maxSplits: maxSplits, omittingEmptySubsequences: true, whereSeparator: isBlank)
    }

    static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }

    /// A non-negative decimal integer, or a parse error naming `what`.
    static func counter(
        _ field: Substring, _ what: @autoclosure () -> String, file: String, line: Int
    ) throws(HostCollectorError) -> UInt64 {
        guard let value = UInt64(field) else {
            throw HostCollectorError(file: file, line: line, reason: "\(what()): \"\(field.prefix(64))\" is not a non-negative integer")
        }
        return value
    }

    /// A finite decimal number, or a parse error naming `what`.
    static func number(
        _ field: Substring, _ what: @autoclosure () -> String, file: String, line: Int
    ) throws(HostCollectorError) -> Double {
        guard let value = Double(field), value.isFinite else {
            throw HostCollectorError(file: file, line: line, reason: "\(what()): \"\(field.prefix(64))\" is not a finite number")
        }
        return value
    }
}
