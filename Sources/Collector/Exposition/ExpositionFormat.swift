/// The text formats a scrape target can expose metrics in.
///
/// ```swift
/// let format = ExpositionFormat(contentType: response.headers["Content-Type"])
/// var parser = ExpositionParser(body, format: format)
/// ```
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    case prometheusText
    /// OpenMetrics 1.0 text format (`application/openmetrics-text; version=1.0.0`).
    case openMetrics

    /// Picks the format from a response's `Content-Type` header value.
    ///
    /// `application/openmetrics-text` with any version selects ``openMetrics``; anything
    /// else — `text/plain`, an unknown type, or no header at all — falls back to
    /// ``prometheusText``, as Prometheus does.
    public init(contentType: String?) {
        guard let contentType else {
            self = .prometheusText
            return
        }
        self = Self.mediaType(of: contentType, equals: "application/openmetrics-text")
            ? .openMetrics : .prometheusText
    }

    /// The `Accept` header a scraper sends: OpenMetrics 1.0.0, then OpenMetrics 0.0.1,
    /// then text 0.0.4, then anything, with the q-values Prometheus sends by default.
    public static let acceptHeader =
        "application/openmetrics-text;version=1.0.0;q=0.5,"
        + "application/openmetrics-text;version=0.0.1;q=0.4,"
        + "text/plain;version=0.0.4;q=0.3,"
        + "*/*;q=0.2"

    /// Compares the media type (the part before any `;`, trimmed) ASCII-case-insensitively.
    private static func mediaType(of header: String, equals expected: StaticString) -> Bool {
        let value = header.utf8
        var start = value.startIndex
        var end = value.firstIndex(of: UInt8(ascii: ";")) ?? value.endIndex
        while start < end, value[start] == UInt8(ascii: " ") || value[start] == UInt8(ascii: "\t") {
            start = value.index(after: start)
        }
        while start < end {
            let last = value.index(before: end)
            guard value[last] == UInt8(ascii: " ") || value[last] == UInt8(ascii: "\t") else { break }
            end = last
        }
        return expected.withUTF8Buffer { expectedBytes in
            guard value.distance(from: start, to: end) == expectedBytes.count else { return false }
            return zip(value[start..<end], expectedBytes).allSatisfy { ExpositionBytes.lowercased($0) == $1 }
        }
    }
}
