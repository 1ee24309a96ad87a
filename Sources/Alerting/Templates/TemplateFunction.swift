/// A function a template may call: its Go signature, for argument checking as
/// `text/template` does it, and its implementation.
struct TemplateFunction: Sendable {
    var parameters: [TemplateType]
    /// The element type of a trailing `...` parameter.
    var variadic: TemplateType?
    var call: @Sendable ([TemplateValue], TemplateEnvironment) throws(TemplateFunctionError) -> TemplateValue

    init(
        _ parameters: [TemplateType], variadic: TemplateType? = nil,
        _ call: @escaping @Sendable ([TemplateValue], TemplateEnvironment) throws(TemplateFunctionError) -> TemplateValue
    ) {
        self.parameters = parameters
        self.variadic = variadic
        self.call = call
    }

    /// A function of one argument that ignores the environment.
    static func unary(
        _ parameter: TemplateType, _ body: @escaping @Sendable (TemplateValue) throws(TemplateFunctionError) -> TemplateValue
    ) -> TemplateFunction {
        TemplateFunction([parameter]) { (args, _) throws(TemplateFunctionError) in try body(args[0]) }
    }

    /// A `string -> string` function.
    static func strings(_ body: @escaping @Sendable (String) -> String) -> TemplateFunction {
        TemplateFunction([.string]) { args, _ in .string(body(args[0].stringValue)) }
    }
}

/// The error a template function returned; the executor reports it as
/// `error calling <name>: <message>`.
struct TemplateFunctionError: Error, Sendable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// What functions may need beyond their arguments.
struct TemplateEnvironment {
    /// Runs a PromQL instant query at the evaluation time, for `query`.
    var query: ((String) throws(TemplateFunctionError) -> [TemplateSample])?
    /// `--web.external-url`, for `externalURL` and `pathPrefix`.
    var externalURL: String = ""
}

extension TemplateValue {
    /// The string inside a value already checked to be a string.
    var stringValue: String {
        switch self {
        case .string(let s), .html(let s): s
        default: ""
        }
    }
}

/// The functions of Prometheus's alert templates: Go's built-ins and Prometheus's own.
enum TemplateFunctions {
    static let all: [String: TemplateFunction] = builtins.merging(prometheus) { _, new in new }
    static let names: Set<String> = Set(all.keys)
}
