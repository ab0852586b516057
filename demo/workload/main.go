// Command workload is the service `make demo` runs next to Correlator: a small simulated shop
// that serves requests in a loop and sends Correlator what an instrumented Go service sends:
//
//   - its spans, as OTLP/HTTP JSON (POST /v1/traces), every 2 s;
//   - its request-latency histogram, whose buckets carry the trace id of a request that fell in
//     them, as an OpenMetrics exposition (POST /api/v1/exemplars), every 10 s;
//   - a CPU profile every 10 s whose samples carry the pprof labels span_id, trace_id and
//     span_name of the request (its root span) they ran in, set with pprof.Do, and a goroutine
//     and an allocs profile at the same moments (POST /api/v1/profiles).
//
// Two faults are built in. From the start, one GET /cart in four leaks a goroutine blocked in
// main.watchInventory. After -regression-after (1m) version v2 is "deployed": GET /checkout
// recomputes its discounts the slow way (CPU in main.applyDiscounts) and copies the price table
// for every line (allocations in main.copyPriceTable).
//
//	go run . -url http://127.0.0.1:4318
//
// Standard library only; nothing is fetched.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	mathrand "math/rand"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	correlatorURL   = flag.String("url", "http://127.0.0.1:4318", "Correlator's base URL")
	serviceName     = flag.String("service", "demo-shop", "service name on spans, exemplars and profiles")
	regressionAfter = flag.Duration("regression-after", time.Minute, "when version v2, with the slow checkout, is deployed")
	workers         = flag.Int("workers", 4, "concurrent request loops")
	profileEvery    = flag.Duration("profile-interval", 10*time.Second, "length of each CPU profile, and how often goroutine and allocs profiles are taken")
	maxLeaked       = flag.Int("max-leaked", 50000, "stop leaking goroutines after this many")
)

// The process's start and whether v2 is deployed.
var (
	started    = time.Now()
	regressed  atomic.Bool
	served     atomic.Int64
	leaked     atomic.Int64
	inventory  = make(chan struct{}) // never closed: what every leaked watcher waits for
	sink       []byte
	priceTable = func() []uint64 {
		table := make([]uint64, 64)
		for i := range table {
			table[i] = uint64(100 + i*7)
		}
		return table
	}()
)

func version() string {
	if regressed.Load() {
		return "v2"
	}
	return "v1"
}

// MARK: - Spans

type span struct {
	traceID, spanID, parentID, name string
	kind                            int
	start, end                      time.Time
	attributes                      map[string]string
	version                         string
}

type spanBuffer struct {
	mu    sync.Mutex
	spans []span
}

func (b *spanBuffer) add(s span) {
	b.mu.Lock()
	b.spans = append(b.spans, s)
	b.mu.Unlock()
}

func (b *spanBuffer) take() []span {
	b.mu.Lock()
	defer b.mu.Unlock()
	taken := b.spans
	b.spans = nil
	return taken
}

var spans spanBuffer

