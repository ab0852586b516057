// Open-loop fixed-rate HTTP client (wrk2-like) for Benchmarks/correlation.sh: request i is due
// at start + i/rate and its latency is measured from when it was due, so a stalled server is
// not hidden (no coordinated omission). Each request asks for the links of a random trace.
//
// Usage: go run fixedrate.go URL RATE SECONDS TRACES
// Prints: p50_ms p99_ms requests non_200
package main

import (
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: fixedrate URL RATE SECONDS TRACES")
		os.Exit(2)
	}
	base := os.Args[1]
	rate, _ := strconv.ParseFloat(os.Args[2], 64)
	seconds, _ := strconv.ParseFloat(os.Args[3], 64)
	traces, _ := strconv.Atoi(os.Args[4])
	total := int(rate * seconds)
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true},
		Timeout:   30 * time.Second,
	}
	latencies := make([]time.Duration, total)
	failed := make([]bool, total)
	var wg sync.WaitGroup
	start := time.Now().Add(200 * time.Millisecond)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(due))
		url := fmt.Sprintf("%s/api/v1/traces/%032x/profiles", base, rng.Intn(traces)+1)
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			response, err := client.Get(url)
			if err == nil {
				_, err = io.Copy(io.Discard, response.Body)
				response.Body.Close()
				failed[i] = err != nil || response.StatusCode != http.StatusOK
			} else {
				failed[i] = true
			}
			latencies[i] = time.Since(due)
		}(i, due)
	}
	wg.Wait()
	errors := 0
	for _, f := range failed {
		if f {
			errors++
		}
	}
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	p := func(q float64) float64 {
		index := int(q * float64(len(latencies)))
		if index >= len(latencies) {
			index = len(latencies) - 1
		}
		return float64(latencies[index]) / float64(time.Millisecond)
	}
	fmt.Printf("%.3f %.3f %d %d\n", p(0.5), p(0.99), total, errors)
}
