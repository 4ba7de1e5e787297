#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS (default 30, so the
# whole run takes six times that): fuzz_h1 (the HTTP/1 codec), fuzz_h2 (the HTTP/2 codec),
# fuzz_manifest (the manifest decoder), fuzz_dns (the DNS codec and resolver),
# fuzz_cert_load (the TLS Secret loader) and fuzz_annotations (the annotation parsers).
# All always run; exits non-zero if any found a crash, a sanitizer report, a leak,
# a timeout or a contract violation (its reproducer is left in build-fuzz/, see the log).
# New corpus entries go to build-fuzz/corpus_<name> (the seeds in tests/fuzz/corpus_<name> stay
# as they are), so repeated runs start from what earlier runs found.
set -eu
cd "$(dirname "$0")/../.."
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DWAYGATE_FUZZ=ON \
  -DWAYGATE_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_h1 fuzz_h2 fuzz_manifest fuzz_dns fuzz_cert_load \
  fuzz_annotations

# run NAME CORPUS DICT: one target for FUZZ_SECONDS, seeds read-only, findings in build-fuzz/.
run() {
  mkdir -p "build-fuzz/corpus_$2"
  echo "=== $1: ${FUZZ_SECONDS:-30} s"
  "build-fuzz/tests/fuzz/$1" -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 \
    -rss_limit_mb=2048 -dict="tests/fuzz/$3" -print_final_stats=1 \
    -artifact_prefix="build-fuzz/$1-" "build-fuzz/corpus_$2" "tests/fuzz/corpus_$2"
}

failed=""
run fuzz_h1 h1 h1.dict || failed="$failed fuzz_h1"
run fuzz_h2 h2 h2.dict || failed="$failed fuzz_h2"
run fuzz_manifest manifest manifest.dict || failed="$failed fuzz_manifest"
run fuzz_dns dns dns.dict || failed="$failed fuzz_dns"
run fuzz_cert_load cert cert.dict || failed="$failed fuzz_cert_load"
run fuzz_annotations annotations annotations.dict || failed="$failed fuzz_annotations"
if [ -n "$failed" ]; then
  echo "fuzz smoke run FAILED:$failed" >&2
  exit 1
fi
echo "fuzz smoke run passed: fuzz_h1 fuzz_h2 fuzz_manifest fuzz_dns fuzz_cert_load fuzz_annotations"
