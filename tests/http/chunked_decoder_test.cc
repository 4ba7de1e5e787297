// ChunkedDecoder: payload and trailers out of a (validated) chunked body, whatever the split of
// the input, honouring the data limit callers use for flow control.
#include "http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waygate::http {
namespace {

struct Decoded {
  std::string data;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool ended = false;
};

Decoded DecodeInPieces(std::string_view body, size_t piece, size_t max_data) {
  ChunkedDecoder d;
  Decoded out;
  for (size_t off = 0; off < body.size(); off += piece) {
    std::string_view in = body.substr(off, piece);
    for (;;) {
      auto e = d.Next(in, max_data);
      if (e.kind == ChunkedDecoder::Kind::kNeedMore) break;
      if (e.kind == ChunkedDecoder::Kind::kData) out.data.append(e.data);
      if (e.kind == ChunkedDecoder::Kind::kTrailer) {
        out.trailers.emplace_back(std::string(e.name), std::string(e.value));
      }
      if (e.kind == ChunkedDecoder::Kind::kEnd) {
        out.ended = true;
        EXPECT_TRUE(in.empty());
        break;
      }
    }
  }
  return out;
}

TEST(ChunkedDecoder, PayloadAndTrailersWhateverTheSplit) {
  const std::string body =
      "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n"
      "grpc-status: 0\r\ngrpc-message:  done \r\n\r\n";
  for (size_t piece : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    for (size_t max_data : {1u, 4u, 1000u}) {
      Decoded d = DecodeInPieces(body, piece, max_data);
      EXPECT_EQ(d.data, "helloabcdefghijklmnopqrstuvwxyz") << piece << "/" << max_data;
      ASSERT_EQ(d.trailers.size(), 2u) << piece;
      EXPECT_EQ(d.trailers[0], (std::pair<std::string, std::string>{"grpc-status", "0"}));
      EXPECT_EQ(d.trailers[1], (std::pair<std::string, std::string>{"grpc-message", "done"}));
      EXPECT_TRUE(d.ended);
    }
  }
}

TEST(ChunkedDecoder, NoTrailersAndNothingAfterTheEnd) {
  ChunkedDecoder d;
  std::string_view in = "3\r\nabc\r\n0\r\n\r\nNEXT";
  auto e = d.Next(in);
  ASSERT_EQ(e.kind, ChunkedDecoder::Kind::kData);
  EXPECT_EQ(e.data, "abc");
  EXPECT_EQ(d.Next(in).kind, ChunkedDecoder::Kind::kEnd);
  EXPECT_EQ(in, "NEXT");  // bytes after the body are not the decoder's
  EXPECT_EQ(d.Next(in).kind, ChunkedDecoder::Kind::kEnd);
  EXPECT_TRUE(d.done());
}

TEST(ChunkedDecoder, ZeroDataLimitTakesNothing) {
  ChunkedDecoder d;
  std::string_view in = "3\r\nabc\r\n";
  EXPECT_EQ(d.Next(in, 0).kind, ChunkedDecoder::Kind::kNeedMore);
  EXPECT_EQ(in, "abc\r\n");  // the size line was consumed, the data waits
  auto e = d.Next(in, 2);
  EXPECT_EQ(e.data, "ab");
}

}  // namespace
}  // namespace waygate::http
