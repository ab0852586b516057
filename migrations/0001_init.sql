-- Schema v1: the tables of DESIGN.md's Storage section.
-- Every row carries its tenant. High-volume tables are range-partitioned by day (UTC) on their
-- time column; retention drops whole partitions. Ids are bytea (trace 16 bytes, span 8 bytes).

CREATE TABLE exemplars (
    tenant      text             NOT NULL,
    ts          timestamptz      NOT NULL,
    metric      text             NOT NULL,
    series      jsonb            NOT NULL,
    series_fp   bigint           NOT NULL,
    value       double precision NOT NULL,
    trace_id    bytea,
    span_id     bytea,
    profile_id  text,
    labels      jsonb            NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, series_fp, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX exemplars_trace ON exemplars (tenant, trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX exemplars_metric_ts ON exemplars (tenant, metric, ts DESC);

CREATE TABLE spans (
    tenant          text        NOT NULL,
    trace_id        bytea       NOT NULL,
    span_id         bytea       NOT NULL,
    parent_span_id  bytea,
    service         text        NOT NULL,
    name            text        NOT NULL,
    kind            smallint    NOT NULL DEFAULT 0,
    start_ts        timestamptz NOT NULL,
    start_unix_nano bigint      NOT NULL,
    duration_ns     bigint      NOT NULL,
    status_code     smallint    NOT NULL DEFAULT 0,
    status_message  text,
    attributes      jsonb       NOT NULL DEFAULT '{}',
    profile_id      text,
    PRIMARY KEY (tenant, trace_id, span_id, start_ts)
) PARTITION BY RANGE (start_ts);
CREATE INDEX spans_profile_id ON spans (tenant, profile_id) WHERE profile_id IS NOT NULL;
CREATE INDEX spans_service_start ON spans (tenant, service, start_ts);
CREATE INDEX spans_span_id ON spans (tenant, span_id);

CREATE TABLE profiles (
    tenant              text        NOT NULL,
    profile_id          text        NOT NULL,
    service             text        NOT NULL,
    type                text        NOT NULL,
    sample_types        jsonb       NOT NULL,
    default_sample_type smallint    NOT NULL DEFAULT 0,
    period_type         text,
    period              bigint,
    start_ts            timestamptz NOT NULL,
    start_unix_nano     bigint      NOT NULL,
    duration_ns         bigint      NOT NULL,
    labels              jsonb       NOT NULL DEFAULT '{}',
    totals              bigint[]    NOT NULL,
    sample_count        integer     NOT NULL DEFAULT 0,
    raw                 bytea,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, profile_id, start_ts)
) PARTITION BY RANGE (start_ts);
CREATE INDEX profiles_service_type_start ON profiles (tenant, service, type, start_ts);

-- Function identity is global: a stable 64-bit hash of name and file name.
CREATE TABLE functions (
    function_id bigint PRIMARY KEY,
    name        text NOT NULL,
    filename    text NOT NULL DEFAULT ''
);

-- The per-function series the rules read: one row per profile, function and sample type.
CREATE TABLE profile_functions (
    tenant      text        NOT NULL,
    profile_id  text        NOT NULL,
    service     text        NOT NULL,
    type        text        NOT NULL,
    start_ts    timestamptz NOT NULL,
    function_id bigint      NOT NULL,
    sample_type smallint    NOT NULL,
    flat        bigint      NOT NULL,
    cum         bigint      NOT NULL,
    PRIMARY KEY (tenant, profile_id, start_ts, function_id, sample_type)
) PARTITION BY RANGE (start_ts);
CREATE INDEX profile_functions_series ON profile_functions (tenant, service, type, function_id, start_ts);

-- Samples labelled with a span: per profile and span, totals and top functions.
CREATE TABLE span_profiles (
    tenant     text        NOT NULL,
    profile_id text        NOT NULL,
    start_ts   timestamptz NOT NULL,
    span_id    bytea       NOT NULL,
    trace_id   bytea,
    span_name  text,
    totals     bigint[]    NOT NULL,
    top        jsonb       NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant, profile_id, start_ts, span_id)
) PARTITION BY RANGE (start_ts);
CREATE INDEX span_profiles_span ON span_profiles (tenant, span_id);
CREATE INDEX span_profiles_trace ON span_profiles (tenant, trace_id) WHERE trace_id IS NOT NULL;

CREATE TABLE alerts (
    tenant       text             NOT NULL,
    rule         text             NOT NULL,
    fingerprint  bigint           NOT NULL,
    labels       jsonb            NOT NULL,
    annotations  jsonb            NOT NULL DEFAULT '{}',
    state        text             NOT NULL,
    active_at    timestamptz,
    fired_at     timestamptz,
    resolved_at  timestamptz,
    last_sent_at timestamptz,
    valid_until  timestamptz,
    value        double precision,
    evidence     jsonb            NOT NULL DEFAULT '{}',
    updated_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, rule, fingerprint)
);

-- The tables partitioned by day, for the partition functions below.
CREATE TABLE partitioned_tables (name text PRIMARY KEY);
INSERT INTO partitioned_tables VALUES ('exemplars'), ('spans'), ('profiles'), ('profile_functions'), ('span_profiles');

-- Creates the daily partitions (UTC) of every partitioned table for the days in [first, last].
-- Serialised by an advisory lock so concurrent writers and replicas do not race.
CREATE FUNCTION ensure_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    d date;
    created integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7243512001);
    FOR t IN SELECT name FROM partitioned_tables LOOP
        d := first_day;
        WHILE d <= last_day LOOP
            IF to_regclass(format('%I', t || '_p' || to_char(d, 'YYYYMMDD'))) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    t || '_p' || to_char(d, 'YYYYMMDD'), t,
                    (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
                created := created + 1;
            END IF;
            d := d + 1;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- Drops the partitions whose whole day is before `first_kept_day`. Returns how many.
CREATE FUNCTION drop_partitions_before(first_kept_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7243512001);
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN (SELECT name FROM partitioned_tables)
          AND c.relname ~ '_p[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < first_kept_day
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END;
$$;

SELECT ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 2);
