import TSDB

/// Label-name validity from TSDB, for code that only needs the check.
enum TSDBLabelName {
    static func isValid(_ name: String) -> Bool { Labels.isValidLabelName(name) }
}
