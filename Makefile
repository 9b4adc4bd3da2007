# guardmail — two commands on a fresh Debian machine: `make demo` and `make test`.
SWIFT ?= swift
PY ?= /usr/bin/python3
BIN := .build/debug/guardmail
# The Swift runtime and libraries linked in: about 3 MiB less resident memory and 20 ms less
# start-up than loading them as shared libraries (bench/README.md).
RELEASE := -c release --static-swift-stdlib
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: all deps build test unit e2e demo bench release clean fuzz fuzz-smoke format format-check

all: build

deps:
	@scripts/install-deps.sh build

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE)

# Everything the tests need, then all tests: unit tests (Swift Testing) and end-to-end tests
# (real SMTP server on 127.0.0.1 with STARTTLS and AUTH; real binary).
test:
	@scripts/install-deps.sh test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(PY) -m pytest Tests/e2e -q

unit:
	$(SWIFT) build --build-tests && $(SWIFT) test --skip-build

e2e: build
	$(PY) -m pytest Tests/e2e -q

demo:
	@scripts/install-deps.sh demo
	$(SWIFT) build
	@scripts/demo.sh

# Side by side with s-nail, mutt, curl and msmtp into one fast local sink (see bench/README.md).
# e.g. make bench BENCH_ARGS="--sizes 1,25 --runs 3"
bench:
	@scripts/install-deps.sh bench
	$(SWIFT) build $(RELEASE) --product guardmail
	$(PY) bench/sink_selftest.py
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/send_bench.py $(BENCH_ARGS)
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/tui_bench.py
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/bulk_bench.py $(BULK_BENCH_ARGS)
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/extract_bench.py

# libFuzzer targets for every parser of outside input, each run for FUZZ_SECONDS, seeded from
# the tests (docs/fuzzing.md). e.g. make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="toml zip"
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	@scripts/install-deps.sh fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

# What CI runs: every target builds and survives 20 s.
fuzz-smoke:
	@scripts/install-deps.sh fuzz
	FUZZ_SECONDS=20 scripts/fuzz.sh

# One style for every Swift file, settled by swift-format (the toolchain's `swift format`) and
# the repository's .swift-format; CI runs format-check (docs/architecture.md, 'Style').
FORMAT_PATHS := Package.swift Sources Tests Fuzz
format:
	$(SWIFT) format format -i -r -p $(FORMAT_PATHS)

format-check:
	$(SWIFT) format lint --strict -r -p $(FORMAT_PATHS)

clean:
	rm -rf .build .build-fuzz demo-data
