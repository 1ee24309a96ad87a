import Foundation
import Testing
@testable import Fleet

struct CatalogTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.path + "/sextant-catalog-\(UUID().uuidString.prefix(8)).sqlite"
    }

    @Test func migratesAndKeepsAuditEventsAcrossReopen() throws {
        let path = temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let catalog = try Catalog(path: path)
            #expect(try catalog.appliedMigrations() == ["v1_audit_log", "v2_alerting", "v3_catalog_meta", "v4_notification_totals"])
            try catalog.recordAudit(AuditEvent(at: 1, actor: "system", action: "server.start", target: "127.0.0.1:8090"))
            try catalog.recordAudit(AuditEvent(at: 2, actor: "alice", action: "provider.add", target: "libvirt-1", detail: "qemu:///system"))
            try catalog.close()
        }
        let reopened = try Catalog(path: path)
        let events = try reopened.auditEvents()
        #expect(events.map(\.action) == ["provider.add", "server.start"])
        #expect(events.first?.detail == "qemu:///system")
        try reopened.probe()
        try reopened.close()
    }

    @Test func aFileThatIsNotSQLiteIsAClearError() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: CatalogError.self) { try Catalog(path: path) }
    }
}
