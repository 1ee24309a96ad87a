import NIOCore
import Query
import TSDB

/// Writes Prometheus API JSON straight into a byte buffer: query results can hold millions of
/// points, and going through `Encodable` would allocate per point. Numbers are formatted as
/// Prometheus formats them: timestamps as seconds with up to three decimals, values as
/// strings of the shortest round-tripping decimal (`"1e+06"` never appears), `"NaN"`,
/// `"+Inf"`, `"-Inf"`.
struct PrometheusJSON {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func int(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Digits are produced last first: at most 20 of them.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeMutableBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Seconds with the milliseconds as up to three decimals, as Prometheus writes them.
    mutating func timestamp(_ ms: Int64) {
        var t = ms
        if t < 0 {
            bytes.append(UInt8(ascii: "-"))
            t = -t
        }
        int(t / 1000)
        let fraction = t % 1000
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            if fraction < 100 { bytes.append(UInt8(ascii: "0")) }
            if fraction < 10 { bytes.append(UInt8(ascii: "0")) }
            int(fraction)
        }
    }

    mutating func value(_ v: Double) {
        bytes.append(UInt8(ascii: "\""))
        PromQLNumber.append(v, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func labels(_ labels: Labels) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for label in labels {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            string(label.name)
            bytes.append(UInt8(ascii: ":"))
            string(label.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func point(_ t: Int64, _ v: Double) {
        bytes.append(UInt8(ascii: "["))
        timestamp(t)
        bytes.append(UInt8(ascii: ","))
        value(v)
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func stringArray(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(v)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `{"status":"success","data":` … `}` around what `body` writes.
    static func success(capacity: Int = 256, _ body: (inout PrometheusJSON) -> Void) -> [UInt8] {
        var json = PrometheusJSON(capacity: capacity)
        json.raw(#"{"status":"success","data":"#)
        body(&json)
        json.raw("}")
        return json.bytes
    }

    mutating func result(_ result: QueryResult) {
        switch result {
        case .vector(let samples):
            raw(#"{"resultType":"vector","result":["#)
            for (i, sample) in samples.enumerated() {
                if i > 0 { raw(",") }
                raw(#"{"metric":"#)
                labels(sample.labels)
                raw(#","value":"#)
                point(sample.timestamp, sample.value)
                raw("}")
            }
            raw("]}")
        case .matrix(let series):
            raw(#"{"resultType":"matrix","result":["#)
            for (i, s) in series.enumerated() {
                if i > 0 { raw(",") }
                raw(#"{"metric":"#)
                labels(s.labels)
                raw(#","values":["#)
                for (j, sample) in s.samples.enumerated() {
                    if j > 0 { raw(",") }
                    point(sample.timestamp, sample.value)
                }
                raw("]}")
            }
            raw("]}")
        case .scalar(let sample):
            raw(#"{"resultType":"scalar","result":"#)
            point(sample.timestamp, sample.value)
            raw("}")
        case .string(let t, let s):
            raw(#"{"resultType":"string","result":["#)
            timestamp(t)
            raw(",")
            string(s)
            raw("]}")
        }
    }
}
