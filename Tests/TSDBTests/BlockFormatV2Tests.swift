import Foundation
import Testing
@testable import TSDB

/// Block format version 2 (shared timestamp columns, offsets implied by the layout): chunks
/// read back bit for bit, through compaction too; version 1 blocks still open and read, and
/// merge into version 2; damaged version 2 blocks are moved aside and the store still opens.
struct BlockFormatV2Tests {
    static let hour: Int64 = 3_600_000

    /// Seeded node-exporter-like series: targets whose series share jittered scrape times,
    /// integer and two-decimal counters, arbitrary floats, constants, NaN, stale markers,
    /// -0.0 and infinities, and one series on a clock of its own.
    static func generate(seed: UInt64, targets: Int, from start: Int64, hours: Int64) -> [Labels: [Sample]] {
        var rng = SplitMix(seed: seed)
        var out: [Labels: [Sample]] = [:]
        let scrapes = Int(hours * Self.hour / 15_000)
        for target in 0..<targets {
            let offset = Int64(rng.next() % 15_000)
            var counters = [Double](repeating: 0, count: 6)
            for k in 0..<scrapes {
                let t = start + offset + Int64(k) * 15_000 + Int64(rng.next() % 7) - 3
                for s in 0..<6 {
                    let labels = Labels(["__name__": "m\(s)", "instance": "host\(target)"])
                    let value: Double
                    switch s {
                    case 0: counters[0] += Double(rng.next() % 5_000); value = counters[0]
                    case 1: counters[1] += Double(rng.next() % 1_500) / 100; value = counters[1]
                    case 2: value = Double(bitPattern: 0x3F50_0000_0000_0000 | (rng.next() >> 12))
                    case 3: value = 42
                    case 4:
                        let specials: [Double] = [.nan, Double(bitPattern: 0x7FF0_0000_0000_0002), -0.0, .infinity, -.infinity]
                        value = rng.next() % 10 == 0 ? specials[Int(rng.next() % 5)] : Double(rng.next() % 100) / 10
                    default: value = Double(k % 17)
                    }
                    out[labels, default: []].append(Sample(t, value))
                }
            }
        }
        // A series scraped on its own irregular clock keeps its column to itself.
        var t = start
        let own = Labels(["__name__": "m0", "instance": "lonely"])
        while t < start + hours * Self.hour {
            out[own, default: []].append(Sample(t, Double(t % 1_000)))
            t += 10_000 + Int64(rng.next() % 9_000)
        }
        return out
    }

    static func series(_ samples: [Labels: [Sample]], in range: Range<Int64>) -> [(labels: Labels, chunks: [EncodedChunk])] {
        samples.compactMap { labels, all -> (labels: Labels, chunks: [EncodedChunk])? in
            let part = all.filter { range.contains($0.timestamp) }
            return part.isEmpty ? nil : (labels, Store.encode(part))
        }.sorted { $0.labels < $1.labels }
    }

    func readAll(_ store: Store) throws -> [Labels: [Sample]] {
        try BlockTests().read(store, [try LabelMatcher(.regexMatch, "instance", ".+")])
    }

    /// Version 2 as written, and with pages of 300 bytes so that chunks fall on many pages and
    /// the offsets the index leaves out are implied across page boundaries.
    static let layouts: [(name: String, layout: BlockFormat.Layout)] = [
        ("v2", .v2), ("v2, 300-byte pages", .init(version: 2, pageSize: 300, zstdLevel: 1, sharesTimestamps: true)),
    ]

