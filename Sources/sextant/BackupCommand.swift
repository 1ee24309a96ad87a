import ArgumentParser
import Foundation
import TSDB

/// `sextant backup --data-dir D --to DIR`: a consistent copy of a data directory while no
/// server runs on it (with a server running, use `POST /api/v1/admin/tsdb/snapshot`).
/// The copy is itself a data directory; restoring is pointing `--data-dir` at it.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Snapshot a data directory (server stopped).")

    @Option(name: .long, help: "Data directory to back up.")
    var dataDir: String

    @Option(name: .long, help: "Directory to create with the snapshot.")
    var to: String

    func run() throws {
        TSDBCommand.quietLogs()
        do {
            let store = try Store(options: StoreOptions(path: dataDir, walSync: .none))
            let report = try store.snapshot(to: to, now: TSDBCommand.now())
            try store.close()
            print("snapshot in \(report.directory): \(report.linkedBlocks) block(s) linked, head written as \(report.headBlocks) block(s) (\(report.headSamples) samples)")
        } catch {
            throw TSDBCommand.fail("\(error)")
        }
    }
}