func newID(bytes int) string {
	b := make([]byte, bytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// inSpan runs work as a child span of the current request. Its CPU samples keep the request's
// labels: as Pyroscope's span processors do, samples are labelled with the root span, whose id
// the exemplars and the latency of the request are about.
func inSpan(ctx context.Context, traceID, parentID, name string, work func(context.Context)) span {
	s := span{traceID: traceID, spanID: newID(8), parentID: parentID, name: name, kind: 1, start: time.Now(), version: version()}
	work(ctx)
	s.end = time.Now()
	spans.add(s)
	return s
}

// otlpJSON renders spans as an OTLP/HTTP JSON ExportTraceServiceRequest, one resource per version.
func otlpJSON(batch []span) []byte {
	type attribute struct {
		Key   string            `json:"key"`
		Value map[string]string `json:"value"`
	}
	type otlpSpan struct {
		TraceID           string         `json:"traceId"`
		SpanID            string         `json:"spanId"`
		ParentSpanID      string         `json:"parentSpanId,omitempty"`
		Name              string         `json:"name"`
		Kind              int            `json:"kind"`
		StartTimeUnixNano string         `json:"startTimeUnixNano"`
		EndTimeUnixNano   string         `json:"endTimeUnixNano"`
		Attributes        []attribute    `json:"attributes,omitempty"`
		Status            map[string]int `json:"status"`
	}
	byVersion := map[string][]otlpSpan{}
	for _, s := range batch {
		var attributes []attribute
		keys := make([]string, 0, len(s.attributes))
		for key := range s.attributes {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			attributes = append(attributes, attribute{key, map[string]string{"stringValue": s.attributes[key]}})
		}
		byVersion[s.version] = append(byVersion[s.version], otlpSpan{
			TraceID: s.traceID, SpanID: s.spanID, ParentSpanID: s.parentID, Name: s.name, Kind: s.kind,
			StartTimeUnixNano: strconv.FormatInt(s.start.UnixNano(), 10), EndTimeUnixNano: strconv.FormatInt(s.end.UnixNano(), 10),
			Attributes: attributes, Status: map[string]int{"code": 0},
		})
	}
	var resources []any
	for v, list := range byVersion {
		resources = append(resources, map[string]any{
			"resource": map[string]any{"attributes": []attribute{
				{"service.name", map[string]string{"stringValue": *serviceName}},
				{"service.version", map[string]string{"stringValue": v}},
			}},
			"scopeSpans": []any{map[string]any{"scope": map[string]string{"name": "demo-workload"}, "spans": list}},
		})
	}
	body, err := json.Marshal(map[string]any{"resourceSpans": resources})
	if err != nil {
		panic(err)
	}
	return body
}

// MARK: - Latency histogram with exemplars

var bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

type exemplar struct {
	traceID, spanID string
	value           float64
	at              time.Time
}

type routeSeries struct {
	counts    []uint64 // per bucket, not cumulative; the last is +Inf
	sum       float64
	exemplars []*exemplar
}

type histogram struct {
	mu     sync.Mutex
	routes map[string]*routeSeries
}

var latency = histogram{routes: map[string]*routeSeries{}}

func (h *histogram) observe(route string, seconds float64, traceID, spanID string, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	series := h.routes[route]
	if series == nil {
		series = &routeSeries{counts: make([]uint64, len(bounds)+1), exemplars: make([]*exemplar, len(bounds)+1)}
		h.routes[route] = series
	}
	bucket := sort.SearchFloat64s(bounds, seconds)
	series.counts[bucket]++
	series.sum += seconds
	series.exemplars[bucket] = &exemplar{traceID, spanID, seconds, at}
}

// openMetrics renders the histogram as OpenMetrics 1.0 text: each bucket's exemplar is the
// latest request that fell in it.
func (h *histogram) openMetrics() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out bytes.Buffer
	name := "http_server_request_duration_seconds"
	fmt.Fprintf(&out, "# TYPE %s histogram\n# UNIT %s seconds\n# HELP %s Duration of HTTP server requests.\n", name, name, name)
	routes := make([]string, 0, len(h.routes))
	for route := range h.routes {
		routes = append(routes, route)
	}
	sort.Strings(routes)
	for _, route := range routes {
		series := h.routes[route]
		method, path, _ := strings.Cut(route, " ")
		labels := fmt.Sprintf(`service="%s",method="%s",route="%s"`, *serviceName, method, path)
		var cumulative uint64
		for i, count := range series.counts {
			cumulative += count
			le := "+Inf"
			if i < len(bounds) {
				le = strconv.FormatFloat(bounds[i], 'g', -1, 64)
			}
			fmt.Fprintf(&out, "%s_bucket{%s,le=\"%s\"} %d", name, labels, le, cumulative)
			if e := series.exemplars[i]; e != nil {
				fmt.Fprintf(&out, " # {trace_id=\"%s\",span_id=\"%s\"} %.9f %.3f", e.traceID, e.spanID, e.value, float64(e.at.UnixMilli())/1000)
			}
			out.WriteString("\n")
		}
		fmt.Fprintf(&out, "%s_sum{%s} %.9f\n%s_count{%s} %d\n", name, labels, series.sum, name, labels, cumulative)
	}
	out.WriteString("# EOF\n")
	return out.Bytes()
}

// MARK: - The shop's code

// applyDiscounts prices every line against every discount rule. v2 re-evaluates the rules once
// per line and rule combination instead of once per order: the regression.
//
//go:noinline
func applyDiscounts(lines []uint64, rounds int) uint64 {
	state := uint64(88172645463325252)
	for r := 0; r < rounds; r++ {
		for _, price := range lines {
			state ^= state << 13
			state ^= state >> 7
			state ^= state << 17
			state += price
		}
	}
	return state
}

// copyPriceTable is v2's other mistake: a fresh copy of the price table (16 pages of 16 KiB)
// for every line of the order.
//
//go:noinline
func copyPriceTable(lines int) {
	for i := 0; i < lines*16; i++ {
		copied := make([]byte, 16<<10)
		copied[i%len(copied)] = byte(i)
		sink = copied
	}
}

//go:noinline
func encodeOrder(lines []uint64) [32]byte {
	order := map[string]any{"lines": lines, "currency": "EUR", "note": strings.Repeat("gift wrap ", 20)}
	body, _ := json.Marshal(order)
	sum := sha256.Sum256(body)
	for i := 0; i < 200; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

//go:noinline
func renderCart(lines []uint64) string {
	var b strings.Builder
	for i, price := range lines {
		fmt.Fprintf(&b, "<tr><td>item %d</td><td>%d.%02d</td></tr>", i, price/100, price%100)
	}
	return b.String()
}

// watchInventory waits for an inventory change that never comes: some GET /cart requests start
// one and never cancel it, so they pile up.
//
//go:noinline
func watchInventory(updates <-chan struct{}) {
	<-updates
}

func query(rng *mathrand.Rand, low, high int) {
	time.Sleep(time.Duration(low+rng.Intn(high-low+1)) * time.Millisecond)
}

// serve runs one request as a root span with child spans, under the root span's pprof labels.
func serve(rng *mathrand.Rand, route string) {
	traceID := newID(16)
	root := span{traceID: traceID, spanID: newID(8), name: route, kind: 2, start: time.Now(), version: version()}
	method, path, _ := strings.Cut(route, " ")
	root.attributes = map[string]string{"http.request.method": method, "http.route": path}
	lines := priceTable[:8+rng.Intn(24)]
	labels := pprof.Labels("trace_id", traceID, "span_id", root.spanID, "span_name", route)
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		switch path {
		case "/checkout":
			inSpan(ctx, traceID, root.spanID, "SELECT cart_items", func(context.Context) { query(rng, 2, 8) })
			inSpan(ctx, traceID, root.spanID, "applyDiscounts", func(context.Context) {
				if regressed.Load() {
					applyDiscounts(lines, 250000)
					copyPriceTable(len(lines))
				} else {
					applyDiscounts(lines, 20)
				}
			})
			inSpan(ctx, traceID, root.spanID, "encodeOrder", func(context.Context) { encodeOrder(lines) })
			inSpan(ctx, traceID, root.spanID, "INSERT orders", func(context.Context) { query(rng, 1, 4) })
		case "/cart":
			inSpan(ctx, traceID, root.spanID, "SELECT cart_items", func(context.Context) { query(rng, 1, 6) })
			inSpan(ctx, traceID, root.spanID, "renderCart", func(context.Context) { renderCart(lines) })
			if rng.Intn(4) == 0 && leaked.Load() < int64(*maxLeaked) {
				leaked.Add(1)
				go watchInventory(inventory)
			}
		default:
			query(rng, 0, 1)
		}
	})
	root.end = time.Now()
	root.attributes["http.response.status_code"] = "200"
	spans.add(root)
	latency.observe(route, root.end.Sub(root.start).Seconds(), traceID, root.spanID, root.end)
	served.Add(1)
}

