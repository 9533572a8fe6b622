# wslab: the commands the README and the tutorial name.
#
#   make test        every test (the one command CI runs, with make lint)
#   make browser-test  the chat page in headless chromium, directly and through
#                    nginx with TLS (part of make test)
#   make lint        formatting and clippy, warnings as errors
#   make book        the tutorial as a book in target/book (mdbook), its links
#                    checked (part of make test); `mdbook serve tutorial` to read it
#   make doc         the API docs, warnings as errors
#   make stepN       chapter N's program; flags go in ARGS: make step1 ARGS="--clients 2"
#   make client ARGS=URL  chapter 11's client: make client ARGS=ws://127.0.0.1:8080/echo
#   make lab N       check your lab/work/chN.rs, chapter N's exercise (1-7, 11); the
#                    first run copies it from lab/stubs/ (tutorial/lab.md)
#   make lab-reset N start chapter N's exercise again from the stub
#   make run         the main server (release build)
#   make bless       rewrite the tutorial's quoted code and transcripts from the
#                    sources and the programs; review the diff afterwards
#   make fuzz        each cargo-fuzz target for FUZZ_SECONDS (default 60); needs
#                    nightly and `cargo install cargo-fuzz`; not part of CI
#   make bench       wslab, a second wslab (the A/A check), tungstenite,
#                    tokio-tungstenite and two raw TCP echoes side by side
#                    (chapter 9), about 4 minutes; ARGS=--quick for a smoke check
#   make bench-scale up to 30,000 idle connections to wslab, tungstenite and
#                    tokio-tungstenite: memory per connection, the rate of 64
#                    active ones, where each server stops, and a chart in
#                    target/bench-scale/scale.svg; about 2 minutes
#   make autobahn-setup  install the Autobahn|Testsuite's Python 3 port, once,
#                    in ~/.cache/autobahn-py3 (AUTOBAHN_HOME); needs git and python3
#   make conformance the suite against /echo (chapter 6); not part of CI
#   make conformance-client  the suite's fuzzing server against our client
#                    (chapter 11); not part of CI either

CARGO ?= cargo
STEPS := step1 step2 step3 step4 step5 step6 step7 step8 step9

.PHONY: test browser-test book lint doc run bless fuzz bench bench-scale autobahn-setup conformance conformance-client client lab lab-reset $(STEPS)

# The lab (lab/) is a default member of the workspace, so these run its
# checks too. `cargo test` builds the examples the tests start; the explicit
# build first makes a compile error show up once, before any test output.
# --no-fail-fast runs every test binary, so one run reports every failure.
# One of them, tests/book.rs, builds the book (make book).
test: browser-test
	$(CARGO) build --all-targets
	$(CARGO) test --all-targets --no-fail-fast
	$(CARGO) test --doc

# Chapter 7's page in Debian's chromium, driven by playwright-core from the
# lock file (no browser download), and chapter 10's: the same page over https
# through Debian's nginx running deploy/nginx.conf. Each test starts its
# processes on free loopback ports and kills them however it ends. Under
# CI=true a missing chromium, nginx or openssl fails the test instead of
# skipping it.
WSLAB_BIN ?= $(CURDIR)/target/debug/wslab

browser-test:
	$(CARGO) build --bin wslab
	cd tests/browser && npm ci --no-audit --no-fund
	cd tests/browser && WSLAB_BIN="$(WSLAB_BIN)" node chat.spec.mjs
	cd tests/browser && WSLAB_BIN="$(WSLAB_BIN)" node nginx.spec.mjs

# `mdbook build tutorial`, then every link of every page checked. Needs mdbook
# (`cargo install --locked mdbook`); without it the test fails under CI=true
# and skips otherwise.
book:
	$(CARGO) test --test book -- --nocapture

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --no-deps

run:
	$(CARGO) run --release -- $(ARGS)

$(STEPS): step%:
	$(CARGO) run --example $@ -- $(ARGS)

client:
	$(CARGO) run --example client -- $(ARGS)

# `make lab 4`: the chapter is a goal of its own, which does nothing, and
# LAB picks it out (`make lab LAB=4` works too). WSLAB_LAB=4 builds only
# chapter 4 from lab/work/, so another chapter's unfinished file cannot
# stop it compiling. A failing check fails the make.
LAB_CHAPTERS := 1 2 3 4 5 6 7 11
ifneq ($(filter lab lab-reset,$(MAKECMDGOALS)),)
LAB ?= $(firstword $(filter $(LAB_CHAPTERS),$(MAKECMDGOALS)))
$(LAB_CHAPTERS):
	@:
endif

# The work file is made before the build, so the first build compiles it.
lab:
	@if [ -n "$(LAB)" ] && [ ! -e lab/work/ch$(LAB).rs ]; then \
		mkdir -p lab/work && cp lab/stubs/ch$(LAB).rs lab/work/ch$(LAB).rs; fi
	WSLAB_LAB=$(or $(LAB),0) $(CARGO) run --quiet --example lab -- $(or $(LAB),help) $(ARGS)

