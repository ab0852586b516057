// Open-loop fixed-rate HTTP client (wrk2-like) for Benchmarks/correlation.sh: request i is due
// at start + i/rate and its latency is measured from when it was due, so a stalled server is
// not hidden (no coordinated omission). Each request asks for the links of a random trace, or,
// with TRACES = 0, for URL itself (the HTTP floor: GET /healthz).
//
// It is built the way pgbench -R is: a few workers, each an OS thread with its own keep-alive
// connection and its share of the schedule, sleeping with nanosleep and doing blocking reads
// and writes. Go's own timers and net/http are not used on the measured path: time.Sleep
// wakes up through epoll_wait, whose timeout is in milliseconds, so it was late by 0.6 ms at
// the median and 1.1 ms at p99 on this machine (nanosleep: 0.14 and 0.27 ms), and net/http
// hands every request between three goroutines. Both were counted as Correlator's latency.
//
// Usage: go run fixedrate.go URL RATE SECONDS TRACES [LATENCY_FILE]
// Prints: p50_ms p99_ms requests non_200; appends each latency (ms) to LATENCY_FILE if given.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const workers = 8

// blockingSocket reads a blocking socket directly (no netpoller, no goroutine hand-off).
type blockingSocket int

func (s blockingSocket) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(s), p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

func (s blockingSocket) write(p []byte) error {
	for len(p) > 0 {
		n, err := syscall.Write(int(s), p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

func dial(host string) (blockingSocket, error) {
	address, err := net.ResolveTCPAddr("tcp4", host)
	if err != nil {
		return -1, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	var socketAddress syscall.SockaddrInet4
	copy(socketAddress.Addr[:], address.IP.To4())
	socketAddress.Port = address.Port
	if err := syscall.Connect(fd, &socketAddress); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	return blockingSocket(fd), nil
}

// sleepUntil sleeps with nanosleep (a high-resolution timer; Go's timers round up to 1 ms).
func sleepUntil(due time.Time) {
	if wait := time.Until(due); wait > 0 {
		remaining := syscall.NsecToTimespec(int64(wait))
		for syscall.Nanosleep(&remaining, &remaining) == syscall.EINTR {
		}
	}
}

func main() {
	if len(os.Args) != 5 && len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: fixedrate URL RATE SECONDS TRACES [LATENCY_FILE]")
		os.Exit(2)
	}
	base, err := url.Parse(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fixedrate:", err)
		os.Exit(2)
	}
	rate, _ := strconv.ParseFloat(os.Args[2], 64)
	seconds, _ := strconv.ParseFloat(os.Args[3], 64)
	traces, _ := strconv.Atoi(os.Args[4])
	total := int(rate * seconds)
	latencies := make([]time.Duration, total)
	failed := make([]bool, total)
	start := time.Now().Add(200 * time.Millisecond)
	var wg sync.WaitGroup
	for worker := 0; worker < workers; worker++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			runtime.LockOSThread()
			// PR_SET_TIMERSLACK = 29: wake at the due time, not up to 50 µs after it.
			syscall.RawSyscall(syscall.SYS_PRCTL, 29, 1, 0)
			rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(worker)))
			var socket blockingSocket = -1
			var reader *bufio.Reader
			var err error
			for i := worker; i < total; i += workers {
				due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				sleepUntil(due)
				path := base.RequestURI()
				if traces > 0 {
					path = fmt.Sprintf("%s/api/v1/traces/%032x/profiles", base.Path, rng.Intn(traces)+1)
				}
				failed[i] = true
				if socket < 0 {
					if socket, err = dial(base.Host); err != nil {
						latencies[i] = time.Since(due)
						continue
					}
					reader = bufio.NewReader(socket)
				}
				request, _ := http.NewRequest("GET", path, nil)
				var response *http.Response
				err = socket.write([]byte("GET " + path + " HTTP/1.1\r\nHost: " + base.Host + "\r\n\r\n"))
				if err == nil {
					response, err = http.ReadResponse(reader, request)
				}
				if err == nil {
					_, err = io.Copy(io.Discard, response.Body)
					response.Body.Close()
					failed[i] = err != nil || response.StatusCode != http.StatusOK
				}
				latencies[i] = time.Since(due)
				if err != nil || response.Close {
					syscall.Close(int(socket))
					socket = -1
				}
			}
			if socket >= 0 {
				syscall.Close(int(socket))
			}
		}(worker)
	}
	wg.Wait()
	errors := 0
	for _, f := range failed {
		if f {
			errors++
		}
	}
	if len(os.Args) == 6 {
		file, err := os.OpenFile(os.Args[5], os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fixedrate:", err)
			os.Exit(1)
		}
		writer := bufio.NewWriter(file)
		for _, latency := range latencies {
			fmt.Fprintf(writer, "%.3f\n", float64(latency)/float64(time.Millisecond))
		}
		writer.Flush()
		file.Close()
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