    @Test(arguments: [UInt64(1), 2, 3], [0, 1])
    func chunksReadBackBitForBit(seed: UInt64, layout: Int) throws {
        let dir = TemporaryDirectory()
        let data = Self.generate(seed: seed, targets: 3, from: 0, hours: 2)
        let series = Self.series(data, in: 0..<(2 * Self.hour))
        let meta = try BlockWriter(directory: dir.path, layout: Self.layouts[layout].layout)
            .write(series: series, minTime: 0, maxTime: 2 * Self.hour, ulid: "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        #expect(meta.version == 2)
        let block = try Block(path: dir.path + "/" + meta.ulid)
        if layout == 1 { #expect(Set(block.series.flatMap(\.chunks).map(\.page)).count > 10) }
        #expect(!block.timestampColumns.isEmpty, "series of a target share their columns")
        let refs = block.series.flatMap(\.chunks)
        #expect(refs.contains { $0.sharedTimestamps > 0 })
        #expect(refs.contains { $0.sharedTimestamps == 0 })
        #expect(block.series.map(\.labels) == series.map(\.labels))
        for (entry, written) in zip(block.series, series) {
            #expect(try block.chunks(of: entry, mint: .min, maxt: .max) == written.chunks)
        }
    }

    /// A selection decodes a shared column once: the chunks that carry it get one decoding,
    /// and every chunk still decodes to the samples written.
    @Test func chunksOfASelectionShareTheDecodingOfTheirColumn() throws {
        let dir = TemporaryDirectory()
        let data = Self.generate(seed: 5, targets: 2, from: 0, hours: 2)
        let series = Self.series(data, in: 0..<(2 * Self.hour))
        let meta = try BlockWriter(directory: dir.path, layout: .v2)
            .write(series: series, minTime: 0, maxTime: 2 * Self.hour, ulid: "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        let block = try Block(path: dir.path + "/" + meta.ulid)
        let sharing = SharedTimestampDecoding.Table()
        var uses: [ObjectIdentifier: Int] = [:]
        for (entry, written) in zip(block.series, series) {
            let chunks = try block.chunks(of: entry, mint: .min, maxt: .max, sharing: sharing)
            #expect(chunks == written.chunks)
            var samples: [Sample] = []
            for (chunk, ref) in zip(chunks, entry.chunks) {
                #expect((chunk.sharedTimestamps != nil) == (ref.sharedTimestamps > 0))
                if let decoding = chunk.sharedTimestamps { uses[ObjectIdentifier(decoding), default: 0] += 1 }
                var cursor = SampleCursor(chunks: [chunk], tail: [], mint: .min, maxt: .max)
                let read = cursor.next(batch: &samples)
                #expect(read)
                #expect(cursor.error == nil)
            }
            #expect(samples == data[written.labels])
        }
        #expect(!uses.isEmpty && uses.values.allSatisfy { $0 >= 2 }, "each decoding serves the series of one target: \(uses.values.sorted())")
    }

    @Test(arguments: [UInt64(7), 8])
    func dataReadsBackIdenticallyThroughCompaction(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        let data = Self.generate(seed: seed, targets: 4, from: 0, hours: 8)
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            var app = store.appender()
            // Append in time order across series, as scrapes arrive.
            let ordered = data.flatMap { labels, samples in samples.map { (labels, $0) } }.sorted { $0.1.timestamp < $1.1.timestamp }
            for (labels, sample) in ordered { try app.append(.unknown, labels, sample.timestamp, sample.value) }
            try app.commit()
            try store.compact(now: 8 * Self.hour, force: true)
            #expect(store.blocks.contains { $0.compaction.level > 1 }, "2 h blocks merged")
            #expect(store.blocks.allSatisfy { $0.version == 2 })
            #expect(try readAll(store) == data)
            try store.close()
        }
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(reopened.corruptBlocks.isEmpty)
        #expect(try readAll(reopened) == data)
        try reopened.close()
        let analysis = try StoreAnalysis(path: dir.path)
        #expect(analysis.blockSamples > 0)
        #expect(analysis.blockBytes == TemporaryDirectoryBytes.dataFiles(under: dir.path + "/blocks"))
    }

    @Test func version1BlocksStillReadAndMergeIntoVersion2() throws {
        let dir = TemporaryDirectory()
        let data = Self.generate(seed: 11, targets: 3, from: 0, hours: 8)
        try FileManager.default.createDirectory(atPath: dir.path + "/blocks", withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        for k in Int64(0)..<4 {
            let range = (k * 2 * Self.hour)..<((k + 1) * 2 * Self.hour)
            let meta = try BlockWriter(directory: dir.path + "/blocks", layout: .v1).write(
                series: Self.series(data, in: range), minTime: range.lowerBound, maxTime: range.upperBound,
                ulid: ULID.make(milliseconds: UInt64(1_000 + k), random: &generator))
            #expect(meta.version == 1)
            let index = try FileIO.readAll(dir.path + "/blocks/\(meta.ulid)/index")
            #expect(index[4] == 1)
        }
        let store = try Store(options: StoreOptions(path: dir.path))
        #expect(store.corruptBlocks.isEmpty)
        #expect(store.blocks.count == 4 && store.blocks.allSatisfy { $0.version == 1 })
        #expect(try readAll(store) == data)
        let report = try store.compact(now: 8 * Self.hour)
        #expect(report.blocksMerged == 3)
        #expect(store.blocks.map(\.version).sorted() == [1, 2], "the three merged into one version 2 block")
        #expect(try readAll(store) == data)
        let analysis = try StoreAnalysis(path: dir.path)
        #expect(analysis.blockSamples == data.values.reduce(0) { $0 + $1.count })
        #expect(analysis.blockBytes == TemporaryDirectoryBytes.dataFiles(under: dir.path + "/blocks"))
    }

    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case chunksTruncated, chunksByteFlipped, chunksHeaderVersion, indexTruncated, indexByteFlipped, metaTruncated, chunksMissing
        var testDescription: String { rawValue }
    }

    @Test(arguments: Damage.allCases)
    func aDamagedVersion2BlockIsMovedAside(_ damage: Damage) throws {
        let dir = TemporaryDirectory()
        let data = Self.generate(seed: 5, targets: 2, from: 0, hours: 4)
        try FileManager.default.createDirectory(atPath: dir.path + "/blocks", withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        var ulids: [String] = []
        for k in Int64(0)..<2 {
            let range = (k * 2 * Self.hour)..<((k + 1) * 2 * Self.hour)
            ulids.append(try BlockWriter(directory: dir.path + "/blocks").write(
                series: Self.series(data, in: range), minTime: range.lowerBound, maxTime: range.upperBound,
                ulid: ULID.make(milliseconds: UInt64(1_000 + k), random: &generator)).ulid)
        }
        let victim = ulids[0]
        let base = dir.path + "/blocks/\(victim)/"
        func rewrite(_ name: String, _ change: (inout [UInt8]) -> Void) throws {
            var bytes = try FileIO.readAll(base + name)
            change(&bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: base + name))
        }
        switch damage {
        case .chunksTruncated: try rewrite("chunks") { $0.removeLast($0.count / 3) }
        case .chunksByteFlipped: try rewrite("chunks") { $0[$0.count / 2] ^= 0x20 }
        case .chunksHeaderVersion: try rewrite("chunks") { $0[4] = 1 }
        case .indexTruncated: try rewrite("index") { $0.removeLast(7) }
        case .indexByteFlipped: try rewrite("index") { $0[$0.count - 5] ^= 0x01 }
        case .metaTruncated: try rewrite("meta.json") { $0.removeLast($0.count / 2) }
        case .chunksMissing: try FileManager.default.removeItem(atPath: base + "chunks")
        }
        let store = try Store(options: StoreOptions(path: dir.path))
        #expect(store.corruptBlocks == [victim])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/corrupted/\(victim)"))
        #expect(store.blocks.count == 1)
        // The undamaged block still serves its range.
        let expected = data.compactMapValues { samples -> [Sample]? in
            let later = samples.filter { $0.timestamp >= 2 * Self.hour }
            return later.isEmpty ? nil : later
        }
        #expect(try readAll(store) == expected)
    }

    /// A version 2 index built by hand from docs/format/block.md (body laid out field by field,
    /// compressed with the zstd command-line tool): the reader agrees with the document.
    static let goldenIndex: [UInt8] = [
        0x53, 0x58, 0x49, 0x58, 0x02, 0x4A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0xB5, 0x2F,
        0xFD, 0x00, 0x68, 0x51, 0x02, 0x00, 0x04, 0x08, 0x5F, 0x5F, 0x6E, 0x61, 0x6D, 0x65, 0x5F, 0x5F,
        0x01, 0x61, 0x08, 0x69, 0x6E, 0x73, 0x74, 0x61, 0x6E, 0x63, 0x65, 0x02, 0x75, 0x70, 0x02, 0x02,
        0x12, 0x34, 0x01, 0x07, 0x01, 0x02, 0x00, 0x03, 0x02, 0x01, 0x03, 0x00, 0x05, 0x03, 0x78, 0xD0,
        0x0F, 0xD0, 0xF2, 0xD9, 0x01, 0x01, 0x00, 0x09, 0x01, 0x02, 0xB0, 0xEA, 0x01, 0xB0, 0xEA, 0x01,
        0x00, 0x01, 0x04, 0x04, 0x03, 0xB0, 0xEA, 0x01, 0xE0, 0xD4, 0x03, 0x02, 0x06, 0x91, 0x14, 0x1C,
    ]

    @Test func goldenVersion2IndexDecodesAsDocumented() throws {
        let index = try BlockIndex.decodeIndex(Self.goldenIndex)
        #expect(index.version == 2)
        #expect(index.timestampColumns == [[0x12, 0x34], [0x07]])
        #expect(index.series.count == 1)
        #expect(index.series.first?.labels == Labels(["__name__": "up", "instance": "a"]))
        #expect(index.series.first?.chunks == [
            .init(page: 0, offset: 0, length: 5, encoding: 3, count: 120, minTime: 1_000, maxTime: 1_786_000, sharedTimestamps: 1),
            .init(page: 0, offset: 5, length: 9, encoding: 1, count: 2, minTime: 1_801_000, maxTime: 1_816_000),
            .init(page: 1, offset: 0, length: 4, encoding: 4, count: 3, minTime: 1_831_000, maxTime: 1_861_000, sharedTimestamps: 2),
        ])
        // Written again, it reads back the same (the zstd frame may differ).
        let again = try BlockIndex.decodeIndex(BlockIndex.encode(index.series, timestampColumns: index.timestampColumns))
        #expect(again.timestampColumns == index.timestampColumns && again.series.first?.chunks == index.series.first?.chunks)
    }

