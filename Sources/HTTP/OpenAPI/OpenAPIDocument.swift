/// The OpenAPI 3.1 description of every route of the service, served at `/openapi.yaml`.
/// `OpenAPIDocumentTests` checks that every route the router serves is described here, and
/// Tests/e2e/correlation.sh checks real responses against it with schemathesis.
enum OpenAPIDocument {
    static let yaml = #"""
    openapi: 3.1.0
    info:
      title: Correlator
      version: "1"
      description: |
        Links metrics exemplars, OpenTelemetry traces and pprof profiles stored in PostgreSQL.
        Ids are lowercase hex (trace 32 digits, span 16); times are RFC 3339 with nanoseconds.
        Every request is scoped to the tenant of `X-Scope-OrgID` (default `default`); when the
        server is configured with `auth.tokens`, every route but /healthz, /readyz, /metrics and
        /openapi.yaml needs `Authorization: Bearer <token>` and the token fixes the tenant
        (401 without a valid token, 403 without the route's scope: ingest, read or admin).
        Ingest answers 429 with `Retry-After` over a tenant's rate and 503 with `Retry-After`
        when the store is saturated or down; nothing is acknowledged before it is committed.
        Lists take `limit` and an opaque `cursor` (pass `next_cursor` back unchanged); time ranges
        default to the last hour (`from`/`to` accept RFC 3339 or Unix seconds).
    servers:
      - url: /
    tags:
      - name: ingest
      - name: query
      - name: correlation
      - name: operational
      - name: ui
        description: Server-rendered web pages (HTML); errors are HTML pages too.
    paths:
      /healthz:
        get:
          tags: [operational]
          summary: The process is alive.
          operationId: healthz
          responses:
            "200":
              description: alive
              content:
                text/plain:
                  schema: {type: string}
      /readyz:
        get:
          tags: [operational]
          summary: The database is reachable and migrations are current.
          operationId: readyz
          responses:
            "200":
              description: ready
              content:
                text/plain:
                  schema: {type: string}
            "503":
              description: not ready, with the reason
              content:
                text/plain:
                  schema: {type: string}
      /metrics:
        get:
          tags: [operational]
          summary: Prometheus text exposition of the service's own metrics.
          operationId: metrics
          responses:
            "200":
              description: metrics
              content:
                text/plain:
                  schema: {type: string}
      /openapi.yaml:
        get:
          tags: [operational]
          summary: This document.
          operationId: openapi
          responses:
            "200":
              description: OpenAPI 3.1 document
              content:
                application/yaml:
                  schema: {type: string}
      /-/reload:
        post:
          tags: [operational]
          summary: Reloads the rule files.
          operationId: reload
          responses:
            "200": {description: reloaded}
            "400": {$ref: "#/components/responses/BadRequest"}
            default: {$ref: "#/components/responses/Error"}
      /v1/traces:
        post:
          tags: [ingest]
          summary: OTLP/HTTP trace export (protobuf or JSON, optional gzip).
          operationId: ingestTraces
          requestBody:
            required: true
            content:
              application/x-protobuf:
                schema: {type: string, format: binary}
              application/json:
                schema: {type: object}
          responses:
            "200":
              description: ExportTraceServiceResponse (partial success included)
            "400": {description: malformed request (google.rpc.Status)}
            "413": {description: request too large}
            "415": {description: unsupported content type or encoding}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/write:
        post:
          tags: [ingest]
          summary: Prometheus remote write 1.0 (snappy protobuf); exemplars are stored.
          operationId: remoteWrite
          requestBody:
            required: true
            content:
              application/x-protobuf:
                schema: {type: string, format: binary}
          responses:
            "204": {description: stored}
            "200": {description: stored}
            "400": {$ref: "#/components/responses/BadRequest"}
            "413": {description: request too large}
            "415": {description: unsupported version or encoding}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/exemplars:
        post:
          tags: [ingest]
          summary: A pushed OpenMetrics / Prometheus text exposition; its exemplars are stored.
          operationId: pushExemplars
          requestBody:
            required: true
            content:
              application/openmetrics-text:
                schema: {type: string}
              text/plain:
                schema: {type: string}
                example: |
                  # TYPE rpc_seconds_count counter
                  rpc_seconds_count 3
          responses:
            "200": {description: stored}
            "204": {description: stored}
            "400": {$ref: "#/components/responses/BadRequest"}
            "413": {description: request too large}
            "415": {description: unsupported media type}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/query_exemplars:
        get:
          tags: [query]
          summary: Prometheus-compatible exemplar query (series selector, start, end).
          operationId: queryExemplars
          parameters:
            - {name: query, in: query, required: true, description: "a series selector (metric{l=\"v\", l!=\"v\", l=~\"re\", l!~\"re\"}) or a PromQL expression: the exemplars of every selector in it, as Prometheus answers", schema: {type: string, minLength: 1}, example: "http_server_request_duration_seconds_bucket{le=\"0.5\"}"}
            - {name: start, in: query, description: "default: an hour before end", schema: {$ref: "#/components/schemas/TimeParameter"}}
            - {name: end, in: query, description: "default: now; not before start", schema: {$ref: "#/components/schemas/TimeParameter"}}
          responses:
            "200":
              description: Prometheus API envelope with exemplars per series
              content:
                application/json:
                  schema: {type: object}
            "400": {description: invalid selector or time}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
        post:
          tags: [query]
          summary: The same query with form-encoded parameters.
          operationId: queryExemplarsPost
          requestBody:
            content:
              application/x-www-form-urlencoded:
                schema:
                  type: object
                  required: [query]
                  properties:
                    query: {type: string, minLength: 1, description: series selector or PromQL expression, example: "http_server_request_duration_seconds_bucket{le=\"0.5\"}"}
                    start: {$ref: "#/components/schemas/TimeParameter"}
                    end: {$ref: "#/components/schemas/TimeParameter"}
          responses:
            "200":
              description: Prometheus API envelope with exemplars per series
              content:
                application/json:
                  schema: {type: object}
            "400": {description: invalid selector or time}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /ingest:
        post:
          tags: [ingest]
          summary: Pyroscope-compatible profile ingest (name, from, until, format pprof, folded or lines).
          operationId: pyroscopeIngest
          parameters:
            - {name: name, in: query, required: true, description: "application name, profile type and labels, app.cpu{k=v,…}", schema: {type: string, pattern: "^[A-Za-z0-9_.-]+(\\{([A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.-]*(,[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.-]*)*)?\\})?$"}}
            - {name: from, in: query, description: "start of the profile, Unix seconds or RFC 3339 (default: the profile's own time, else now)", schema: {$ref: "#/components/schemas/TimeParameter"}}
            - {name: until, in: query, description: "end of the profile, not before from", schema: {$ref: "#/components/schemas/TimeParameter"}}
            - {name: format, in: query, description: "pprof, folded (a;b;c 12 per line) or lines (a;b;c per sample); without it, pprof when the body is gzip'd, else folded", schema: {type: string, enum: [pprof, folded, lines]}}
            - {name: units, in: query, description: "folded/lines values: samples (CPU, default), objects, bytes, goroutines, lock_samples, lock_nanoseconds", schema: {type: string, enum: [samples, objects, bytes, goroutines, lock_samples, lock_nanoseconds]}}
            - {name: sampleRate, in: query, description: "Hz of CPU samples (default 100): a sample is 1/sampleRate s of CPU", schema: {type: integer, minimum: 1}}
            - {name: spyName, in: query, description: "the profiler (stored as label pyroscope_spy)", schema: {type: string}}
          requestBody:
            content:
              application/octet-stream:
                schema: {type: string, format: binary}
              text/plain:
                schema: {type: string, description: "folded stacks, one `frame;frame;… count` a line (or one stack a line with format=lines)", pattern: "^([A-Za-z0-9_.()]+(;[A-Za-z0-9_.()]+)* [0-9]{1,9}\\n){1,20}$"}
              multipart/form-data:
                schema: {type: object}
          responses:
            "200": {description: stored}
            "400": {$ref: "#/components/responses/BadRequest"}
            "413": {description: request too large}
            "415": {description: unsupported format}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /v1development/profiles:
        post:
          tags: [ingest]
          summary: OTLP/HTTP profiles export (v1development, opentelemetry-proto v1.10+ numbering).
          operationId: ingestOTLPProfiles
          requestBody:
            required: true
            content:
              application/x-protobuf:
                schema: {type: string, format: binary}
          responses:
            "200": {description: ExportProfilesServiceResponse}
            "400": {description: malformed request (google.rpc.Status)}
            "413": {description: request too large}
            "415": {description: unsupported content type}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/traces/{id}:
        get:
          tags: [query]
          summary: A stored trace's spans.
          operationId: getTrace
          parameters:
            - $ref: "#/components/parameters/TraceIDPath"
          responses:
            "200":
              description: the trace
              content:
                application/json:
                  schema: {type: object}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/traces/{id}/explain:
        get:
          tags: [correlation]
          summary: Why the request was slow, as ranked causes with their evidence.
          description: "The trace's root span (or span_id, e.g. an exemplar's span) against its peers, the same service and route within 30 minutes. Kinds: slower_than_peers (its own CPU samples against the fast requests: the narrowest function that holds most of the extra time), peer_evidence (too few samples of its own: the slow peers' samples, labelled as theirs), off_cpu (wall minus CPU time, attributed with the block, mutex and goroutine profiles), changed_after_deploy (the route before and after a service.version change). An ordinary request gets no cause."
          operationId: explainTrace
          parameters:
            - $ref: "#/components/parameters/TraceIDPath"
            - {name: span_id, in: query, description: "the span to explain (16 hex digits); default the trace's root", schema: {$ref: "#/components/schemas/SpanID"}}
          responses:
            "200":
              description: the request, its causes (most likely first; empty when nothing is unusual) and a one-line summary
              content:
                application/json:
                  schema:
                    type: object
                    required: [request, causes, summary]
                    properties:
                      request: {type: object}
                      summary: {type: string}
                      causes:
                        type: array
                        items:
                          type: object
                          required: [kind, function, stack, extra_ms_per_request, evidence, confidence, summary]
                          properties:
                            kind: {type: string, enum: [slower_than_peers, peer_evidence, off_cpu, changed_after_deploy]}
                            function: {type: string}
                            stack: {type: array, items: {type: string}}
                            extra_ms_per_request: {type: number}
                            evidence: {type: object}
                            confidence: {type: string, enum: [high, medium, low]}
                            summary: {type: string}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/traces/{id}/profiles:
        get:
          tags: [correlation]
          summary: Every profile the store can link to the trace, strongest evidence first.
          description: |
            Kinds: `span_samples` (samples labelled with a span of the trace), `span_attribute` (a span
            attribute names a stored profile, or a span id with labelled samples), `exemplar` (an
            exemplar of the trace carries a profile id), `time_window` (a profile of the span's service
            covers its time range; `overlap` is the fraction of the span covered). 404 when no span and
            no exemplar names the trace; 200 with empty `links` and a `reason` when nothing links it.
          operationId: traceProfiles
          parameters:
            - $ref: "#/components/parameters/TraceIDPath"
          responses:
            "200":
              description: the links
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/TraceLinks"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /jump/trace/{id}:
        get:
          tags: [correlation]
          summary: Redirects to the best view of the trace's strongest link (the profile page filtered to the span).
          operationId: jumpTrace
          parameters:
            - $ref: "#/components/parameters/TraceIDPath"
          responses:
            "302":
              description: redirect
              headers:
                Location:
                  schema: {type: string}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/slow-requests:
        get:
          tags: [correlation]
          summary: The slowest exemplars of a window, each with its resolved links.
          operationId: slowRequests
          parameters:
            - {name: metric, in: query, description: "metric family (its _bucket and _total samples match)", schema: {type: string}}
            - {name: service, in: query, description: "service, service_name or job label", schema: {type: string}}
            - {name: route, in: query, description: "route or http_route label", schema: {type: string}}
            - {name: min_seconds, in: query, description: minimum exemplar value, schema: {type: number}}
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 20}}
            - $ref: "#/components/parameters/Cursor"
          responses:
            "200":
              description: a page of slow requests, slowest first
              content:
                application/json:
                  schema:
                    type: object
                    required: [slow_requests]
                    properties:
                      slow_requests:
                        type: array
                        items: {$ref: "#/components/schemas/SlowRequest"}
                      next_cursor: {type: string}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/functions/traces:
        get:
          tags: [correlation]
          summary: Spans whose samples spent time in a function, heaviest first (the reverse jump).
          operationId: functionTraces
          parameters:
            - {name: function, in: query, required: true, schema: {type: string, minLength: 1}}
            - {name: service, in: query, schema: {type: string}}
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 20}}
            - $ref: "#/components/parameters/Cursor"
          responses:
            "200":
              description: a page of spans
              content:
                application/json:
                  schema:
                    type: object
                    required: [function, traces]
                    properties:
                      function: {type: string}
                      traces:
                        type: array
                        items: {$ref: "#/components/schemas/FunctionTrace"}
                      next_cursor: {type: string}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/profiles:
        get:
          tags: [query]
          summary: Stored profiles, newest first. Any other query parameter filters by profile label.
          operationId: listProfiles
          parameters:
            - {name: service, in: query, schema: {type: string}}
            - {name: type, in: query, description: "cpu, heap, allocs, goroutine, block, mutex, …", schema: {type: string}}
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 50}}
            - $ref: "#/components/parameters/Cursor"
          responses:
            "200":
              description: a page of profiles
              content:
                application/json:
                  schema:
                    type: object
                    required: [profiles]
                    properties:
                      profiles:
                        type: array
                        items: {$ref: "#/components/schemas/Profile"}
                      next_cursor: {type: string}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
        post:
          tags: [ingest]
          summary: Stores a pprof profile (gzip or plain protobuf) with its service and labels.
          operationId: ingestProfile
          requestBody:
            required: true
            content:
              application/octet-stream:
                schema: {type: string, format: binary}
          responses:
            "200": {description: stored}
            "201": {description: stored}
            "400": {$ref: "#/components/responses/BadRequest"}
            "413": {description: request too large}
            "415": {description: unsupported encoding}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/profiles/{id}:
        get:
          tags: [query]
          summary: One profile's summary (sample types, totals, duration, labels, top functions).
          operationId: getProfile
          parameters:
            - $ref: "#/components/parameters/ProfileIDPath"
          responses:
            "200":
              description: the summary
              content:
                application/json:
                  schema:
                    type: object
                    required: [profile, top]
                    properties:
                      profile: {$ref: "#/components/schemas/Profile"}
                      top:
                        type: array
                        items: {$ref: "#/components/schemas/TopFunction"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /v1/metrics:
        post:
          tags: [ingest]
          summary: OTLP/HTTP metrics; the exemplars that carry a trace id are kept, under the series Prometheus's OTLP translation names.
          description: "ExportMetricsServiceRequest as application/x-protobuf or application/json (Content-Encoding gzip allowed). Histogram exemplars sit on <name>_<unit>_bucket with their bucket's le, monotonic sums' on <name>_total; job and instance come from service.namespace/service.name and service.instance.id. Metric samples are not stored."
          operationId: otlpMetrics
          requestBody:
            required: true
            content:
              application/x-protobuf:
                schema: {type: string, format: binary}
              application/json:
                schema: {type: object}
          responses:
            "200":
              description: ExportMetricsServiceResponse, after commit
              content:
                application/x-protobuf:
                  schema: {type: string, format: binary}
                application/json:
                  schema: {type: object}
            "400": {description: "google.rpc.Status: malformed export, the message says what and where"}
            "413": {description: "google.rpc.Status: over a limit"}
            "415": {description: "not protobuf or JSON"}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /push.v1.PusherService/Push:
        post:
          tags: [ingest]
          summary: Pyroscope's push API (Connect unary), as its SDKs and Grafana Alloy send profiles.
          description: "A push.v1.PushRequest in application/proto or application/json (Content-Encoding gzip allowed): series of labels (__name__ the profile type, service_name the service) and raw pprof samples. Errors are Connect's {code, message}; a POST to any other Connect procedure answers 501 unimplemented."
          operationId: pyroscopePush
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {type: object}
          responses:
            "200":
              description: the empty PushResponse, after commit
              content:
                application/proto:
                  schema: {type: string, format: binary}
                application/json:
                  schema: {type: object}
            "400": {description: "Connect invalid_argument: the message says which field or byte", content: {application/json: {schema: {$ref: "#/components/schemas/ConnectError"}}}}
            "429": {description: "Connect resource_exhausted (a limit)", content: {application/json: {schema: {$ref: "#/components/schemas/ConnectError"}}}}
            "503": {description: "Connect unavailable: retry", content: {application/json: {schema: {$ref: "#/components/schemas/ConnectError"}}}}
            default: {description: "a Connect error", content: {application/json: {schema: {$ref: "#/components/schemas/ConnectError"}}}}
      /querier.v1.QuerierService/ProfileTypes:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): The profile types stored since start (Grafana's health check asks start=1000, end=4000)."
          description: "ProfileTypesRequest {start, end} → ProfileTypesResponse {profileTypes: [{ID, name, sampleType, sampleUnit, periodType, periodUnit}]}; IDs as Pyroscope names them, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierProfileTypes
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/ProfileTypesRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/LabelNames:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): Label names of the series matching any of the matchers."
          description: "types.v1.LabelNamesRequest {matchers, start, end} → {names}; service_name and Pyroscope's reserved __name__, __profile_type__, … included. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierLabelNames
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/LabelNamesRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/LabelValues:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): Values of one label in the series matching any of the matchers."
          description: "types.v1.LabelValuesRequest {name, matchers, start, end} → {names}. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierLabelValues
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/LabelValuesRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/Series:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): Label sets of the matching series, one per profile type."
          description: "SeriesRequest {matchers, labelNames, start, end} → SeriesResponse {labelsSet: [{labels: [{name, value}]}]}. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierSeries
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/SeriesRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/SelectMergeStacktraces:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): The profiles of a type and selector merged over [start, end], as a flame graph in Pyroscope's level encoding or as pprof."
          description: "SelectMergeStacktracesRequest {profileTypeID, labelSelector, start, end, maxNodes (default 8192), format (FLAMEGRAPH or PPROF), stackTraceSelector} → {flamegraph: {names, levels: [{values}], total, maxSelf}} or {pprof: {profile}}. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierSelectMergeStacktraces
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/SelectMergeStacktracesRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/SelectMergeSpanProfile:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): The samples of the given spans merged: Grafana's \"Profiles for this span\"."
          description: "SelectMergeSpanProfileRequest {profileTypeID, labelSelector, spanSelector: [16 hex digits], start, end, maxNodes} → {flamegraph}. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierSelectMergeSpanProfile
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/SelectMergeSpanProfileRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/SelectMergeProfile:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): The merge as one pprof profile (google.v1.Profile, uncompressed)."
          description: "SelectMergeProfileRequest {profileTypeID, labelSelector, start, end, stackTraceSelector} → google.v1.Profile. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierSelectMergeProfile
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/SelectMergeProfileRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/SelectSeries:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): The merged value over time, per step and per group_by label values."
          description: "SelectSeriesRequest {profileTypeID, labelSelector, start, end, groupBy, step (seconds), aggregation (SUM, AVERAGE), stackTraceSelector, limit} → {series: [{labels, points: [{value, timestamp (ms)}]}]}. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierSelectSeries
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/SelectSeriesRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /querier.v1.QuerierService/Diff:
        post:
          tags: [query]
          summary: "Pyroscope's query API (Connect unary): Two merges (left, right) in one tree."
          description: "DiffRequest {left, right: SelectMergeStacktracesRequest} → {flamegraph: {names, levels (7 numbers a node), total, maxSelf, leftTicks, rightTicks}}. Times in Unix milliseconds. Messages: proto/querier/v1/querier.proto; application/proto or application/json."
          operationId: querierDiff
          requestBody:
            required: true
            content:
              application/proto:
                schema: {type: string, format: binary}
              application/json:
                schema: {$ref: "#/components/schemas/DiffRequest"}
          responses:
            "200": {$ref: "#/components/responses/ConnectMessage"}
            "400": {$ref: "#/components/responses/ConnectError"}
            "501": {$ref: "#/components/responses/ConnectError"}
            "503": {$ref: "#/components/responses/ConnectError"}
            default: {$ref: "#/components/responses/ConnectError"}
      /api/v1/profiles/{id}/pprof:
        get:
          tags: [query]
          summary: The raw profile as received (so `go tool pprof URL` works).
          operationId: getProfilePprof
          parameters:
            - $ref: "#/components/parameters/ProfileIDPath"
          responses:
            "200":
              description: gzip-compressed pprof
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/profiles/{id}/top:
        get:
          tags: [query]
          summary: Top functions (as go tool pprof -top), optionally of one span's samples.
          operationId: getProfileTop
          parameters:
            - $ref: "#/components/parameters/ProfileIDPath"
            - {name: sample_type, in: query, schema: {type: string}}
            - {name: span_id, in: query, schema: {type: string}}
            - {name: limit, in: query, schema: {type: integer}}
          responses:
            "200":
              description: the top functions
              content:
                application/json:
                  schema: {type: object}
                text/plain:
                  schema: {type: string}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/profiles/{id}/flamegraph:
        get:
          tags: [query]
          summary: The profile's stacks merged into a tree, optionally only one span's samples.
          operationId: getProfileFlameGraph
          parameters:
            - $ref: "#/components/parameters/ProfileIDPath"
            - {name: sample_type, in: query, description: "name or index; default: the profile's default", schema: {type: string}}
            - {name: span_id, in: query, schema: {$ref: "#/components/schemas/SpanID"}}
          responses:
            "200":
              description: the flame graph
              content:
                application/json:
                  schema:
                    type: object
                    required: [profile_id, sample_type, root]
                    properties:
                      profile_id: {type: string}
                      sample_type: {$ref: "#/components/schemas/ValueType"}
                      span_id: {$ref: "#/components/schemas/SpanID"}
                      root: {$ref: "#/components/schemas/FlameGraphNode"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/diff:
        get:
          tags: [query]
          summary: Per-function change between two windows of a service's profiles, the base normalised to the new total.
          description: The current window defaults to the last hour, the base window to the same length just before it.
          operationId: diffProfiles
          parameters:
            - {name: service, in: query, required: true, schema: {type: string, minLength: 1}}
            - {name: type, in: query, schema: {type: string, enum: [cpu, heap, allocs, goroutine, block, mutex], default: cpu}}
            - {name: base_from, in: query, description: "start of the base window, RFC 3339 or Unix seconds", schema: {$ref: "#/components/schemas/TimeParameter"}}
            - {name: base_to, in: query, description: "end of the base window, after base_from", schema: {$ref: "#/components/schemas/TimeParameter"}}
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - {name: sample_type, in: query, schema: {type: string}}
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 10000, default: 100}}
          responses:
            "200":
              description: the diff, largest absolute flat change first
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Diff"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/query/flamegraph:
        get:
          tags: [query]
          summary: The flame graph of every profile the query selects, merged (from the stack aggregates kept at ingest).
          operationId: mergedFlameGraph
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - $ref: "#/components/parameters/MergeType"
            - $ref: "#/components/parameters/MergeSampleType"
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - $ref: "#/components/parameters/SpanName"
            - $ref: "#/components/parameters/MinDuration"
            - $ref: "#/components/parameters/Slowest"
            - {name: max_nodes, in: query, description: "most nodes in the tree, the largest first; a left-out node's value stays in its parent's total", schema: {type: integer, minimum: 1, maximum: 100000, default: 2048}}
          responses:
            "200":
              description: the merged tree; `profiles` is how many were merged (0 for a range with nothing in it)
              content:
                application/json:
                  schema:
                    type: object
                    required: [sample_type, profiles, total, root]
                    properties:
                      sample_type: {type: object}
                      profiles: {type: integer}
                      spans: {type: integer, description: "with a span group: the spans whose samples were merged"}
                      total: {type: integer}
                      root: {$ref: "#/components/schemas/FlameGraphNode"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/query/top:
        get:
          tags: [query]
          summary: Flat and cum per function over the merged profiles, as go tool pprof -top prints them for the same files.
          operationId: mergedTop
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - $ref: "#/components/parameters/MergeType"
            - $ref: "#/components/parameters/MergeSampleType"
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - $ref: "#/components/parameters/SpanName"
            - $ref: "#/components/parameters/MinDuration"
            - $ref: "#/components/parameters/Slowest"
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100000, default: 100}}
          responses:
            "200":
              description: functions, largest flat first
              content:
                application/json:
                  schema:
                    type: object
                    required: [functions, profiles, unit]
                    properties:
                      functions:
                        type: array
                        items:
                          type: object
                          properties: {function: {type: string}, file: {type: string}, flat: {type: integer}, cum: {type: integer}}
                      spans: {type: integer, description: "with a span group: the spans whose samples were merged"}
                      profiles: {type: integer}
                      unit: {type: string}
                      total: {type: integer}
                      sample_type: {type: object}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/query/pprof:
        get:
          tags: [query]
          summary: One gzip'd pprof of the merged profiles, for go tool pprof.
          operationId: mergedPprof
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - $ref: "#/components/parameters/MergeType"
            - $ref: "#/components/parameters/MergeSampleType"
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - $ref: "#/components/parameters/SpanName"
            - $ref: "#/components/parameters/MinDuration"
            - $ref: "#/components/parameters/Slowest"
          responses:
            "200":
              description: gzip'd pprof protobuf
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/query/series:
        get:
          tags: [query]
          summary: The merged value over time, per step and label group; with `function`, only the samples whose stack passes through it.
          operationId: mergedSeries
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - $ref: "#/components/parameters/MergeType"
            - $ref: "#/components/parameters/MergeSampleType"
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - {name: step, in: query, description: "a duration (15s, 1m) or seconds, at least 1s; default: about 200 points", schema: {type: string}}
            - {name: group_by, in: query, description: "comma-separated label names", schema: {type: string}}
            - {name: function, in: query, description: "a function name, e.g. encoding/json.Marshal", schema: {type: string}}
          responses:
            "200":
              description: one line per group, points as [Unix seconds, value]
              content:
                application/json:
                  schema:
                    type: object
                    required: [series]
                    properties:
                      series: {type: array, items: {type: object}}
                      step_seconds: {type: number}
                      sample_type: {type: object}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/query/diff:
        get:
          tags: [query]
          summary: A diff tree of two merges, the baseline scaled to the current total (as pprof -normalize, the other way round).
          operationId: mergedDiff
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - $ref: "#/components/parameters/MergeType"
            - $ref: "#/components/parameters/MergeSampleType"
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - $ref: "#/components/parameters/SpanName"
            - $ref: "#/components/parameters/MinDuration"
            - $ref: "#/components/parameters/Slowest"
            - {name: baseline_from, in: query, description: "default: the range just before from..to, as long", schema: {type: string}}
            - {name: baseline_to, in: query, schema: {type: string}}
            - {name: baseline_selector, in: query, description: "default: selector", schema: {type: string}}
            - {name: max_nodes, in: query, schema: {type: integer, minimum: 1, maximum: 100000, default: 2048}}
          responses:
            "200":
              description: nodes with total/self (current) and baseline_total/baseline_self (scaled)
              content:
                application/json:
                  schema: {type: object, required: [root, baseline, current]}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/profile-types:
        get:
          tags: [query]
          summary: The profile types stored, with their sample types and services.
          operationId: profileTypes
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - {name: type, in: query, description: "only this profile type", schema: {type: string}}
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
          responses:
            "200":
              description: types
              content:
                application/json:
                  schema: {type: object, required: [types]}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/labels:
        get:
          tags: [query]
          summary: Label names of the stored profiles (service and service_name included), Prometheus's envelope.
          operationId: profileLabelNames
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - {name: type, in: query, description: "only this profile type", schema: {type: string}}
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
          responses:
            "200":
              description: names
              content:
                application/json:
                  schema: {type: object, required: [status, data], properties: {status: {type: string}, data: {type: array, items: {type: string}}}}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v1/labels/{name}/values:
        get:
          tags: [query]
          summary: The values a label takes in the stored profiles, Prometheus's envelope.
          operationId: profileLabelValues
          parameters:
            - {name: name, in: path, required: true, schema: {type: string, minLength: 1}}
            - $ref: "#/components/parameters/MergeService"
            - {name: type, in: query, description: "only this profile type", schema: {type: string}}
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
          responses:
            "200":
              description: values
              content:
                application/json:
                  schema: {type: object, required: [status, data], properties: {status: {type: string}, data: {type: array, items: {type: string}}}}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/traces/{id}:
        get:
          tags: [query]
          summary: Tempo's trace by id, for Grafana's Tempo data source.
          description: "Protobuf (Tempo's Trace, wire-identical to OTLP TracesData) for Accept application/protobuf, else JSON {\"batches\": [ResourceSpans…]}. Spans whose own profile samples are stored carry pyroscope.profile.id = their span id."
          operationId: tempoTraceByID
          parameters:
            - $ref: "#/components/parameters/TempoTraceIDPath"
          responses:
            "200":
              description: the trace
              content:
                application/json:
                  schema: {type: object, required: [batches]}
                application/protobuf:
                  schema: {type: string, format: binary}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v2/traces/{id}:
        get:
          tags: [query]
          summary: "Tempo's trace by id, v2: {\"trace\": {\"resourceSpans\": […]}, \"status\": \"COMPLETE\"}."
          operationId: tempoTraceByIDV2
          parameters:
            - $ref: "#/components/parameters/TempoTraceIDPath"
          responses:
            "200":
              description: the trace
              content:
                application/json:
                  schema: {type: object, required: [trace]}
            "400": {$ref: "#/components/responses/BadRequest"}
            "404": {$ref: "#/components/responses/NotFound"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/search:
        get:
          tags: [query]
          summary: "Tempo's search: traces with a span carrying every tag, newest first."
          operationId: tempoSearch
          parameters:
            - {name: tags, in: query, description: "logfmt key=value pairs: service.name, name (span name), status.code, or a span or resource attribute", schema: {type: string}}
            - {name: minDuration, in: query, description: "a Go duration (100ms, 1.5s) of the whole trace", schema: {type: string}}
            - {name: maxDuration, in: query, schema: {type: string}}
            - $ref: "#/components/parameters/TempoStart"
            - $ref: "#/components/parameters/TempoEnd"
            - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 20}}
          responses:
            "200":
              description: "{traces: [{traceID, rootServiceName, rootTraceName, startTimeUnixNano, durationMs}]}"
              content:
                application/json:
                  schema: {type: object, required: [traces]}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v2/search/tags:
        get:
          tags: [query]
          summary: "Tempo's tag names by scope (resource, span, intrinsic)."
          operationId: tempoSearchTags
          parameters:
            - $ref: "#/components/parameters/TempoStart"
            - $ref: "#/components/parameters/TempoEnd"
          responses:
            "200":
              description: "{scopes: [{name, tags}]}"
              content:
                application/json:
                  schema: {type: object, required: [scopes]}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/v2/search/tag/{tag}/values:
        get:
          tags: [query]
          summary: "Tempo's values of a tag (resource.service.name, span.http.route, .http.route, name, status)."
          operationId: tempoSearchTagValues
          parameters:
            - {name: tag, in: path, required: true, schema: {type: string, minLength: 1}}
            - $ref: "#/components/parameters/TempoStart"
            - $ref: "#/components/parameters/TempoEnd"
          responses:
            "200":
              description: "{tagValues: [{type, value}]}"
              content:
                application/json:
                  schema: {type: object, required: [tagValues]}
            "400": {$ref: "#/components/responses/BadRequest"}
            "503": {$ref: "#/components/responses/Unavailable"}
      /api/echo:
        get:
          tags: [query]
          summary: "Tempo's echo: the text echo, the data source's connection test."
          operationId: tempoEcho
          responses:
            "200":
              description: echo
              content:
                text/plain:
                  schema: {type: string}
      /api/v1/rules:
        get:
          tags: [query]
          summary: Loaded rule groups and their state (Prometheus-compatible).
          operationId: getRules
          responses:
            "200":
              description: rules
              content:
                application/json:
                  schema: {type: object}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /api/v1/alerts:
        get:
          tags: [query]
          summary: Pending and firing alerts with their evidence (Prometheus-compatible).
          operationId: getAlerts
          responses:
            "200":
              description: alerts
              content:
                application/json:
                  schema: {type: object}
            "503": {$ref: "#/components/responses/Unavailable"}
            default: {$ref: "#/components/responses/Error"}
      /ui:
        get:
          tags: [ui]
          summary: "Overview page: services seen, slowest requests with their strongest link, firing alerts, ingest health."
          operationId: uiOverview
          parameters:
            - {name: window, in: query, description: "a duration (1h, 30m) ending at `to`; overrides `from`", schema: {type: string}}
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
          responses:
            default: {$ref: "#/components/responses/Page"}
      /ui/search:
        get:
          tags: [ui]
          summary: Redirects a trace id to its trace page, anything else to the profile page of that id.
          operationId: uiSearch
          parameters:
            - {name: q, in: query, schema: {type: string}}
          responses:
            "303":
              description: redirect
              headers:
                Location:
                  schema: {type: string}
      /ui/traces/{id}:
        get:
          tags: [ui]
          summary: Trace page, a span waterfall with each span's linked profiles, strongest first.
          operationId: uiTrace
          parameters:
            - $ref: "#/components/parameters/TraceIDPath"
          responses:
            default: {$ref: "#/components/responses/Page"}
      /ui/profiles/{id}:
        get:
          tags: [ui]
          summary: Profile page, flame graph and top functions, optionally of one span's samples and against a baseline.
          operationId: uiProfile
          parameters:
            - $ref: "#/components/parameters/ProfileIDPath"
            - {name: sample_type, in: query, description: sample type name or index, schema: {type: string}}
            - {name: span_id, in: query, description: only the samples labelled with this span (16 hex digits), schema: {type: string}}
            - {name: baseline, in: query, description: "a duration (1h: this service's profiles of that window before this one) or profile ids separated by commas", schema: {type: string}}
          responses:
            default: {$ref: "#/components/responses/Page"}
      /ui/explore:
        get:
          tags: [ui]
          summary: "Explore page: a service's profiles merged over a range and selector, the value over time (drag to zoom), the merged flame graph and top functions, and a compare mode against a baseline range or selector."
          operationId: uiExplore
          parameters:
            - $ref: "#/components/parameters/MergeService"
            - $ref: "#/components/parameters/MergeType"
            - $ref: "#/components/parameters/MergeSampleType"
            - $ref: "#/components/parameters/MergeSelector"
            - $ref: "#/components/parameters/From"
            - $ref: "#/components/parameters/To"
            - $ref: "#/components/parameters/SpanName"
            - $ref: "#/components/parameters/Slowest"
            - {name: compare, in: query, description: "on: compare with the baseline", schema: {type: string, enum: ["on"]}}
            - {name: baseline_from, in: query, description: "RFC 3339 or Unix seconds; default the window before from", schema: {type: string}}
            - {name: baseline_to, in: query, description: "RFC 3339 or Unix seconds; default from", schema: {type: string}}
            - {name: baseline_selector, in: query, description: "the baseline's selector; default the same", schema: {type: string}}
          responses:
            default: {$ref: "#/components/responses/Page"}
      /ui/alerts:
        get:
          tags: [ui]
          summary: Alerts page, pending and firing alerts with values and evidence.
          operationId: uiAlerts
          responses:
            default: {$ref: "#/components/responses/Page"}
      /ui/rules:
        get:
          tags: [ui]
          summary: Rules page, state, health, last evaluation and error of every rule.
          operationId: uiRules
          responses:
            default: {$ref: "#/components/responses/Page"}
      /ui/static/{file}:
        get:
          tags: [ui]
          summary: The pages' stylesheet (ui.css) and script (ui.js).
          operationId: uiStatic
          parameters:
            - {name: file, in: path, required: true, schema: {type: string, enum: [ui.css, ui.js]}}
          responses:
            "200":
              description: the file
              content:
                text/css:
                  schema: {type: string}
                text/javascript:
                  schema: {type: string}
            "404": {$ref: "#/components/responses/NotFound"}
    components:
      parameters:
        TempoTraceIDPath:
          name: id
          in: path
          required: true
          description: "trace id, up to 32 hex digits (left-padded with zeros, as Tempo does), not all zero"
          schema: {type: string, pattern: "^(?!0+$)[0-9a-fA-F]{1,32}$"}
        TraceIDPath:
          name: id
          in: path
          required: true
          description: trace id, 32 hex digits
          schema: {$ref: "#/components/schemas/TraceID"}
        ProfileIDPath:
          name: id
          in: path
          required: true
          schema: {type: string, minLength: 1}
        From:
          name: from
          in: query
          description: "start of the range, RFC 3339 or Unix seconds (default: one hour before `to`)"
          schema: {type: string}
        To:
          name: to
          in: query
          description: "end of the range, RFC 3339 or Unix seconds (default: now)"
          schema: {type: string}
        TempoStart:
          name: start
          in: query
          description: "Unix seconds (default: an hour before end)"
          schema: {type: integer, minimum: 0, maximum: 9000000000}
        TempoEnd:
          name: end
          in: query
          description: "Unix seconds (default: now)"
          schema: {type: integer, minimum: 0, maximum: 9000000000}
        MergeService:
          name: service
          in: query
          description: "only this service's profiles (default: every service)"
          schema: {type: string}
        MergeType:
          name: type
          in: query
          description: "profile type: cpu, heap, allocs, goroutine, block, mutex (or a Pyroscope name of one)"
          schema: {type: string, default: cpu}
        MergeSampleType:
          name: sample_type
          in: query
          description: "a sample type by name (cpu, samples, inuse_space, alloc_space, …); default: the type's usual one"
          schema: {type: string}
        MergeSelector:
          name: selector
          in: query
          description: "Prometheus matchers over the profiles' labels and service_name, e.g. {pod=~\"api-.*\",version!=\"1.2\"}"
          schema: {type: string}
        SpanName:
          name: span_name
          in: query
          description: "span group: merge only the samples of the spans of this name (in `service`) that start in the range, not whole profiles; the answer's `spans` says how many"
          schema: {type: string}
        MinDuration:
          name: min_duration
          in: query
          description: "span group: only spans at least this long (a Go duration: 100ms, 1.5s)"
          schema: {type: string}
        Slowest:
          name: slowest
          in: query
          description: "span group: only the slowest this many percent of the spans that pass the other filters (5% or 5; at least one span, at most 10,000)"
          schema: {type: string}
        Cursor:
          name: cursor
          in: query
          description: the `next_cursor` of the previous page
          schema: {type: string}
      responses:
        ConnectMessage:
          description: the response message, in the request's codec
          content:
            application/proto:
              schema: {type: string, format: binary}
            application/json:
              schema: {type: object}
        ConnectError:
          description: "a Connect error: invalid_argument (400, names the field), unimplemented (501), unavailable (503, retry)"
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ConnectError"}
        BadRequest:
          description: invalid parameter or body; the message says which and where
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        Page:
          description: an HTML page; errors (400 bad id or parameter, 404 unknown id, 503 database unavailable) are HTML pages saying what was wrong, with the search box
          content:
            text/html:
              schema: {type: string}
        NotFound:
          description: not found
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        Unavailable:
          description: database unavailable; retry after `Retry-After` seconds
          headers:
            Retry-After:
              schema: {type: string}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        Error:
          description: error
      schemas:
        ConnectError:
          type: object
          required: [code, message]
          properties:
            code: {type: string, description: "Connect's code: invalid_argument, resource_exhausted, unavailable, unimplemented, …"}
            message: {type: string}
        TraceID: {type: string, description: "32 hex digits, not all zero (W3C Trace Context)", pattern: "^(?!0{32})[0-9a-fA-F]{32}$"}
        TimeParameter: {type: string, description: "Unix seconds or RFC 3339", pattern: "^([0-9]{9,10}|20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?Z)$"}
        # Pyroscope's query messages (proto/querier/v1/querier.proto) in protobuf's JSON
        # mapping: lowerCamelCase names (the proto names are accepted too), 64-bit integers as
        # numbers or strings, enums by name or number.
        PyroscopeProfileTypeID:
          type: string
          description: "<name>:<sample type>:<sample unit>:<period type>:<period unit>, as ProfileTypes lists them (a type no profile has selects nothing)"
          pattern: "^(process_cpu|memory|goroutine|block|mutex):[a-z_]{1,20}:[a-z_]{1,20}:[a-z_]{1,20}:[a-z_]{1,20}$"
          example: process_cpu:cpu:nanoseconds:cpu:nanoseconds
        PyroscopeSelector:
          type: string
          description: "Prometheus matchers over the series' labels (service_name, Pyroscope's __name__, …), e.g. {service_name=\"api\"}; empty or {} selects every series"
          pattern: "^(\\{\\}|\\{[a-z_]{1,20}(=|!=|=~|!~)\"[a-z0-9_.-]{0,20}\"(,[a-z_]{1,20}(=|!=|=~|!~)\"[a-z0-9_.-]{0,20}\")*\\})?$"
        UnixMillis: {type: integer, format: int64, minimum: 0, maximum: 4102444800000, description: "Unix milliseconds; an end of 0 is now"}
        PyroscopeMaxNodes: {type: integer, minimum: 0, maximum: 1000000, description: "nodes of the flame graph kept, the rest folded into 'other' (0: 8192)"}
        StackTraceSelector:
          type: object
          description: "keeps the stacks that start (root first) with these frames"
          properties:
            callSite:
              type: array
              items: {type: object, required: [name], properties: {name: {type: string}}}
        ProfileTypesRequest:
          type: object
          properties:
            start: {$ref: "#/components/schemas/UnixMillis"}
            end: {$ref: "#/components/schemas/UnixMillis"}
        LabelNamesRequest:
          type: object
          properties:
            matchers: {type: array, items: {$ref: "#/components/schemas/PyroscopeSelector"}}
            start: {$ref: "#/components/schemas/UnixMillis"}
            end: {$ref: "#/components/schemas/UnixMillis"}
        LabelValuesRequest:
          type: object
          required: [name]
          properties:
            name: {type: string, minLength: 1}
            matchers: {type: array, items: {$ref: "#/components/schemas/PyroscopeSelector"}}
            start: {$ref: "#/components/schemas/UnixMillis"}
            end: {$ref: "#/components/schemas/UnixMillis"}
        SeriesRequest:
          type: object
          properties:
            matchers: {type: array, items: {$ref: "#/components/schemas/PyroscopeSelector"}}
            labelNames: {type: array, items: {type: string}}
            start: {$ref: "#/components/schemas/UnixMillis"}
            end: {$ref: "#/components/schemas/UnixMillis"}
        PyroscopeSelection:
          description: "the fields every Select request shares: which profiles are merged"
          type: object
          required: [profileTypeID]
          properties:
            profileTypeID: {$ref: "#/components/schemas/PyroscopeProfileTypeID"}
            labelSelector: {$ref: "#/components/schemas/PyroscopeSelector"}
            start: {$ref: "#/components/schemas/UnixMillis"}
            end: {$ref: "#/components/schemas/UnixMillis"}
        SelectMergeStacktracesRequest:
          allOf:
            - $ref: "#/components/schemas/PyroscopeSelection"
            - properties:
                maxNodes: {$ref: "#/components/schemas/PyroscopeMaxNodes"}
                format: {type: string, enum: [PROFILE_FORMAT_UNSPECIFIED, PROFILE_FORMAT_FLAMEGRAPH, PROFILE_FORMAT_PPROF], description: "TREE and DOT are answered unimplemented"}
                stackTraceSelector: {$ref: "#/components/schemas/StackTraceSelector"}
        SelectMergeSpanProfileRequest:
          allOf:
            - $ref: "#/components/schemas/PyroscopeSelection"
            - properties:
                spanSelector: {type: array, items: {type: string, pattern: "^[0-9a-fA-F]{16}$"}, description: "span ids, 16 hex digits"}
                maxNodes: {$ref: "#/components/schemas/PyroscopeMaxNodes"}
                format: {type: string, enum: [PROFILE_FORMAT_UNSPECIFIED, PROFILE_FORMAT_FLAMEGRAPH]}
        SelectMergeProfileRequest:
          allOf:
            - $ref: "#/components/schemas/PyroscopeSelection"
            - properties:
                maxNodes: {$ref: "#/components/schemas/PyroscopeMaxNodes"}
                stackTraceSelector: {$ref: "#/components/schemas/StackTraceSelector"}
        SelectSeriesRequest:
          allOf:
            - $ref: "#/components/schemas/PyroscopeSelection"
            - properties:
                groupBy: {type: array, items: {type: string}}
                step: {type: number, minimum: 0, maximum: 3155760000, description: "seconds between points, from 0.001 (0: the range / 200, at least 1 s); at most 11,000 points over the range"}
                aggregation: {type: string, enum: [TIME_SERIES_AGGREGATION_TYPE_SUM, TIME_SERIES_AGGREGATION_TYPE_AVERAGE]}
                stackTraceSelector: {$ref: "#/components/schemas/StackTraceSelector"}
                limit: {type: integer, format: int64, minimum: 0, description: "the largest series kept (0: all)"}
        DiffRequest:
          type: object
          required: [left, right]
          properties:
            left: {$ref: "#/components/schemas/SelectMergeStacktracesRequest"}
            right: {$ref: "#/components/schemas/SelectMergeStacktracesRequest"}
        SpanID: {type: string, description: "16 hex digits, not all zero", pattern: "^(?!0{16})[0-9a-fA-F]{16}$"}
        Time: {type: string, description: RFC 3339 with nanoseconds}
        Error:
          type: object
          required: [error]
          properties:
            error:
              type: object
              required: [message]
              properties:
                message: {type: string}
        ValueType:
          type: object
          required: [type, unit]
          properties:
            type: {type: string}
            unit: {type: string}
        TopFunction:
          type: object
          required: [function, file, flat, cum, unit]
          properties:
            function: {type: string}
            file: {type: string}
            flat: {type: integer}
            cum: {type: integer}
            unit: {type: string}
        Link:
          type: object
          required: [kind, trace_id, span_id, span_name, service, profile_id, profile_type, start, end, top_scope, top, jump]
          properties:
            kind: {type: string, enum: [span_samples, span_attribute, exemplar, time_window]}
            trace_id: {type: string}
            span_id: {type: string, description: "the span the evidence names; empty when an exemplar names none"}
            span_name: {type: string}
            service: {type: string}
            profile_id: {type: string}
            profile_type: {type: string}
            start: {$ref: "#/components/schemas/Time"}
            end: {$ref: "#/components/schemas/Time"}
            overlap: {type: number, minimum: 0, maximum: 1, description: "time_window only: fraction of the span the profile covers"}
            top_scope: {type: string, enum: [span, profile], description: "whether top is the span's own samples or the whole profile's"}
            top:
              type: array
              items: {$ref: "#/components/schemas/TopFunction"}
            jump:
              type: object
              description: "URLs: profile (built-in page), flamegraph, pprof, trace, and one per configured jump_links template"
              additionalProperties: {type: string}
        TraceLinks:
          type: object
          required: [trace_id, links]
          properties:
            trace_id: {$ref: "#/components/schemas/TraceID"}
            links:
              type: array
              items: {$ref: "#/components/schemas/Link"}
            reason: {type: string}
        SlowRequest:
          type: object
          required: [metric, time, labels, trace_id, links]
          properties:
            metric: {type: string}
            value: {type: number}
            time: {$ref: "#/components/schemas/Time"}
            labels:
              type: object
              additionalProperties: {type: string}
            trace_id: {type: string}
            span_id: {type: string}
            profile_id: {type: string}
            links:
              type: array
              items: {$ref: "#/components/schemas/Link"}
        FunctionTrace:
          type: object
          required: [trace_id, span_id, span_name, service, profile_id, flat, cum, unit, jump]
          properties:
            trace_id: {type: string}
            span_id: {type: string}
            span_name: {type: string}
            service: {type: string}
            profile_id: {type: string}
            flat: {type: integer}
            cum: {type: integer}
            unit: {type: string}
            duration_seconds: {type: number}
            start: {$ref: "#/components/schemas/Time"}
            jump:
              type: object
              additionalProperties: {type: string}
        Profile:
          type: object
          required: [profile_id, service, type, start, end, duration_seconds, sample_types, default_sample_type, totals, sample_count, labels]
          properties:
            profile_id: {type: string}
            service: {type: string}
            type: {type: string}
            start: {$ref: "#/components/schemas/Time"}
            end: {$ref: "#/components/schemas/Time"}
            duration_seconds: {type: number}
            sample_types:
              type: array
              items: {$ref: "#/components/schemas/ValueType"}
            default_sample_type: {type: string}
            totals:
              type: array
              items: {type: integer}
            sample_count: {type: integer}
            labels:
              type: object
              additionalProperties: {type: string}
        FlameGraphNode:
          type: object
          required: [name, total, self, children]
          properties:
            name: {type: string}
            file: {type: string}
            total: {type: integer}
            self: {type: integer, description: "the value of the samples whose leaf frame is this node"}
            children:
              type: array
              items: {$ref: "#/components/schemas/FlameGraphNode"}
        Diff:
          type: object
          required: [service, type, sample_type, base, current, scale, functions]
          properties:
            service: {type: string}
            type: {type: string}
            sample_type: {$ref: "#/components/schemas/ValueType"}
            base: {$ref: "#/components/schemas/DiffWindow"}
            current: {$ref: "#/components/schemas/DiffWindow"}
            scale: {type: number}
            functions:
              type: array
              items:
                type: object
                required: [function, file, base_flat, base_cum, flat, cum, flat_delta, cum_delta]
                properties:
                  function: {type: string}
                  file: {type: string}
                  base_flat: {type: number}
                  base_cum: {type: number}
                  flat: {type: integer}
                  cum: {type: integer}
                  flat_delta: {type: number}
                  cum_delta: {type: number}
                  flat_relative: {type: number}
                  cum_relative: {type: number}
        DiffWindow:
          type: object
          required: [from, to, profiles, total]
          properties:
            from: {$ref: "#/components/schemas/Time"}
            to: {$ref: "#/components/schemas/Time"}
            profiles: {type: integer}
            total: {type: integer}
    """#
}
