// A small Go service for the profiles end-to-end suite: it serves net/http/pprof and keeps
// doing "requests" whose CPU work runs under pprof labels span_id, trace_id and span_name
// (pprof.Do), as tracing integrations label goroutines. Standard library only.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var sink []byte
var retained [][]byte
var mu sync.Mutex

func hashPayload(seed uint64, d time.Duration) {
	buf := make([]byte, 4096)
	binary.LittleEndian.PutUint64(buf, seed)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		sum := sha256.Sum256(buf)
		copy(buf, sum[:])
	}
	sink = buf
}

func buildReport(n int) {
	mu.Lock()
	defer mu.Unlock()
	b := make([]byte, n)
	if len(retained) < 2000 {
		retained = append(retained, b)
	}
	sink = b
}

func request(ctx context.Context, r *rand.Rand, name string, d time.Duration) {
	span := fmt.Sprintf("%016x", r.Uint64())
	trace := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
	labels := pprof.Labels("span_id", span, "trace_id", trace, "span_name", name)
	pprof.Do(ctx, labels, func(context.Context) {
		hashPayload(r.Uint64(), d)
		buildReport(16 << 10)
	})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening %s\n", listener.Addr())
	for w := 0; w < 2; w++ {
		go func(w int) {
			r := rand.New(rand.NewSource(int64(w + 1)))
			names := []string{"GET /invoice", "GET /checkout"}
			for {
				request(context.Background(), r, names[r.Intn(2)], time.Duration(20+r.Intn(30))*time.Millisecond)
				time.Sleep(5 * time.Millisecond)
			}
		}(w)
	}
	log.Fatal(http.Serve(listener, nil))
}
