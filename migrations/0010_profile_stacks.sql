-- Profiles kept as stack-level aggregates, so that merges over any time range and label set
-- (issue 18: merged flame graphs, top, pprof, series, diffs) never re-decode pprof.
--
-- * `profile_series`: each (service, type, label set, sample types) once, with its
--   fingerprint. Selectors and the discovery routes read this small table; `last_day` is the
--   newest UTC day of a profile of the series, so retention can delete series that no kept day
--   holds (as `exemplar_series`).
-- * `profile_stack_dictionary`: each distinct stack (function ids from `functions`, root
--   first) once per tenant, however many profiles hold it; `last_day` as above.
-- * `profile_stacks`: one row per stored profile: the ids of its distinct stacks and their
--   values as parallel arrays (`stack_values` has one value per stack and sample type of the
--   series, stack-major). A merge reads one row per profile in range.
--
-- Scale-out (Citus): `profile_stacks` is distributed by `series_fp` (its primary key holds it;
-- a merge over a selector fans out over the series' shards), `profile_series` and the
-- dictionary are small and joined by every merge: reference tables. Every unique key below
-- holds the column it would be distributed by.
--
-- Profiles stored before this migration are not in merges (their stacks were never kept);
-- their per-profile routes answer as before.

CREATE TABLE profile_series (
    tenant       text   NOT NULL,
    series_fp    bigint NOT NULL,
    service      text   NOT NULL,
    type         text   NOT NULL,
    labels       jsonb  NOT NULL,
    sample_types jsonb  NOT NULL,
    last_day     date   NOT NULL,
    PRIMARY KEY (tenant, series_fp)
);
CREATE INDEX profile_series_service_type ON profile_series (tenant, service, type);

CREATE TABLE profile_stack_dictionary (
    tenant       text     NOT NULL,
    stack_id     bigint   NOT NULL,
    function_ids bigint[] NOT NULL,
    last_day     date     NOT NULL,
    PRIMARY KEY (tenant, stack_id)
);

CREATE TABLE profile_stacks (
    tenant       text        NOT NULL,
    series_fp    bigint      NOT NULL,
    start_ts     timestamptz NOT NULL,
    profile_id   text        NOT NULL,
    start_unix_nano bigint   NOT NULL,
    duration_ns  bigint      NOT NULL,
    period       bigint      NOT NULL,
    stack_ids    bigint[]    NOT NULL,
    stack_values bigint[]    NOT NULL,
    PRIMARY KEY (tenant, series_fp, start_ts, profile_id)
) PARTITION BY RANGE (start_ts);

INSERT INTO partitioned_tables VALUES ('profile_stacks');

-- As before, plus the profile series and stacks that no kept profile can hold any more.
CREATE OR REPLACE FUNCTION drop_partitions_before(first_kept_day date) RETURNS integer
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
    DELETE FROM exemplar_series WHERE last_day < first_kept_day;
    DELETE FROM profile_series WHERE last_day < first_kept_day;
    DELETE FROM profile_stack_dictionary WHERE last_day < first_kept_day;
    RETURN dropped;
END;
$$;

-- The new table's partitions: one for each day `profiles` has one (so a write of any stored
-- day finds it), and yesterday to two days ahead as for every table.
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN
        SELECT to_date(right(c.relname, 8), 'YYYYMMDD')
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'profiles' AND c.relname ~ '_p[0-9]{8}$'
    LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF profile_stacks FOR VALUES FROM (%L) TO (%L)',
            'profile_stacks_p' || to_char(d, 'YYYYMMDD'),
            (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
    END LOOP;
END;
$$;
SELECT ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 2);
