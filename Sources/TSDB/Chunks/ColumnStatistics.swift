/// What the column encoders measure about a column of integers before choosing a layout.
enum ColumnStatistics {
    /// The lower median, by quickselect on a copy: a full sort per candidate column was a third of
    /// the encoder's time.
    static func median(_ values: [Int64]) -> Int64 {
        var copy = values
        return copy.withUnsafeMutableBufferPointer { buffer -> Int64 in
            let k = buffer.count / 2
            var low = 0
            var high = buffer.count - 1
            while low < high {
                let middle = low + (high - low) / 2
                if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
                if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
                if buffer[high] < buffer[middle] { buffer.swapAt(high, middle) }
                let pivot = buffer[middle]
                var i = low
                var j = high
                while i <= j {
                    while buffer[i] < pivot { i += 1 }
                    while buffer[j] > pivot { j -= 1 }
                    if i <= j {
                        buffer.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j { high = j } else if k >= i { low = i } else { break }
            }
            return buffer[k]
        }
    }

    /// The most frequent value and its count, when some value makes up more than an eighth of
    /// `values` (Misra–Gries with seven counters finds every such value in one pass).
    static func mostFrequent(_ values: [Int64]) -> (value: Int64, count: Int)? {
        withUnsafeTemporaryAllocation(of: (value: Int64, count: Int).self, capacity: 7) { slots -> (value: Int64, count: Int)? in
            var used = 0
            for v in values {
                var found = false
                for s in 0..<used where slots[s].value == v {
                    slots[s].count += 1
                    found = true
                    break
                }
                if found { continue }
                if used < 7 {
                    slots[used] = (v, 1)
                    used += 1
                    continue
                }
                var s = 0
                while s < used {
                    slots[s].count -= 1
                    if slots[s].count == 0 {
                        used -= 1
                        slots[s] = slots[used]
                    } else {
                        s += 1
                    }
                }
            }
            var best: (value: Int64, count: Int)?
            for s in 0..<used {
                var count = 0
                for v in values where v == slots[s].value { count += 1 }
                if count * 8 > values.count && count > best?.count ?? 0 { best = (slots[s].value, count) }
            }
            return best
        }
    }

    static func greatestCommonDivisor(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
