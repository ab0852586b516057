// Command explain-workload runs a simulated service under the real Go runtime profilers with
// slow requests whose causes it injects and records, so that an explanation of "why was this
// request slow" can be checked against the truth:
//
//   - GET /cart: a fifth of the requests burn 25-45 ms of CPU in main.applyPromotions, some
//     only 6-12 ms (too short to be sure to hold a CPU sample of their own);
//   - POST /pay: a fifth wait 30-50 ms for a lock another goroutine holds, in
//     main.recordPayment (sync.(*Mutex).Lock);
//   - GET /report: a fifth wait 30-50 ms for "I/O" (time.Sleep) in main.fetchReport;
//   - GET /search: after the deploy (service.version v1 → v2, half-way), every request spends
//     12-20 ms more CPU in main.newRanker;
//   - GET /health, and every other request: the control group, nothing unusual.
//
// Every request runs under pprof labels span_id, trace_id and span_name. Written to -out:
// cpu-N.pb.gz (one CPU profile per -period), goroutine-N.pb.gz (a goroutine snapshot every
// second), block.pb.gz and mutex.pb.gz (whole run), and spans.json.gz: every span with its
// service version and the injected cause (kind and function, or none).
//
//	go run . -out DIR [-seconds 12] [-period 3] [-seed 1]
package main

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"
)

type cause struct {
	Kind     string `json:"kind"`
	Function string `json:"function"`
}

type span struct {
	TraceID    string `json:"trace_id"`
	SpanID     string `json:"span_id"`
	Service    string `json:"service"`
	Version    string `json:"version"`
	Name       string `json:"name"`
	StartNanos int64  `json:"start_unix_nano"`
	EndNanos   int64  `json:"end_unix_nano"`
	Cause      *cause `json:"cause,omitempty"`
}

var (
	mu      sync.Mutex
	spans   []span
	ledger  sync.Mutex
	sink    uint64
	deploy  time.Time
	version = "v1"
)

// burn spends about d of CPU time in the calling function (a tight loop: flat time of the
// caller, which is what the profiler shows for it).
//
//go:noinline
func burn(d time.Duration) {
	end := time.Now().Add(d)
	x := sink
	for time.Now().Before(end) {
		for i := 0; i < 2000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink = x
}

//go:noinline
func renderCart(d time.Duration) { burn(d) }

//go:noinline
func applyPromotions(d time.Duration) {
	end := time.Now().Add(d)
	x := sink
	for time.Now().Before(end) {
		for i := 0; i < 2000; i++ {
			x ^= x<<13 ^ x>>7 ^ x<<17
		}
	}
	sink = x
}

//go:noinline
func processPayment(d time.Duration) { burn(d) }

//go:noinline
func recordPayment(hold time.Duration) {
	// Another goroutine (the ledger's compaction) takes the lock first and holds it.
	taken := make(chan struct{})
	go func() {
		ledger.Lock()
		close(taken)
		time.Sleep(hold)
		ledger.Unlock()
	}()
	<-taken
	ledger.Lock()
	sink++
	ledger.Unlock()
}

//go:noinline
func buildReport(d time.Duration) { burn(d) }

//go:noinline
func fetchReport(wait time.Duration) { time.Sleep(wait) }

//go:noinline
func rankResults(d time.Duration) {
	sum := sha256.Sum256([]byte(fmt.Sprint(d)))
	sink += uint64(sum[0])
	burn(d)
}

//go:noinline
func newRanker(d time.Duration) {
	end := time.Now().Add(d)
	x := sink
	for time.Now().Before(end) {
		for i := 0; i < 2000; i++ {
			x = x*2862933555777941757 + 3037000493
		}
	}
	sink = x
}

//go:noinline
func checkHealth() { burn(200 * time.Microsecond) }

func ms(r *rand.Rand, low, high int) time.Duration {
	return time.Duration(low*1000+r.Intn((high-low)*1000+1)) * time.Microsecond
}

//go:noinline
func handleCart(r *rand.Rand) *cause {
	renderCart(ms(r, 1, 2))
	switch x := r.Intn(15); {
	case x < 2:
		applyPromotions(ms(r, 25, 45))
		return &cause{"cpu", "main.applyPromotions"}
	case x < 3:
		applyPromotions(ms(r, 6, 12))
		return &cause{"cpu", "main.applyPromotions"}
	}
	return nil
}

//go:noinline
func handlePay(r *rand.Rand) *cause {
	processPayment(ms(r, 1, 2))
	if r.Intn(5) == 0 {
		recordPayment(ms(r, 30, 50))
		return &cause{"off_cpu", "main.recordPayment"}
	}
	return nil
}

//go:noinline
func handleReport(r *rand.Rand) *cause {
	buildReport(ms(r, 1, 2))
	if r.Intn(5) == 0 {
		fetchReport(ms(r, 30, 50))
		return &cause{"off_cpu", "main.fetchReport"}
	}
	return nil
}

//go:noinline
func handleSearch(r *rand.Rand, v string) *cause {
	rankResults(ms(r, 1, 2))
	if v == "v2" {
		newRanker(ms(r, 12, 20))
		return &cause{"changed_after_deploy", "main.newRanker"}
	}
	return nil
}

//go:noinline
func handleHealth() *cause {
	checkHealth()
	return nil
}

func serve(r *rand.Rand, name string) {
	traceID, spanID := hexID(r, 16), hexID(r, 8)
	mu.Lock()
	v := version
	mu.Unlock()
	start := time.Now()
	var c *cause
	labels := pprof.Labels("span_id", spanID, "trace_id", traceID, "span_name", name)
	pprof.Do(context.Background(), labels, func(context.Context) {
		switch name {
		case "GET /cart":
			c = handleCart(r)
		case "POST /pay":
			c = handlePay(r)
		case "GET /report":
			c = handleReport(r)
		case "GET /search":
			c = handleSearch(r, v)
		default:
			c = handleHealth()
		}
	})
	end := time.Now()
	mu.Lock()
	spans = append(spans, span{traceID, spanID, "shop-api", v, name, start.UnixNano(), end.UnixNano(), c})
	mu.Unlock()
}

func hexID(r *rand.Rand, n int) string {
	b := make([]byte, n)
	r.Read(b)
	return hex.EncodeToString(b)
}

func write(dir, name string, profile string, debug int) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
		panic(err)
	}
	f.Close()
}

