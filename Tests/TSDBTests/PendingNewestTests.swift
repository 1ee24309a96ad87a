import Testing
import TestSupport
@testable import TSDB

/// The appender's per-batch table of newest timestamps answers as a dictionary would,
/// across growth and batches.
struct PendingNewestTests {
    @Test(arguments: [1, 63, 64, 5_000])
    func answersAsADictionaryAcrossGrowthAndBatches(refs: Int) {
        var random = SplitMix64(seed: UInt64(refs))
        var table = PendingNewest()
        for batch in 0..<3 {
            var reference: [SeriesRef: Int64] = [:]
            for _ in 0..<(refs * 2) {
                // Sequential refs as the head hands them out, and sparse ones.
                let raw = batch == 1 ? random.next() | 1 : 1 + random.next() % UInt64(refs)
                let ref = SeriesRef(raw)
                let value = Int64(bitPattern: random.next())
                table[ref] = value
                reference[ref] = value
            }
            #expect(table.count == reference.count)
            for (ref, value) in reference { #expect(table[ref] == value) }
            #expect(table[SeriesRef(UInt64(refs) + 1)] == reference[SeriesRef(UInt64(refs) + 1)])
            table.removeAll()
            #expect(table.count == 0)
            for ref in reference.keys.prefix(10) { #expect(table[ref] == nil) }
        }
    }
}
