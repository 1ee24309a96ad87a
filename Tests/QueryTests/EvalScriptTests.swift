import Foundation
import Testing
import Query

/// The scripts of `testdata/eval/*.test`, found next to this file.
private let evalScripts: [EvalScriptFile] = {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/eval")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".test") }.sorted().map { EvalScriptFile(name: $0, path: directory.appendingPathComponent($0).path) }
}()

struct EvalScriptFile: Sendable, CustomStringConvertible {
    let name: String
    let path: String
    var description: String { name }
}

struct EvalScriptTests {
    @Test("testdata/eval", arguments: evalScripts)
    func script(_ file: EvalScriptFile) throws {
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        let script = try EvalScript.parse(name: file.name, text: text)
        var runner = EvalScriptRunner(script)
        runner.run()
        #expect(runner.cases > 0, "\(file.name) has no eval cases")
        for failure in runner.failures {
            Issue.record("\(file.name) \(failure)")
        }
    }

    @Test func scriptsCoverEnoughCases() throws {
        var total = 0
        for file in evalScripts {
            let script = try EvalScript.parse(name: file.name, text: try String(contentsOfFile: file.path, encoding: .utf8))
            total += script.commands.filter { if case .eval = $0 { true } else { false } }.count
        }
        #expect(total >= 300)
    }
}
