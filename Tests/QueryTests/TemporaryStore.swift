import Foundation
import TSDB

/// A ``Store`` in a fresh temporary directory, removed when the value is released.
final class TemporaryStore {
    let path: String
    let store: Store

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-query-\(safe)-\(UUID().uuidString.prefix(8))").path
        store = try Store(options: StoreOptions(path: path, walSync: .none, outOfOrderWindow: 100 * 365 * 86_400_000))
    }

    /// Appends `values` at `0, interval, 2 × interval, …` to the series `labels`.
    func load(_ labels: [String: String], interval: Int64, _ values: [Double]) throws {
        var appender = store.appender()
        var ref = SeriesRef.unknown
        for (index, value) in values.enumerated() {
            ref = try appender.append(ref, Labels(labels), Int64(index) * interval, value)
        }
        try appender.commit()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
