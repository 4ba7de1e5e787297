#!/bin/sh
# Builds the HTTP/1 fuzz target with clang and libFuzzer and runs it for FUZZ_SECONDS
# (default 30). Exits non-zero on a crash, a sanitizer report or a contract violation.
# New corpus entries go to build-fuzz/corpus_h1 (the seeds in tests/fuzz/corpus_h1 stay as is).
set -eu
cd "$(dirname "$0")/../.."
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DWAYGATE_FUZZ=ON \
  -DWAYGATE_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_h1
mkdir -p build-fuzz/corpus_h1
exec build-fuzz/tests/fuzz/fuzz_h1 -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 \
  -rss_limit_mb=2048 -dict=tests/fuzz/h1.dict -print_final_stats=1 \
  -artifact_prefix=build-fuzz/ build-fuzz/corpus_h1 tests/fuzz/corpus_h1
