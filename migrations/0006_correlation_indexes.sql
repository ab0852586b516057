-- Indexes for the correlation queries (issue 6).
-- time_window links: a service's profiles around a span, whatever their type.
CREATE INDEX profiles_service_start ON profiles (tenant, service, start_ts);
-- /api/v1/functions/traces: spans whose top functions contain a function (top @> '[{"function": …}]').
CREATE INDEX span_profiles_top ON span_profiles USING gin (top jsonb_path_ops);
