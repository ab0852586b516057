# Correlator — the two commands a new machine needs: `make run` and `make test`.
SWIFT      ?= swift
CONFIG     ?= debug
ARGS       ?=
BIN         = .build/$(CONFIG)/correlator
# Debian packages the build, the tests and the end-to-end suites use.
APT_PACKAGES = libsnappy-dev pkg-config postgresql zlib1g-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build run test deps bench clean

all: build

## deps: install missing Debian packages (as root, or through sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) --product correlator

## run: build, start the embedded PostgreSQL under ./.correlator, migrate, serve on 127.0.0.1:4318.
run: build
	$(BIN) serve $(ARGS)

## test: unit and integration tests (a throwaway PostgreSQL cluster is started by the tests).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## bench: benchmarks, printed as one table of ratios against the peers measured in the same run.
bench: deps
	@echo "no benchmarks yet"

clean:
	rm -rf .build
