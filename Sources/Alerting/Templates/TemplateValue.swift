/// A value a template computes with, typed as the Go value it stands for so that printing,
/// truthiness, comparisons and error messages come out as Prometheus's do.
indirect enum TemplateValue: Sendable {
    /// Go's zero `reflect.Value`: a nil interface, an absent value.
    case invalid
    case bool(Bool)
    case int(Int)
    /// A byte, as `index` returns for a string.
    case byte(UInt8)
    case float(Double)
    case string(String)
    /// `html/template.HTML`, which `safeHtml` returns: a string of another type.
    case html(String)
    /// `map[string]string`: label sets.
    case stringMap([String: String])
    /// `map[string]interface {}`: what `args` returns.
    case anyMap([String: TemplateValue])
    /// Prometheus's `queryResult` (`[]*sample`), what `query` returns.
    case queryResult([TemplateSample])
    /// Prometheus's `*sample`; nil is a nil pointer.
    case sample(TemplateSample?)
    /// A struct value, such as the data of an alert template.
    case record(TemplateRecord)
    /// Alertmanager's `template.KV` (`map[string]string` with methods): labels and annotations.
    case kv([String: String])
    /// A Go slice of a named type: `template.Alerts`, `template.Pairs`, `[]string`, ….
    case slice(TemplateSlice)
    /// Go's `time.Time`: an alert's `StartsAt` and `EndsAt`.
    case time(GoInstant)

    /// The Go type's name, as `%T` and error messages print it.
    var typeName: String {
        switch self {
        case .invalid: "<nil>"
        case .bool: "bool"
        case .int: "int"
        case .byte: "uint8"
        case .float: "float64"
        case .string: "string"
        case .html: "template.HTML"
        case .stringMap: "map[string]string"
        case .anyMap: "map[string]interface {}"
        case .queryResult: "template.queryResult"
        case .sample: "*template.sample"
        case .record(let r): r.typeName
        case .kv: "template.KV"
        case .slice(let s): s.typeName
        case .time: "time.Time"
        }
    }

    var isValid: Bool {
        if case .invalid = self { return false }
        return true
    }

    /// Go's `isTrue`: the value is not the zero of its type. Every kind here has a truth value.
    var truth: Bool {
        switch self {
        case .invalid: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .byte(let b): b != 0
        case .float(let f): f != 0
        case .string(let s), .html(let s): !s.isEmpty
        case .stringMap(let m): !m.isEmpty
        case .anyMap(let m): !m.isEmpty
        case .queryResult(let q): !q.isEmpty
        case .sample(let s): s != nil
        case .record, .time: true
        case .kv(let m): !m.isEmpty
        case .slice(let s): !s.elements.isEmpty
        }
    }
}

/// One element of a `query` result: Prometheus's template `sample` struct.
public struct TemplateSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }

    var record: TemplateRecord {
        TemplateRecord(
            typeName: "template.sample",
            fields: [("Labels", .stringMap(labels)), ("Value", .float(value))])
    }
}

/// A Go struct value: named fields in declaration order.
struct TemplateRecord: Sendable {
    var typeName: String
    var fields: [(name: String, value: TemplateValue)]

    subscript(name: String) -> TemplateValue? {
        fields.first { $0.name == name }?.value
    }
}

/// A Go slice: its type's name, as `%T` prints it and methods are looked up by, and its elements.
struct TemplateSlice: Sendable {
    var typeName: String
    var elements: [TemplateValue]

    /// `[]string`, what `stringSlice`, `Names` and `Values` return.
    static func strings(_ strings: [String]) -> TemplateSlice {
        TemplateSlice(typeName: "[]string", elements: strings.map { .string($0) })
    }

    /// The strings of a `[]string`.
    var strings: [String] { elements.map(\.stringValue) }
}

/// The Go type a function parameter declares; arguments are checked against it as
/// `text/template` checks them.
enum TemplateType: Sendable, Equatable, CustomStringConvertible {
    case string
    case float64
    case int
    case bool
    /// `interface {}`: anything.
    case any
    /// `reflect.Value`: anything, as the built-in functions take it.
    case value
    /// `*template.sample`.
    case sample
    /// `template.queryResult`.
    case queryResult
    /// `[]string`.
    case stringSlice

    var description: String {
        switch self {
        case .string: "string"
        case .float64: "float64"
        case .int: "int"
        case .bool: "bool"
        case .any: "interface {}"
        case .value: "reflect.Value"
        case .sample: "*template.sample"
        case .queryResult: "template.queryResult"
        case .stringSlice: "[]string"
        }
    }

    /// Go's `canBeNil`: interfaces, pointers, slices, maps (and `reflect.Value`).
    var canBeNil: Bool {
        switch self {
        case .any, .value, .sample, .queryResult, .stringSlice: true
        case .string, .float64, .int, .bool: false
        }
    }

    /// `reflect.Zero(type)` for the types that can be nil.
    var zero: TemplateValue {
        switch self {
        case .sample: .sample(nil)
        case .queryResult: .queryResult([])
        case .stringSlice: .slice(.strings([]))
        default: .invalid
        }
    }

    /// Whether a value of `value`'s type is assignable to this type.
    func accepts(_ value: TemplateValue) -> Bool {
        switch (self, value) {
        case (.any, _), (.value, _): true
        case (.string, .string), (.float64, .float), (.int, .int), (.bool, .bool),
            (.sample, .sample), (.queryResult, .queryResult):
            true
        case (.stringSlice, .slice(let s)): s.typeName == "[]string"
        default: false
        }
    }
}