# Without cargo: a file that does not compile is the one most in need of a reset.
lab-reset:
	@if [ -z "$(LAB)" ]; then echo "usage: make lab-reset N (N from 1 to 7, or 11)"; exit 2; fi
	@if [ -e lab/work/ch$(LAB).rs ]; then \
		mv lab/work/ch$(LAB).rs lab/work/ch$(LAB).rs.bak && \
		echo "Your lab/work/ch$(LAB).rs is now lab/work/ch$(LAB).rs.bak."; fi
	@mkdir -p lab/work && cp lab/stubs/ch$(LAB).rs lab/work/ch$(LAB).rs
	@echo "lab/work/ch$(LAB).rs is the stub again. \`make lab $(LAB)\` checks it."

# `cargo test --test NAME` does not build the examples, so build them first.
bless:
	$(CARGO) build --examples
	WSLAB_BLESS=1 $(CARGO) test --test tutorial --test tutorial_runs

# libFuzzer through cargo-fuzz, which needs a nightly toolchain. Bounded in
# time; a finding stops it and leaves the input in fuzz/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := receiver handshake

fuzz:
	cd fuzz && for target in $(FUZZ_TARGETS); do \
		$(CARGO) +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

# Release builds: a debug build measures the compiler's checks, not the code.
# Both raise the open-files limit for their run: a chat room of 1,000 members,
# and thousands of idle connections, need more than the common 1,024. bench
# raises the soft limit to the hard one; bench-scale's load generator raises
# its own as far as it may (the hard limit too, to fs.nr_open, with
# CAP_SYS_RESOURCE), and the servers it starts inherit it.
BENCH_PROGRAMS := --bin wslab --example bench_load --example bench_echo

bench:
	$(CARGO) build --release $(BENCH_PROGRAMS)
	ulimit -n "$$(ulimit -Hn)"; $(CARGO) run --release --example bench_load -- $(ARGS)

bench-scale:
	$(CARGO) build --release $(BENCH_PROGRAMS)
	$(CARGO) run --release --example bench_load -- --scale 30000 $(ARGS)

# The Autobahn|Testsuite, from its Python 3 port: a checkout in
# $(AUTOBAHN_HOME)/src and a venv with its dependencies in $(AUTOBAHN_HOME)/venv
# (tutorial/06-messages-and-closing.md#conformance-the-autobahntestsuite).
# tools/run_autobahn.py runs it and prints a summary.
AUTOBAHN_HOME ?= $(HOME)/.cache/autobahn-py3
AUTOBAHN_REPO ?= https://github.com/ricardo-valero/autobahn-testsuite
AUTOBAHN_PYTHON = $(AUTOBAHN_HOME)/venv/bin/python
AUTOBAHN = AUTOBAHN_SRC="$(AUTOBAHN_HOME)/src" "$(AUTOBAHN_PYTHON)" tools/run_autobahn.py
AUTOBAHN_MISSING = { echo "$@: no Autobahn|Testsuite in $(AUTOBAHN_HOME); run make autobahn-setup (chapter 6)" >&2; exit 2; }
CONFORMANCE_ADDR ?= 127.0.0.1:9001

autobahn-setup:
	test -d "$(AUTOBAHN_HOME)/src" || git clone --depth 1 $(AUTOBAHN_REPO) "$(AUTOBAHN_HOME)/src"
	test -x "$(AUTOBAHN_PYTHON)" || python3 -m venv "$(AUTOBAHN_HOME)/venv"
	"$(AUTOBAHN_PYTHON)" -m pip install --quiet "autobahn[twisted]" "twisted[tls]" pyopenssl service-identity jinja2

# The suite's fuzzing client against a release build's /echo.
conformance:
	@test -x "$(AUTOBAHN_PYTHON)" -a -d "$(AUTOBAHN_HOME)/src" || $(AUTOBAHN_MISSING)
	$(CARGO) build --release --bin wslab
	RUST_LOG=warn target/release/wslab --addr $(CONFORMANCE_ADDR) </dev/null & server=$$!; \
	trap 'kill $$server' EXIT; sleep 1; \
	$(AUTOBAHN) server ws://$(CONFORMANCE_ADDR)/echo target/autobahn

# The suite's fuzzing *server* against our client: the runner starts it on a
# free port and runs the driver loop of examples/autobahn_client.rs.
conformance-client:
	@test -x "$(AUTOBAHN_PYTHON)" -a -d "$(AUTOBAHN_HOME)/src" || $(AUTOBAHN_MISSING)
	$(CARGO) build --release --example autobahn_client
	$(AUTOBAHN) client target/autobahn-client -- target/release/examples/autobahn_client