    @Test func version2IndexRefusesGarbage() {
        let column: [UInt8] = [1, 2, 3]
        let valid = BlockIndex.encode([.init(labels: Labels(["__name__": "up"]), chunks: [
            .init(page: 0, offset: 0, length: 10, encoding: 3, count: 3, minTime: 0, maxTime: 30_000, sharedTimestamps: 1),
            .init(page: 0, offset: 10, length: 4, encoding: 1, count: 2, minTime: 45_000, maxTime: 60_000),
            .init(page: 1, offset: 0, length: 6, encoding: 3, count: 3, minTime: 75_000, maxTime: 105_000, sharedTimestamps: 1),
        ])], timestampColumns: [column])
        #expect(valid[4] == 2)
        for cut in 0..<valid.count {
            #expect(throws: BlockIndex.Failure.self) { try BlockIndex.decodeIndex(Array(valid[..<cut])) }
        }
        let index = try? BlockIndex.decodeIndex(valid)
        #expect(index?.timestampColumns == [column])
        #expect(index?.series.first?.chunks.map(\.offset) == [0, 10, 0], "offsets follow from the layout")
        #expect(index?.series.first?.chunks.map(\.sharedTimestamps) == [1, 0, 1])
        // A reference to a column that is not there.
        let dangling = BlockIndex.encode([.init(labels: Labels(["__name__": "up"]), chunks: [
            .init(page: 0, offset: 0, length: 10, encoding: 3, count: 3, minTime: 0, maxTime: 30_000, sharedTimestamps: 2),
        ])], timestampColumns: [column])
        #expect(throws: BlockIndex.Failure.self) { try BlockIndex.decodeIndex(dangling) }
        var unknownVersion = valid
        unknownVersion[4] = 3
        #expect(throws: BlockIndex.Failure.self) { try BlockIndex.decodeIndex(unknownVersion) }
    }
}

/// Seeded, reproducible randomness for the generated data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TemporaryDirectoryBytes {
    /// Bytes of the `chunks` and `index` files of every block directory under `path`.
    static func dataFiles(under path: String) -> Int {
        let blocks = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return blocks.reduce(0) { total, block in
            ["chunks", "index"].reduce(total) { $0 + (FileIO.fileSize(path + "/" + block + "/" + $1) ?? 0) }
        }
    }
}
