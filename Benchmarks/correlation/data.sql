-- The store Benchmarks/correlation.sh (and Benchmarks/citus/bench.sh) measure trace → profile
-- links on: 50 services' CPU profiles over the last three hours, :traces traces of 5 spans with
-- labelled samples on half of the root spans, exemplars on the other half.
-- Run with psql -v traces=N.
SELECT ensure_partitions(current_date - 1, current_date + 1);
CREATE TEMP TABLE base AS SELECT (extract(epoch FROM now()) * 1e9)::bigint - 10800000000000 AS t0;
-- 50 services x 400 CPU profiles of 10 s every 27 s over the last 3 hours.
INSERT INTO profiles (tenant, profile_id, service, type, sample_types, default_sample_type, start_ts, start_unix_nano, duration_ns, totals, sample_count)
SELECT 'default', 'p-' || s || '-' || k, 'svc-' || s, 'cpu',
       '[{"type":"samples","unit":"count"},{"type":"cpu","unit":"nanoseconds"}]', 1,
       timestamptz 'epoch' + (t0 + k * 27000000000) / 1000 * interval '1 microsecond', t0 + k * 27000000000, 10000000000,
       '{1000,10000000000}', 1000
FROM base, generate_series(0, 49) s, generate_series(0, 399) k;
INSERT INTO functions (function_id, name, filename)
SELECT f, 'pkg' || (f % 37) || '.Function' || f, '/src/pkg' || (f % 37) || '/file.go' FROM generate_series(1, 1000) f;
INSERT INTO profile_functions (tenant, profile_id, service, type, start_ts, function_id, sample_type, flat, cum)
SELECT p.tenant, p.profile_id, p.service, p.type, p.start_ts, 1 + (abs(hashtext(p.profile_id)) + j * 53) % 1000, 1,
       (20 - j) * 10000000, (21 - j) * 20000000
FROM profiles p, generate_series(0, 19) j;
-- :traces traces of 5 spans (200,000 in correlation.sh), one every 54 ms.
INSERT INTO spans (tenant, trace_id, span_id, parent_span_id, service, name, kind, start_ts, start_unix_nano, duration_ns, profile_id)
SELECT 'default', decode(lpad(to_hex(t), 32, '0'), 'hex'), decode(lpad(to_hex(t * 8 + s), 16, '0'), 'hex'),
       CASE WHEN s > 0 THEN decode(lpad(to_hex(t * 8), 16, '0'), 'hex') END,
       'svc-' || (t % 50), CASE WHEN s = 0 THEN 'GET /route' || (t % 20) ELSE 'step' || s END, 2,
       timestamptz 'epoch' + (t0 + t * 54000000 + s * 1000000) / 1000 * interval '1 microsecond',
       t0 + t * 54000000 + s * 1000000, CASE WHEN s = 0 THEN 50000000 ELSE 9000000 END,
       CASE WHEN s = 1 AND t % 10 = 0 THEN 'p-' || (t % 50) || '-' || (t / 500) END
FROM base, generate_series(1::bigint, :traces) t, generate_series(0, 4) s;
-- Half the root spans have labelled samples in their service's profile.
INSERT INTO span_profiles (tenant, profile_id, start_ts, span_id, trace_id, span_name, totals, top)
SELECT 'default', 'p-' || (t % 50) || '-' || (t / 500), timestamptz 'epoch' + (t0 + (t / 500) * 27000000000) / 1000 * interval '1 microsecond',
       decode(lpad(to_hex(t * 8), 16, '0'), 'hex'), decode(lpad(to_hex(t), 32, '0'), 'hex'), 'GET /route' || (t % 20),
       '{5,50000000}',
       (SELECT jsonb_agg(jsonb_build_object('function', 'pkg1.Function' || j, 'file', '/src/pkg1/file.go', 'flat', (10 - j) * 1000000, 'cum', (11 - j) * 2000000)) FROM generate_series(0, 9) j)
FROM base, generate_series(2::bigint, :traces, 2) t;
-- Exemplars on the other half (100,000 in correlation.sh), a tenth carrying a profile id.
-- Their series: one per service and route (t % 100).
INSERT INTO exemplar_series (tenant, series_fp, metric, series, last_day)
SELECT 'default', t, 'http_server_request_duration_seconds_bucket',
       jsonb_build_object('service', 'svc-' || (t % 50), 'route', '/route' || (t % 20), 'le', '0.1'), (now() AT TIME ZONE 'UTC')::date
FROM generate_series(0::bigint, 99) t;
INSERT INTO exemplars (tenant, ts, series_fp, value, trace_id, span_id, profile_id)
SELECT 'default', timestamptz 'epoch' + (t0 + t * 54000000) / 1000 * interval '1 microsecond', t % 100, 0.05 + (t % 97) / 1000.0,
       decode(lpad(to_hex(t), 32, '0'), 'hex'), decode(lpad(to_hex(t * 8), 16, '0'), 'hex'),
       CASE WHEN t % 10 = 1 THEN 'p-' || (t % 50) || '-' || (t / 500) END
FROM base, generate_series(1::bigint, :traces, 2) t;
VACUUM ANALYZE;
-- Write the generated data out now: otherwise the checkpoint that spreads it over the next
-- minutes (and its final fsync) lands inside one of the measured runs and not the other.
CHECKPOINT;
