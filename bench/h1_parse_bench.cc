// HTTP/1 codec cost per message: request heads (small curl-like and browser-like), a response
// head, a chunked body scan and path normalisation. Built by hand until bench/ has a CMake:
//   g++ -std=c++20 -O2 -DNDEBUG -Isrc bench/h1_parse_bench.cc src/http/*.cc
//       -lbenchmark -lbenchmark_main -pthread -o /tmp/h1_parse_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "http/h1.h"

namespace {

using namespace waygate::http;

const std::string kCurl =
    "GET /api/v1/items?id=42 HTTP/1.1\r\nHost: bench.local\r\n"
    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

const std::string kBrowser =
    "GET /static/app/main.3f9a1c.js?v=20240101 HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Chromium\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36\r\n"
    "sec-ch-ua-platform: \"Linux\"\r\n"
    "Accept: */*\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Sec-Fetch-Dest: script\r\n"
    "Referer: https://shop.example.com/catalog/shoes\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
    "Cookie: session=6f1c2a9e8b7d4c3a2f1e0d9c8b7a6f5e; theme=dark; consent=1\r\n\r\n";

const std::string kResponse =
    "HTTP/1.1 200 OK\r\nServer: echo\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 17\r\nConnection: keep-alive\r\n\r\n";

void BM_RequestHead(benchmark::State& state, const std::string& input) {
  auto head = std::make_unique<RequestHead>();
  const Limits limits;
  for (auto _ : state) {
    ParseResult r = ParseRequestHead(input, limits, head.get());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}
BENCHMARK_CAPTURE(BM_RequestHead, curl, kCurl);
BENCHMARK_CAPTURE(BM_RequestHead, browser, kBrowser);

void BM_ResponseHead(benchmark::State& state) {
  auto head = std::make_unique<ResponseHead>();
  const Limits limits;
  for (auto _ : state) {
    ParseResult r = ParseResponseHead(kResponse, limits, false, head.get());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kResponse.size()));
}
BENCHMARK(BM_ResponseHead);

void BM_Chunked(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 16; ++i) body += "400\r\n" + std::string(0x400, 'x') + "\r\n";
  body += "0\r\n\r\n";
  for (auto _ : state) {
    ChunkedScanner scanner;
    ChunkedScanner::Step s = scanner.Feed(body);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_Chunked);

void BM_NormalizePath(benchmark::State& state) {
  const std::string path = "/static/app/./vendor/../main.3f9a1c.js";
  char out[64];
  for (auto _ : state) {
    int n = NormalizePath(path, out);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_NormalizePath);

}  // namespace
