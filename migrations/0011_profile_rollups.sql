-- Hourly rollups of the stack aggregates (issue 18), so that a merge over a day reads about
-- one row per series and hour instead of one per profile.
--
-- `profile_stacks_hourly`: per tenant, series and UTC hour, the stacks of every profile of the
-- hour summed (same layout as `profile_stacks`: ids and stack-major values), how many
-- profiles that is, the earliest start, the summed durations and the largest period.
--
-- Rows of `profile_stacks` are only ever added (retention drops whole days), so a rollup is
-- exact while its `profiles` equals the number of rows of its hour: a merge uses it only then
-- and reads the raw rows otherwise (a late profile makes the rollup stale until the rollup
-- job writes it again). Written by the rollup job, never by ingest, so ingest costs nothing
-- more.
--
-- Scale-out (Citus): distributed by `series_fp`, co-located with `profile_stacks`; the
-- primary key holds it.

CREATE TABLE profile_stacks_hourly (
    tenant                text        NOT NULL,
    series_fp             bigint      NOT NULL,
    hour                  timestamptz NOT NULL,
    profiles              integer     NOT NULL,
    first_start_unix_nano bigint      NOT NULL,
    duration_ns           bigint      NOT NULL,
    period                bigint      NOT NULL,
    stack_ids             bigint[]    NOT NULL,
    stack_values          bigint[]    NOT NULL,
    PRIMARY KEY (tenant, series_fp, hour)
) PARTITION BY RANGE (hour);

INSERT INTO partitioned_tables VALUES ('profile_stacks_hourly');

-- Its partitions: one for each day `profile_stacks` has one, then the usual window.
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN
        SELECT to_date(right(c.relname, 8), 'YYYYMMDD')
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'profile_stacks' AND c.relname ~ '_p[0-9]{8}$'
    LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF profile_stacks_hourly FOR VALUES FROM (%L) TO (%L)',
            'profile_stacks_hourly_p' || to_char(d, 'YYYYMMDD'),
            (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
    END LOOP;
END;
$$;
SELECT ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 2);
