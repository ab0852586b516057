# Correlator — the two commands a new machine needs: `make run` and `make test`.
SWIFT      ?= swift
# make run serves what users run: an optimised build (CONFIG=debug for a debug one).
CONFIG     ?= release
# Optimised builds link the Swift runtime and Foundation statically: a command such as
# `correlator profile top` then starts without resolving thousands of symbols in a dozen shared
# libraries (27 -> 12 ms on a small heap profile, Benchmarks/profiles.sh). Every release build
# here passes it: switching it on or off rebuilds every module.
# --no-export-dynamic undoes the -export-dynamic that --static-swift-stdlib adds: the 60,000
# symbols it put in the dynamic symbol table made every start slower (the runtime's dladdr() at
# start-up scans that table; 7.9 -> 7.2 ms on the small heap profile). Linker flags only relink.
# What remains of a small command's start-up in the server's binary is its 159,000 relocations
# (RELR-packed with lld: no faster, the pages are written all the same; non-PIE: gives up ASLR),
# hence the small `correlator` executable for `profile …` (Sources/CorrelatorCLI).
STATIC     := --static-swift-stdlib -Xlinker --no-export-dynamic
RELEASE    := -c release $(STATIC)
BUILD      := -c $(CONFIG) $(if $(filter release,$(CONFIG)),$(STATIC))
ARGS       ?=
# `correlator` and `correlator-server`, built into the same directory: `correlator` runs
# `profile …` itself and executes `correlator-server` beside it for the rest (Sources/CorrelatorCLI).
build_products = for product in correlator correlator-server; do $(SWIFT) build $(1) --product $$product || exit 1; done
PYTHON     ?= python3
# Debian packages and PyPI requirements, one file per concern under deps/.
APT_PACKAGES := $(shell cat deps/apt/*.txt 2>/dev/null | sed 's/\#.*//')
PIP_FILES    := $(wildcard deps/pip/*.txt)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build run demo test unit e2e deps bench clean chaos fuzz soak test-citus bench-citus

all: build

## deps: install missing Debian packages and Python packages for the end-to-end clients.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@for f in $(PIP_FILES); do \
	  $(PYTHON) -m pip install -q --disable-pip-version-check -r $$f || exit 1; \
	done

build: deps
	$(call build_products,$(BUILD))

## run: build, start the embedded PostgreSQL under ./.correlator, migrate, serve on 127.0.0.1:4318.
run: build
	$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/correlator serve $(ARGS)

## demo: build, then Correlator on an embedded PostgreSQL under ./.correlator/demo (emptied at each
## start) with demo/rules.yml, and the Go workload of demo/workload sending it spans, exemplars and
## labelled profiles (a goroutine leak, a CPU and allocation regression at +1m); prints the pages to
## open and each alert as it fires (within about three minutes). Ctrl-C stops everything.
demo: build
	CORRELATOR_BIN="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/correlator" bash demo/run.sh

## test: unit and integration tests (the tests start a throwaway PostgreSQL), then the
## end-to-end suites in Tests/e2e/ that drive the built binary with real clients.
test: deps unit e2e

unit:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

e2e: deps
	$(call build_products,)
	@export CORRELATOR_BIN="$$($(SWIFT) build --show-bin-path)/correlator"; \
	status=0; for suite in Tests/e2e/*.sh; do \
	  echo "== $$suite"; bash "$$suite" || status=1; \
	done; exit $$status

## test-citus: the storage tests and the end-to-end suites against a coordinator and two workers
## started on this machine (Tests/citus/run.sh), and EXPLAIN of the trace lookups. Needs the
## Citus extension installed for the PostgreSQL server (the script says how when it is not);
## `make test` does not.
test-citus: deps
	@bash Tests/citus/run.sh --check
	$(SWIFT) build --build-tests
	CORRELATOR_BIN="$$($(SWIFT) build --show-bin-path)/correlator" bash Tests/citus/run.sh

## bench-citus: span ingest and trace → profiles on one PostgreSQL and on a Citus coordinator with
## two workers, same machine, same data, same run (Benchmarks/citus/bench.sh; needs Citus). On
## one machine this measures Citus's overhead, not its scaling.
bench-citus: deps
	@bash Tests/citus/run.sh --check
	$(call build_products,$(RELEASE))
	CORRELATOR_BIN="$$($(SWIFT) build -c release --show-bin-path)/correlator" bash Benchmarks/citus/bench.sh

## chaos: the long fault test: rounds of PostgreSQL stopped 20 s, kill -9 of Correlator, kill -9 of
## PostgreSQL and kill -9 of Correlator mid-COPY, while the OpenTelemetry SDK and Prometheus send
## (Tests/e2e/faults.sh; `make test` runs one round).
CHAOS_ROUNDS ?= 3
chaos: deps
	$(call build_products,)
	CORRELATOR_BIN="$$($(SWIFT) build --show-bin-path)/correlator" CHAOS_ROUNDS=$(CHAOS_ROUNDS) bash Tests/e2e/faults.sh

## soak: 10 minutes (SOAK_SECONDS) of mixed ingest and queries at half the measured span
## capacity against a release build: no errors, RSS flat, p99 stable (Tests/soak/soak.sh).
SOAK_SECONDS ?= 600
soak: deps
	$(call build_products,$(RELEASE))
	CORRELATOR_BIN="$$($(SWIFT) build -c release --show-bin-path)/correlator" SOAK_SECONDS=$(SOAK_SECONDS) bash Tests/soak/soak.sh

## fuzz: libFuzzer (with AddressSanitizer) on every decoder for FUZZ_SECONDS each, seeded from the
## fixtures; prints executions and crashes per target. Crash inputs land in Fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= openmetrics prometheus_text remote_write snappy otlp_traces_protobuf otlp_traces_json pprof otlp_profiles rule_file series_selector gzip folded otlp_metrics_protobuf otlp_metrics_json pyroscope_push connect_query
FUZZ_BUILD := CORRELATOR_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product correlator-fuzz --sanitize=fuzzer --sanitize=address
fuzz: deps
	$(FUZZ_BUILD)
	bash Fuzz/run.sh "$$($(FUZZ_BUILD) --show-bin-path)/correlator-fuzz" $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## bench: each script in Benchmarks/ measures Correlator and its peer in the same run and
## prints rows of one table.
bench: deps
	$(SWIFT) build $(RELEASE)
	@export CORRELATOR_BIN="$$($(SWIFT) build -c release --show-bin-path)/correlator"; \
	printf '%-48s %14s %14s %10s %s\n' benchmark correlator peer ratio note; \
	for b in Benchmarks/*.sh; do bash "$$b" || echo "$$b failed"; done

clean:
	rm -rf .build .build-fuzz