func requestLoop(ctx context.Context, seed int64) {
	rng := mathrand.New(mathrand.NewSource(seed))
	routes := []string{"GET /checkout", "GET /checkout", "GET /cart", "GET /cart", "GET /health"}
	for ctx.Err() == nil {
		serve(rng, routes[rng.Intn(len(routes))])
		time.Sleep(time.Duration(50+rng.Intn(200)) * time.Millisecond)
	}
}

// MARK: - Sending to Correlator

var client = &http.Client{Timeout: 20 * time.Second}

// post sends one body, retrying (as agents do) while Correlator starts, or asks to wait with
// 429/503 and Retry-After.
func post(ctx context.Context, path, contentType string, body []byte) {
	for attempt := 1; attempt <= 5 && ctx.Err() == nil; attempt++ {
		request, err := http.NewRequestWithContext(ctx, http.MethodPost, *correlatorURL+path, bytes.NewReader(body))
		if err != nil {
			log.Printf("POST %s: %v", path, err)
			return
		}
		request.Header.Set("Content-Type", contentType)
		response, err := client.Do(request)
		wait := time.Second
		if err == nil {
			answer, _ := io.ReadAll(io.LimitReader(response.Body, 4096))
			response.Body.Close()
			if response.StatusCode < 300 {
				return
			}
			if response.StatusCode != http.StatusTooManyRequests && response.StatusCode != http.StatusServiceUnavailable {
				log.Printf("POST %s: HTTP %d: %s", path, response.StatusCode, strings.TrimSpace(string(answer)))
				return
			}
			if seconds, convErr := strconv.Atoi(response.Header.Get("Retry-After")); convErr == nil && seconds > 0 && seconds <= 10 {
				wait = time.Duration(seconds) * time.Second
			}
			err = fmt.Errorf("HTTP %d", response.StatusCode)
		}
		if attempt == 5 {
			log.Printf("POST %s: giving up: %v", path, err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

func every(ctx context.Context, interval time.Duration, work func()) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			work() // flush what is left
			return
		case <-ticker.C:
			work()
		}
	}
}

func sendSpans(ctx context.Context) {
	if batch := spans.take(); len(batch) > 0 {
		post(ctx, "/v1/traces", "application/json", otlpJSON(batch))
	}
}

func profileQuery(kind, version string, from, until time.Time) string {
	return fmt.Sprintf("/api/v1/profiles?service=%s&type=%s&from=%d&until=%d&version=%s",
		*serviceName, kind, from.UnixNano(), until.UnixNano(), version)
}

// profileLoop takes back-to-back CPU profiles of -profile-interval and, at the end of each, a
// goroutine and an allocs profile; all are posted as pprof.
func profileLoop(ctx context.Context) {
	for ctx.Err() == nil {
		var cpu bytes.Buffer
		from, running := time.Now(), version()
		if err := pprof.StartCPUProfile(&cpu); err != nil {
			log.Fatalf("cpu profile: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(*profileEvery):
		}
		pprof.StopCPUProfile()
		until := time.Now()
		go post(context.Background(), profileQuery("cpu", running, from, until), "application/octet-stream", cpu.Bytes())
		for _, kind := range []string{"goroutine", "allocs"} {
			var snapshot bytes.Buffer
			if err := pprof.Lookup(kind).WriteTo(&snapshot, 0); err != nil {
				log.Fatalf("%s profile: %v", kind, err)
			}
			go post(context.Background(), profileQuery(kind, version(), until, until), "application/octet-stream", snapshot.Bytes())
		}
	}
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("workload: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var wg sync.WaitGroup
	start := func(work func()) {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	for i := 0; i < *workers; i++ {
		seed := int64(i + 1)
		start(func() { requestLoop(ctx, seed) })
	}
	start(func() { every(ctx, 2*time.Second, func() { sendSpans(ctx) }) })
	start(func() {
		every(ctx, *profileEvery, func() {
			post(ctx, "/api/v1/exemplars", "application/openmetrics-text; version=1.0.0; charset=utf-8", latency.openMetrics())
		})
	})
	start(func() { profileLoop(ctx) })
	log.Printf("service %s (v1) sending to %s; v2, with the slow checkout, is deployed after %s", *serviceName, *correlatorURL, *regressionAfter)

	deploy := time.NewTimer(*regressionAfter)
	status := time.NewTicker(30 * time.Second)
	defer status.Stop()
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-deploy.C:
			regressed.Store(true)
			log.Printf("deployed v2: GET /checkout now burns CPU in main.applyDiscounts and allocates in main.copyPriceTable")
		case <-status.C:
			log.Printf("%s: %d requests served, %d goroutines (%d leaked by GET /cart), version %s",
				time.Since(started).Round(time.Second), served.Load(), runtime.NumGoroutine(), leaked.Load(), version())
		}
	}
	wg.Wait()
}
