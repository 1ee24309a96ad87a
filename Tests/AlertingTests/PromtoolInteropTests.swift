import Foundation
import Testing

/// The `promtool test rules` files of `testdata/promtool/*_test.yml`, found next to this file.
private let promtoolTests: [RuleScriptFile] = {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/promtool")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix("_test.yml") }.sorted().map { RuleScriptFile(name: $0, path: directory.appendingPathComponent($0).path) }
}()

/// Prometheus and Sextant agree: the same rule files over the same series give the same
/// firing alerts, with the same labels and annotations. Each file is a Prometheus rule unit
/// test; promtool must pass it, and so must Sextant's evaluator.
///
/// Not covered: `keep_firing_for`, which Prometheus 2.42 does not know (keep_firing_for.test
/// covers it in Sextant alone).
struct PromtoolInteropTests {
    @Test(.enabled(if: Promtool.isInstalled), arguments: promtoolTests)
    func prometheusPasses(_ file: RuleScriptFile) async throws {
        let (status, output) = try await Promtool.run(["test", "rules", file.path])
        #expect(status == 0, "promtool test rules \(file.name):\n\(output)")
    }

    @Test(arguments: promtoolTests)
    func sextantPasses(_ file: RuleScriptFile) throws {
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        var runner = PromtoolUnitTestRunner(try PromtoolUnitTest.parse(text, path: file.path))
        runner.run()
        #expect(runner.checks > 0, "\(file.name) checks nothing")
        for failure in runner.failures {
            Issue.record("\(file.name) \(failure)")
        }
    }

    @Test func everyFileIsFound() {
        #expect(Set(["builtin_test.yml", "for_test.yml", "templates_test.yml"]).isSubset(of: promtoolTests.map(\.name)))
    }
}
