-- Alerting rule state: the state machine of each rule (pending/firing timers, last sends) as
-- JSON, so a restarted or newly elected scheduler resumes `for` timers and does not page twice,
-- plus what GET /api/v1/rules reports (health, last error, last evaluation and its duration).
CREATE TABLE rule_state (
    tenant             text             NOT NULL,
    rule               text             NOT NULL,  -- group name / alert name
    group_key          text             NOT NULL,  -- rule file ; group name
    state              jsonb            NOT NULL,  -- Rules.AlertingRuleState
    evidence           jsonb            NOT NULL DEFAULT '{}',  -- fingerprint -> evidence
    health             text             NOT NULL DEFAULT 'unknown',
    last_error         text,
    last_evaluation    timestamptz,
    evaluation_seconds double precision,
    updated_at         timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, rule)
);
CREATE INDEX alerts_state ON alerts (tenant, state);
