import TSDB

/// Writes Prometheus remote write 1.0 bodies: a protobuf `WriteRequest` (field numbers in
/// ``RemoteWriteDecoder``), compressed as one snappy block. Sextant's own `remote_write`
/// sends these; tests use them to drive the decoder.
///
/// ```swift
/// let body = RemoteWriteEncoder.encode([RemoteWriteSeries(labels: labels, samples: samples)])
/// // POST body with Content-Encoding: snappy,
/// // Content-Type: application/x-protobuf, X-Prometheus-Remote-Write-Version: 0.1.0
/// ```
///
/// As proto3 encoders do, fields holding their zero value are left out — empty strings, a
/// zero timestamp and a `+0.0` value. `-0.0` and every NaN payload (the stale marker
/// included) are written bit for bit, so they survive the round trip exactly. Labels are
/// written in the order `Labels` keeps them: sorted, as receivers expect.
public enum RemoteWriteEncoder {
    /// The snappy-compressed `WriteRequest` for `series`.
    public static func encode(_ series: some Sequence<RemoteWriteSeries>) -> [UInt8] {
        var protobuf: [UInt8] = []
        encodeProtobuf(series, into: &protobuf)
        return Snappy.compress(protobuf)
    }

    /// Appends the uncompressed `WriteRequest` for `series` to `buffer`.
    public static func encodeProtobuf(_ series: some Sequence<RemoteWriteSeries>, into buffer: inout [UInt8]) {
        for entry in series {
            ProtobufWriter.appendMessageHeader(1, size: timeSeriesSize(entry), to: &buffer)
            for label in entry.labels {
                ProtobufWriter.appendMessageHeader(1, size: labelSize(label), to: &buffer)
                if !label.name.isEmpty { ProtobufWriter.appendBytesField(1, label.name.utf8, to: &buffer) }
                if !label.value.isEmpty { ProtobufWriter.appendBytesField(2, label.value.utf8, to: &buffer) }
            }
            for sample in entry.samples {
                ProtobufWriter.appendMessageHeader(2, size: sampleSize(sample), to: &buffer)
                if sample.value.bitPattern != 0 {
                    ProtobufWriter.appendKey(1, .fixed64, to: &buffer)
                    ProtobufWriter.appendFixed64(sample.value.bitPattern, to: &buffer)
                }
                if sample.timestamp != 0 {
                    ProtobufWriter.appendKey(2, .varint, to: &buffer)
                    ProtobufWriter.appendVarint(UInt64(bitPattern: sample.timestamp), to: &buffer)
                }
            }
        }
    }

    private static func timeSeriesSize(_ series: RemoteWriteSeries) -> Int {
        var size = 0
        for label in series.labels { size += ProtobufWriter.lengthDelimitedFieldSize(labelSize(label)) }
        for sample in series.samples { size += ProtobufWriter.lengthDelimitedFieldSize(sampleSize(sample)) }
        return size
    }

    private static func labelSize(_ label: Label) -> Int {
        let name = label.name.utf8.count
        let value = label.value.utf8.count
        return (name > 0 ? ProtobufWriter.lengthDelimitedFieldSize(name) : 0)
            + (value > 0 ? ProtobufWriter.lengthDelimitedFieldSize(value) : 0)
    }

    private static func sampleSize(_ sample: Sample) -> Int {
        (sample.value.bitPattern != 0 ? 9 : 0)
            + (sample.timestamp != 0 ? 1 + ProtobufWriter.varintSize(UInt64(bitPattern: sample.timestamp)) : 0)
    }
}
