/// Kahan–Neumaier compensated summation, as Prometheus's `kahanSumInc`: the query engine's
/// sums and the rollups' window sums add the same way.
@frozen
public struct KahanSum: Sendable {
    public var sum = 0.0
    public var compensation = 0.0

    @inlinable
    public init() {}

    @inlinable @inline(__always)
    public mutating func add(_ value: Double) {
        let t = sum + value
        if sum.magnitude >= value.magnitude {
            compensation += (sum - t) + value
        } else {
            compensation += (value - t) + sum
        }
        sum = t
    }

    /// The compensated total; an infinite sum is returned as is (the compensation would
    /// turn it into NaN).
    @inlinable
    public var total: Double { sum.isInfinite ? sum : sum + compensation }
}
