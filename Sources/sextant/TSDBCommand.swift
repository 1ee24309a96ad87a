import ArgumentParser
import Collector
import Foundation
import Logging
import TSDB

/// `sextant tsdb …`: offline tools on a data directory while no server runs.
struct TSDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdb",
        abstract: "Offline tools for a data directory (stop the server first).",
        subcommands: [Import.self, Compact.self, Analyze.self]
    )

    /// Offline commands print their results; the store's own logging is for warnings.
    static func quietLogs() { Sextant.bootstrapLogging(level: .warning) }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("sextant tsdb: \(message)\n".utf8))
        return ExitCode(1)
    }

    /// Backfill from OpenMetrics text, as `promtool tsdb create-blocks-from openmetrics`
    /// takes it: every sample has a timestamp, the input ends with `# EOF`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write blocks from an OpenMetrics file with timestamps.")

        @Option(name: .long, help: "Data directory.")
        var dataDir: String

        @Argument(help: "OpenMetrics text file.")
        var file: String

        func run() throws {
            TSDBCommand.quietLogs()
            let bytes: [UInt8]
            do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                throw fail("cannot read \(file): \(error.localizedDescription)")
            }
            var parser = ExpositionParser(bytes, format: .openMetrics, limits: .unlimited)
            var importer = BlockImporter(path: dataDir)
            do {
                while let entry = try parser.next() {
                    guard case .sample(let labels, let timestamp, let value) = entry else { continue }
                    guard let timestamp else { throw fail("\(file): a sample of \(labels) has no timestamp; every sample needs one to import") }
                    do { try importer.add(labels, Sample(timestamp, value)) } catch { throw fail("\(file): \(error)") }
                }
            } catch let error as ExpositionError {
                throw fail("\(file): \(error)")
            }
            do {
                let blocks = try importer.write(now: TSDBCommand.now())
                print("imported \(importer.sampleCount) samples into \(blocks.count) block(s) in \(dataDir)/blocks")
                for meta in blocks {
                    print("  \(meta.ulid)  \(Self.time(meta.minTime)) – \(Self.time(meta.maxTime))  series \(meta.stats.numSeries)  samples \(meta.stats.numSamples)")
                }
            } catch {
                throw fail("\(error)")
            }
        }

        static func time(_ ms: Int64) -> String {
            let formatter = ISO8601DateFormatter()
            return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
    }

    /// Cut everything the head (WAL) holds into blocks and compact them fully.
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cut the head into blocks and compact them.")

        @Option(name: .long, help: "Data directory.")
        var dataDir: String

        func run() throws {
            TSDBCommand.quietLogs()
            do {
                let store = try Store(options: StoreOptions(path: dataDir, walSync: .always))
                let report = try store.compact(now: TSDBCommand.now(), force: true)
                try store.close()
                print("cut \(report.headBlocksCut) block(s) from the head, merged \(report.blocksMerged), deleted \(report.blocksDeletedByRetention) by retention, wrote \(report.rollupsWritten) rollup(s); \(store.blocks.count) block(s) now")
            } catch {
                throw fail("\(error)")
            }
        }
    }

    /// Series, samples and bytes per block and in total.
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report series, samples and bytes per sample, per block and in total.")

        @Option(name: .long, help: "Data directory.")
        var dataDir: String

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() throws {
            TSDBCommand.quietLogs()
            let analysis: StoreAnalysis
            do { analysis = try StoreAnalysis(path: dataDir) } catch { throw fail("\(error)") }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(analysis), as: UTF8.self))
                return
            }
            print("block                        min time                  max time                  series    samples    bytes       bytes/sample")
            for b in analysis.blocks {
                print(b.ulid.padding(toLength: 28, withPad: " ", startingAt: 0),
                      Import.time(b.minTime).padding(toLength: 25, withPad: " ", startingAt: 0),
                      Import.time(b.maxTime).padding(toLength: 25, withPad: " ", startingAt: 0),
                      String(b.series).padding(toLength: 9, withPad: " ", startingAt: 0),
                      String(b.samples).padding(toLength: 10, withPad: " ", startingAt: 0),
                      String(b.bytes).padding(toLength: 11, withPad: " ", startingAt: 0),
                      String(format: "%.3f", b.bytesPerSample))
            }
            for r in analysis.rollups {
                print("rollup \(r.ulid) of \(Import.time(r.minTime))..\(Import.time(r.maxTime)) at \(r.resolution / 60_000)m: \(r.series) series, \(r.samples) points, \(r.bytes) bytes")
            }
            print("head: \(analysis.headSeries) series, \(analysis.headSamples) samples, WAL \(analysis.walBytes) bytes")
            print("blocks: \(analysis.blocks.count), \(analysis.blockSamples) samples, \(analysis.blockBytes) bytes, \(String(format: "%.3f", analysis.blockBytesPerSample)) bytes/sample")
        }
    }
}