func main() {
	out := flag.String("out", "out", "output directory")
	seconds := flag.Int("seconds", 12, "seconds of workload")
	period := flag.Int("period", 3, "seconds per CPU profile")
	seed := flag.Int64("seed", 1, "random seed")
	workers := flag.Int("workers", 3, "concurrent requests")
	flag.Parse()
	os.MkdirAll(*out, 0o755)
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)

	routes := []string{"GET /cart", "POST /pay", "GET /report", "GET /search", "GET /health"}
	begin := time.Now()
	deploy = begin.Add(time.Duration(*seconds) * time.Second / 2)
	stop := begin.Add(time.Duration(*seconds) * time.Second)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(*seed*100 + int64(w)))
			for time.Now().Before(stop) {
				serve(r, routes[r.Intn(len(routes))])
				time.Sleep(time.Duration(2+r.Intn(4)) * time.Millisecond)
			}
		}(w)
	}
	// The deploy, CPU profiles one after another, a goroutine snapshot every second.
	go func() {
		time.Sleep(time.Until(deploy))
		mu.Lock()
		version = "v2"
		mu.Unlock()
	}()
	go func() {
		for n := 0; time.Now().Before(stop); n++ {
			time.Sleep(time.Second)
			write(*out, fmt.Sprintf("goroutine-%02d.pb.gz", n), "goroutine", 0)
		}
	}()
	for n := 0; time.Now().Before(stop); n++ {
		f, _ := os.Create(filepath.Join(*out, fmt.Sprintf("cpu-%02d.pb.gz", n)))
		pprof.StartCPUProfile(f)
		time.Sleep(time.Duration(*period) * time.Second)
		pprof.StopCPUProfile()
		f.Close()
	}
	wg.Wait()
	write(*out, "block.pb.gz", "block", 0)
	write(*out, "mutex.pb.gz", "mutex", 0)
	sort.Slice(spans, func(i, j int) bool { return spans[i].StartNanos < spans[j].StartNanos })
	data, _ := json.Marshal(spans)
	f, _ := os.Create(filepath.Join(*out, "spans.json.gz"))
	z, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	z.Write(data)
	z.Close()
	f.Close()
	fmt.Printf("%d spans, deploy at %s, wrote %s\n", len(spans), deploy.UTC().Format(time.RFC3339Nano), *out)
}
