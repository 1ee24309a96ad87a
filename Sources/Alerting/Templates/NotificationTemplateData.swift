/// Alertmanager's notification data (its `template.Data`) as templates see it: `.Receiver`,
/// `.Status`, `.Alerts` (a `template.Alerts` with `Firing` and `Resolved`), `.GroupLabels`,
/// `.CommonLabels`, `.CommonAnnotations` (each a `template.KV` with `SortedPairs`, `Names`,
/// `Values`, `Remove`) and `.ExternalURL`. Each alert has `.Status`, `.Labels`,
/// `.Annotations`, `.StartsAt`, `.EndsAt` (Go `time.Time`s), `.GeneratorURL` and `.Fingerprint`.
extension NotificationPayload {
    var templateData: TemplateValue {
        .record(TemplateRecord(
            typeName: "*template.Data",
            fields: [
                ("Receiver", .string(receiver)),
                ("Status", .string(status)),
                ("Alerts", .slice(TemplateSlice(typeName: "template.Alerts", elements: alerts.map(\.templateData)))),
                ("GroupLabels", .kv(groupLabels)),
                ("CommonLabels", .kv(commonLabels)),
                ("CommonAnnotations", .kv(commonAnnotations)),
                ("ExternalURL", .string(externalURL)),
            ]))
    }
}

extension NotificationPayload.Alert {
    /// Alertmanager's `template.Alert`; the times are read back from the payload's RFC 3339,
    /// an unset end being Go's zero time.
    var templateData: TemplateValue {
        .record(TemplateRecord(
            typeName: "template.Alert",
            fields: [
                ("Status", .string(status)),
                ("Labels", .kv(labels)),
                ("Annotations", .kv(annotations)),
                ("StartsAt", .time(GoInstant(rfc3339: startsAt) ?? .zero)),
                ("EndsAt", .time(GoInstant(rfc3339: endsAt) ?? .zero)),
                ("GeneratorURL", .string(generatorURL)),
                ("Fingerprint", .string(fingerprint)),
            ]))
    }
}
