-- exemplars_metric_ts was (tenant, metric, ts DESC). Exemplars arrive in increasing time, so
-- every insert landed at the left end of its metric's range: no right-end fast path and
-- 50/50 page splits (half-empty pages). The ascending index serves the same queries
-- (metric + time range; a B-tree scans either direction) and appends at the right end.
-- Measured with pgbench, 8 clients × 100-row inserts: ~10% more inserts/s.
DROP INDEX exemplars_metric_ts;
CREATE INDEX exemplars_metric_ts ON exemplars (tenant, metric, ts);
