import Foundation
import Testing

/// The scripts of `testdata/*.test`, found next to this file.
private let ruleScripts: [RuleScriptFile] = {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".test") }.sorted().map { RuleScriptFile(name: $0, path: directory.appendingPathComponent($0).path) }
}()

struct RuleScriptFile: Sendable, CustomStringConvertible {
    let name: String
    let path: String
    var description: String { name }
}

struct RuleTestScriptTests {
    @Test("testdata", arguments: ruleScripts)
    func script(_ file: RuleScriptFile) async throws {
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        let script = try RuleTestScript.parse(name: file.name, text: text)
        var runner = RuleTestRunner(script)
        await runner.run()
        #expect(runner.checks > 0, "\(file.name) checks nothing")
        for failure in runner.failures {
            Issue.record("\(file.name) \(failure)")
        }
    }

    @Test func everyScriptIsFound() {
        #expect(ruleScripts.count >= 18)
        let notify = ruleScripts.map(\.name).filter { $0.hasPrefix("notify_") }
        #expect(Set(notify).isSuperset(of: ["notify_grouping.test", "notify_inhibition.test", "notify_routing.test", "notify_silences.test"]))
    }
}
