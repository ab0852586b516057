-- A request's peers (issue 22, /explain): the spans of one route of a service in a window.
-- With only (tenant, service, start_ts) the scan read every route of the service in the
-- window and filtered on name (3,131 of 3,424 rows thrown away in the explain benchmark).
-- Building it locks span writes for as long as it takes on an existing database.
CREATE INDEX spans_route_start ON spans (tenant, service, name, start_ts);
