# guardmail — two commands on a fresh Debian machine: `make demo` and `make test`.
SWIFT ?= swift
PY ?= /usr/bin/python3
BIN := .build/debug/guardmail
# The Swift runtime and libraries linked in: about 3 MiB less resident memory and 20 ms less
# start-up than loading them as shared libraries (bench/README.md).
RELEASE := -c release --static-swift-stdlib
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: all deps build test unit e2e demo bench release clean fuzz fuzz-smoke format format-check dist install uninstall deb

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
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/reply_bench.py
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/policy_bench.py
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/picker_bench.py
	GUARDMAIL_BIN=$(CURDIR)/.build/release/guardmail $(PY) bench/confirm_bench.py

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

# ---- Installing (docs/install.md) ----------------------------------------------------------
# make release && sudo make install        # into /usr/local
# make install PREFIX=/usr DESTDIR=/tmp/root   # staged, as a package build does
# make uninstall                           # the same PREFIX and DESTDIR as the install
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/guardmail
THEMEDIR ?= $(DATADIR)/guardmail/themes
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
RELEASE_BIN := .build/release/guardmail
# What install copies besides the binary, generated from the release binary and docs/.
DIST := .build/dist
THEMES := $(wildcard Themes/*.toml)
DOCS := README.md docs/examples/organisation-policy.toml

# Man pages from the argument parser (guardmail(1) and one per subcommand) and from
# docs/config.md and docs/policy.md; completions from the argument parser.
dist: release
	@scripts/install-deps.sh install
	rm -rf $(DIST) && mkdir -p $(DIST)/man $(DIST)/completions
	export GUARDMAIL_VERSION="$$($(RELEASE_BIN) --version | head -n 1 | cut -d ' ' -f 1-2)" && \
	$(PY) scripts/manpages.py commands $(RELEASE_BIN) $(DIST)/man >/dev/null && \
	$(PY) scripts/manpages.py doc docs/config.md guardmail-config 5 "the configuration file of guardmail" $(DIST)/man/guardmail-config.5 && \
	$(PY) scripts/manpages.py doc docs/policy.md guardmail-policy 5 "the sending policy of guardmail: rules, severities, layers" $(DIST)/man/guardmail-policy.5
	$(RELEASE_BIN) --generate-completion-script bash | sed '1{/^#!/d}' > $(DIST)/completions/guardmail.bash
	$(RELEASE_BIN) --generate-completion-script zsh > $(DIST)/completions/_guardmail
	$(RELEASE_BIN) --generate-completion-script fish > $(DIST)/completions/guardmail.fish

install: dist
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(THEMEDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(RELEASE_BIN) $(DESTDIR)$(BINDIR)/guardmail
	install -m 0644 $(DIST)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(DIST)/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(DIST)/completions/guardmail.bash $(DESTDIR)$(BASHCOMPDIR)/guardmail
	install -m 0644 $(DIST)/completions/_guardmail $(DESTDIR)$(ZSHCOMPDIR)/_guardmail
	install -m 0644 $(DIST)/completions/guardmail.fish $(DESTDIR)$(FISHCOMPDIR)/guardmail.fish
	install -m 0644 $(THEMES) $(DESTDIR)$(THEMEDIR)/
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/

# Removes exactly what install wrote (man pages by their guardmail names), then the folders of
# ours that are left empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/guardmail
	rm -f $(DESTDIR)$(MANDIR)/man1/guardmail.1 $(DESTDIR)$(MANDIR)/man1/guardmail-*.1
	rm -f $(DESTDIR)$(MANDIR)/man5/guardmail-config.5 $(DESTDIR)$(MANDIR)/man5/guardmail-policy.5
	rm -f $(DESTDIR)$(BASHCOMPDIR)/guardmail $(DESTDIR)$(ZSHCOMPDIR)/_guardmail $(DESTDIR)$(FISHCOMPDIR)/guardmail.fish
	rm -f $(addprefix $(DESTDIR)$(THEMEDIR)/,$(notdir $(THEMES))) $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rmdir $(DESTDIR)$(THEMEDIR) $(DESTDIR)$(DATADIR)/guardmail $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# A Debian package (docs/install.md): the files of install under /usr, Depends from the
# libraries the binary links. DEB_MAINTAINER and DEB_REVISION set the control fields.
DEB_DIR ?= .build/deb
deb: release
	@scripts/install-deps.sh deb
	scripts/make-deb.sh $(DEB_DIR)

clean:
	rm -rf .build .build-fuzz demo-data
