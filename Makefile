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

demo: setup build
	@bash scripts/demo

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
