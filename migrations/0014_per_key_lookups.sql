-- Lookups of one row per key, asked for many keys at once (issue 21, Citus). Each ran as a
-- LATERAL join or a correlated subquery from a list of keys to a high-volume table, which Citus
-- cannot plan when the list is not itself a distributed table. Here each key is looked up by
-- its own statement: on one PostgreSQL the same index probe as before, on Citus a router
-- query to the key's shard.

-- The newest stored exemplar of series at or before given times: the exemplar writer asks it
-- for the series it does not remember and for the rows the database must check
-- (Store+ExemplarWriter.swift). It asked with a LATERAL join or a correlated subquery from the
-- batch's unnest() to `exemplars` (ORDER BY ts DESC LIMIT 1); Citus plans neither ("cannot
-- perform a lateral outer join when a distributed subquery references a table function",
-- "correlated subqueries are not supported when the FROM clause contains a CTE or subquery").
--
-- `at_or_before[i]` NULL skips series[i]. Returns the 1-based position of each series found.
-- STABLE: it reads with the snapshot of the statement that calls it, as the subquery did.
CREATE FUNCTION exemplar_latest(tenant text, series bigint[], at_or_before timestamptz[])
RETURNS TABLE (ordinal integer, ts timestamptz, labels jsonb, value double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    FOR i IN 1 .. coalesce(cardinality(series), 0) LOOP
        CONTINUE WHEN at_or_before[i] IS NULL;
        RETURN QUERY
            SELECT i, e.ts, exemplar_labels(e.labels, e.trace_id, e.span_id), e.value
            FROM exemplars e
            WHERE e.tenant = exemplar_latest.tenant AND e.series_fp = series[i] AND e.ts <= at_or_before[i]
            ORDER BY e.ts DESC
            LIMIT 1;
    END LOOP;
END;
$$;

-- Of `series`, those with a profile starting in [from_ts, to_ts): one probe per series (the
-- discovery routes). It was an EXISTS subquery from `profile_series` (a reference table on
-- Citus) to `profile_stacks` (distributed), which Citus does not run ("correlated subqueries
-- are not supported when the FROM clause contains a reference table").
CREATE FUNCTION profile_series_with_profiles(tenant text, series bigint[], from_ts timestamptz, to_ts timestamptz)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    fp bigint;
BEGIN
    FOREACH fp IN ARRAY coalesce(series, '{}') LOOP
        PERFORM 1 FROM profile_stacks s
        WHERE s.tenant = profile_series_with_profiles.tenant AND s.series_fp = fp
          AND s.start_ts >= from_ts AND s.start_ts < to_ts
        LIMIT 1;
        IF FOUND THEN
            RETURN NEXT fp;
        END IF;
    END LOOP;
END;
$$;
