-- Cheaper index entries per exemplar row (issue 23, remote write). Under perf, two thirds of
-- PostgreSQL's CPU on the every-series-has-an-exemplar remote-write load went to the two btree
-- inserts of each row: descents of three levels whose every step compared the tenant (text)
-- before anything that tells rows apart.
--
-- * The primary key keeps its columns and its meaning (one exemplar per series and time, which
--   drops remote-write retries), in the order that decides a comparison on its first, integer
--   column: (series_fp, ts, tenant). Every lookup of it names the tenant, the series and a time
--   range, which this order serves as well: exemplar_latest() and query_exemplars read one
--   series at a time, newest or oldest first.
-- * The trace index becomes a hash index on trace_id alone: an insert hashes the id into its
--   bucket page instead of descending a btree, and an entry holds a 4-byte hash instead of the
--   tenant and the 16-byte id. Lookups are by equality only (= and = ANY, as a bitmap scan);
--   the tenant is checked on the row.
--
-- Measured with Benchmarks/exemplars.sh's load (8 senders, 100 series with a new exemplar each
-- per request), release build, fresh cluster per variant, PostgreSQL CPU per request, three
-- alternating runs of each:
--   before (tenant, series_fp, ts) + btree (tenant, trace_id)     1.07–1.44 ms, mean 1.23
--   this migration                                                 0.88–1.12 ms, mean 1.02
--   only the primary key reordered                                 1.00–1.08 ms
--   only the hash trace index                                      0.99–1.27 ms
--   non-unique (series_fp, ts) instead of the key, + hash index    1.04–1.16 ms (no gain: the
--     uniqueness check costs little once the descent is cheap; retries keep the key)
--   reordered key, no trace index at all (a floor, not an option)  0.57–0.68 ms
--
-- Rebuilding both indexes locks exemplar writes for as long as it takes on an existing database.
ALTER TABLE exemplars DROP CONSTRAINT exemplars_pkey;
ALTER TABLE exemplars ADD PRIMARY KEY (series_fp, ts, tenant);
DROP INDEX exemplars_trace;
CREATE INDEX exemplars_trace ON exemplars USING hash (trace_id) WHERE trace_id IS NOT NULL;
