extension AlertingRule {
    /// The labels of the alert a sample becomes: the sample's labels, then the rule's labels
    /// (templates expanded with the sample's labels, value and details), then `alertname`.
    /// Their ``AlertFingerprint`` keys the alert in ``AlertingRuleState/alerts``.
    public func alertLabels(for sample: AlertSample) -> [String: String] {
        let values = TemplateValues(labels: sample.labels, variables: templateVariables(for: sample))
        var labels = sample.labels
        for (name, text) in self.labels {
            labels[name] = (try? AnnotationTemplate(text))?.render(values) ?? text
        }
        labels["alertname"] = name
        return labels
    }

    func templateVariables(for sample: AlertSample) -> [String: TemplateValues.Value] {
        var variables: [String: TemplateValues.Value] = ["value": .number(sample.value), "alertname": .text(name)]
        for (detail, number) in sample.details { variables[detail] = .number(number) }
        return variables
    }
}
