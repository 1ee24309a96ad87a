/// Turns arbitrary (valid UTF-8) names into Prometheus metric and label names.
///
/// Every character outside `[a-zA-Z0-9_]` (plus `:` in metric names) becomes one `_` —
/// one per character, not per byte, so `température` is `temp_rature` — and a name that
/// would start with a digit gets a leading `_`. The same rule VictoriaMetrics applies to
/// Influx data with `-usePromCompatibleNaming`.
enum PrometheusNameSanitizer {
    /// Appends the sanitized form of `utf8` to `out`; a digit that would start `out`
    /// gets a `_` before it.
    static func append(_ utf8: UnsafeBufferPointer<UInt8>, metricName: Bool, to out: inout [UInt8]) {
        for byte in utf8 {
            if byte < 0x80 {
                let keep = ExpositionBytes.isLabelNameByte(byte) || (metricName && byte == UInt8(ascii: ":"))
                if out.isEmpty && ExpositionBytes.isDigit(byte) { out.append(UInt8(ascii: "_")) }
                out.append(keep ? byte : UInt8(ascii: "_"))
            } else if byte >= 0xC0 {
                // The lead byte of a multi-byte character; its continuation bytes are dropped.
                out.append(UInt8(ascii: "_"))
            }
        }
    }

    /// The name as a String; `bytes` holds ASCII only, so this cannot fail.
    static func string(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
