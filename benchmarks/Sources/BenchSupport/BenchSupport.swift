public import DataGenerator
import Foundation
public import Logging
public import TSDB

/// A directory under the system's temporary directory, removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// Names the directory; it is created on first use of ``path`` by a store (or ``create()``).
    public init(_ label: String) {
        let base = ProcessInfo.processInfo.environment["SEXTANT_BENCH_TMPDIR"] ?? NSTemporaryDirectory()
        path = (base as NSString).appendingPathComponent("sextant-bench-\(label)-\(UUID().uuidString.prefix(8))")
    }

    public func create() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Bytes of the regular files under `path/sub` (apparent sizes, as `du -b`).
    public func bytes(under sub: String = "") -> Int { Self.bytes(under: sub.isEmpty ? path : path + "/" + sub) }

    public static func bytes(under root: String) -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { return 0 }
        if !isDirectory.boolValue { return (try? FileManager.default.attributesOfItem(atPath: root)[.size] as? Int) ?? 0 }
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var total = 0
        while let name = walker.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
        }
        return total
    }
}

/// Appends generated scrapes to a store the way a scrape loop does: one appender per
/// target scrape, series refs cached from the first scrape, one commit per scrape.
public struct ScrapeFeeder {
    public var generator: NodeExporterGenerator
    public private(set) var refs: [[SeriesRef]]
    public private(set) var labels: [[Labels]]
    private var values: [Double] = []
    public private(set) var appended = 0

    public init(_ options: GeneratorOptions) {
        let generator = NodeExporterGenerator(options)
        let labels = (0..<options.targets).map { t in generator.series(of: t).map(\.labels) }
        self.generator = generator
        self.labels = labels
        refs = labels.map { [SeriesRef](repeating: .unknown, count: $0.count) }
    }

    /// One scrape of every target; keeps only the series whose index passes `keep`.
    public mutating func scrapeAll(into store: Store, keep: ((Int) -> Bool)? = nil) throws {
        for target in 0..<generator.options.targets {
            try scrape(target: target, into: store, keep: keep)
        }
    }

    public mutating func scrape(target: Int, into store: Store, keep: ((Int) -> Bool)? = nil) throws {
        let t = generator.scrape(target: target, into: &values)
        var app = store.appender()
        let names = labels[target]
        for i in 0..<values.count where keep?(i) ?? true {
            refs[target][i] = try app.append(refs[target][i], names[i], t, values[i])
        }
        appended += try app.commit()
    }

    /// Generates `scrapes` scrapes of every target ahead of time (timestamps and values), so
    /// a measurement can time appending alone.
    public mutating func pregenerate(scrapes: Int) -> PregeneratedScrapes {
        var batches: [PregeneratedScrapes.Batch] = []
        batches.reserveCapacity(scrapes * generator.options.targets)
        for _ in 0..<scrapes {
            for target in 0..<generator.options.targets {
                let t = generator.scrape(target: target, into: &values)
                batches.append(.init(target: target, timestamp: t, values: values))
            }
        }
        return PregeneratedScrapes(batches: batches)
    }

    /// Appends pregenerated scrapes with cached refs, one commit per target scrape; returns
    /// the samples stored.
    @discardableResult
    public mutating func append(_ scrapes: PregeneratedScrapes, into store: Store) throws -> Int {
        var stored = 0
        for batch in scrapes.batches {
            var app = store.appender()
            let names = labels[batch.target]
            var cached: [SeriesRef] = []
            swap(&cached, &refs[batch.target])
            defer { swap(&cached, &refs[batch.target]) }
            for i in 0..<batch.values.count {
                cached[i] = try app.append(cached[i], names[i], batch.timestamp, batch.values[i])
            }
            stored += try app.commit()
        }
        appended += stored
        return stored
    }
}

/// Scrapes generated ahead of a measurement.
public struct PregeneratedScrapes: Sendable {
    public struct Batch: Sendable {
        public let target: Int
        public let timestamp: Int64
        public let values: [Double]
    }

    public let batches: [Batch]
    public var sampleCount: Int { batches.reduce(0) { $0 + $1.values.count } }
}

/// Seconds elapsed since `start` on the continuous clock.
public func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// A store without WAL fsyncs from a timer (none runs in process anyway: `Store.sync` is
/// called by the server's service), as the server would be configured by default.
public func openStore(_ path: String, sync: WALSyncPolicy = .default) throws -> Store {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return try Store(options: StoreOptions(path: path, walSync: sync), logger: quietLogger)
}

/// The stores' logger: warnings and errors only (the runner's table is on stdout).
public let quietLogger: Logger = {
    var logger = Logger(label: "sextant.tsdb")
    logger.logLevel = .warning
    return logger
}()

/// Records a detail of a run (data sizes, set-up time, where the bytes go): on standard
/// error, and appended to the file named by `SEXTANT_BENCH_NOTES` (default
/// `<tmp>/sextant-bench-notes.txt`), because the benchmark runner does not show its child
/// processes' output.
public func note(_ message: String) {
    let line = Data("\(message)\n".utf8)
    FileHandle.standardError.write(line)
    let path = ProcessInfo.processInfo.environment["SEXTANT_BENCH_NOTES"]
        ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("sextant-bench-notes.txt")
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
    if let handle = FileHandle(forWritingAtPath: path) {
        handle.seekToEndOfFile()
        handle.write(line)
        try? handle.close()
    }
}
