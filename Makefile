# The front door (README): `make demo` and `make test` each set up, build and run.
SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: setup build build-asan test test-unit test-asan test-e2e fuzz-smoke demo bench bench-micro clean format

setup:
	@bash scripts/setup

# Release build with debug info: the binary the demo, the e2e tests and the benchmarks use.
build:
	@cmake --preset release >/dev/null
	@cmake --build build -j$(JOBS)

build-asan:
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build-asan -j$(JOBS)

# Every test: unit + e2e on the release build, unit tests again under ASan+UBSan, and a short
# libFuzzer run of the HTTP parser.
test: setup build
	@bash scripts/test

test-unit: build
	@cd build && ctest -L unit --output-on-failure -j$(JOBS)

test-e2e: build
	@cd build && ctest -L e2e --output-on-failure

test-asan: build-asan
	@cd build-asan && ctest -L unit --output-on-failure -j$(JOBS)

fuzz-smoke:
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-30} bash tests/fuzz/run-smoke.sh

# The seed's Routes walk-through: `waygate serve --demo` creates project demo, two echo backends
# behind Service demo-echo, the NodePort project gateway and the demo.kubesphere.io / nip.io
# route through its own API, prints the access table and lines to paste, then serves (access log
# on stdout) until Ctrl-C. State stays in DEMO_DATA, so a second run keeps the user's edits and
# node ports. Unprivileged ports throughout; the DNS port avoids mDNS's 5353. The earlier tour of
# examples/ is still `bash scripts/demo`.
DEMO_DATA ?= build/demo-data
DEMO_NODE_IP ?= 127.0.0.1
DEMO_API ?= 127.0.0.1:6443
DEMO_HTTP ?= 127.0.0.1:8080
DEMO_ADMIN ?= 127.0.0.1:10254
DEMO_DNS ?= 127.0.0.1:5354
DEMO_LB_POOL ?= 127.0.0.100-127.0.0.120
DEMO_LB_HTTP_PORT ?= 8880

demo: setup build
	@build/waygate serve --demo --data-dir $(DEMO_DATA) --node-ip $(DEMO_NODE_IP) \
		--api-listen $(DEMO_API) --http-listen $(DEMO_HTTP) --admin-listen $(DEMO_ADMIN) \
		--dns-listen $(DEMO_DNS) --lb-pool $(DEMO_LB_POOL) --lb-http-port $(DEMO_LB_HTTP_PORT) \
		--access-log -

bench: setup build
	@bench/run-proxy-bench
	@bench/run-scale-bench
	@bench/run-api-bench

bench-micro: build
	@cmake --build build --target route_bench h1_parse_bench -j$(JOBS)
	@build/bench/route_bench
	@build/bench/h1_parse_bench

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-debug build-fuzz
