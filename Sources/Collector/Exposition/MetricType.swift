/// A metric family's type, as declared by a `# TYPE` line.
///
/// The Prometheus text format declares `counter`, `gauge`, `histogram`, `summary` and
/// `untyped`; OpenMetrics declares `counter`, `gauge`, `histogram`, `gaugehistogram`,
/// `summary`, `info`, `stateset` and `unknown`. A name from the other format is an error.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    case counter, gauge, histogram, summary, untyped, unknown, info, stateset, gaugehistogram

    /// Whether a `# TYPE` line in `format` may declare this type.
    func isDeclarable(in format: ExpositionFormat) -> Bool {
        switch self {
        case .counter, .gauge, .histogram, .summary: true
        case .untyped: format == .prometheusText
        case .unknown, .info, .stateset, .gaugehistogram: format == .openMetrics
        }
    }

    /// The type spelled by `bytes`, if `format` allows declaring it.
    static func declared(by bytes: UnsafeBufferPointer<UInt8>, in format: ExpositionFormat) -> MetricType? {
        allCases.first { $0.isDeclarable(in: format) && $0.rawValue.utf8.elementsEqual(bytes) }
    }
}
