// ChunkedScanner: valid bodies under every split, extensions, trailers, and each framing error.
#include <gtest/gtest.h>

#include <string>

#include "http/h1.h"

namespace waygate::http {
namespace {

using namespace std::string_literals;

struct Outcome {
  size_t consumed = 0;
  bool done = false;
  bool error = false;
  uint64_t payload = 0;
};

// Feeds `input` in pieces of at most `piece` bytes; stops at done or error.
Outcome FeedInPieces(const std::string& input, size_t piece, uint64_t max_chunk = 1ull << 40) {
  ChunkedScanner scanner(max_chunk);
  Outcome o;
  for (size_t i = 0; i < input.size();) {
    const size_t len = std::min(piece, input.size() - i);
    const ChunkedScanner::Step s = scanner.Feed(std::string_view(input).substr(i, len));
    o.consumed += s.consumed;
    if (s.error) {
      EXPECT_STRNE(s.error_reason, "");
      o.error = true;
      break;
    }
    if (s.done) {
      o.done = true;
      break;
    }
    EXPECT_EQ(s.consumed, len);
    i += len;
  }
  o.payload = scanner.payload_bytes();
  return o;
}

// Every two-piece split, and byte at a time, gives the same outcome as one piece.
Outcome FeedAllWays(const std::string& input, uint64_t max_chunk = 1ull << 40) {
  const Outcome whole = FeedInPieces(input, input.size() + 1, max_chunk);
  const Outcome bytes = FeedInPieces(input, 1, max_chunk);
  EXPECT_EQ(bytes.consumed, whole.consumed) << input;
  EXPECT_EQ(bytes.done, whole.done) << input;
  EXPECT_EQ(bytes.error, whole.error) << input;
  for (size_t k = 1; k < input.size(); ++k) {
    ChunkedScanner scanner(max_chunk);
    Outcome o;
    ChunkedScanner::Step a = scanner.Feed(std::string_view(input).substr(0, k));
    o.consumed = a.consumed;
    if (!a.done && !a.error) {
      ChunkedScanner::Step b = scanner.Feed(std::string_view(input).substr(k));
      o.consumed += b.consumed;
      o.done = b.done;
      o.error = b.error;
    } else {
      o.done = a.done;
      o.error = a.error;
    }
    EXPECT_EQ(o.consumed, whole.consumed) << "split " << k << ": " << input;
    EXPECT_EQ(o.done, whole.done) << "split " << k << ": " << input;
    EXPECT_EQ(o.error, whole.error) << "split " << k << ": " << input;
  }
  return whole;
}

struct ValidBody {
  std::string body;
  uint64_t payload;
};

class ValidChunked : public testing::TestWithParam<ValidBody> {};

TEST_P(ValidChunked, CompletesUnderEverySplit) {
  const ValidBody& v = GetParam();
  const std::string next = "GET / HTTP/1.1\r\n";
  const Outcome o = FeedAllWays(v.body + next);
  EXPECT_TRUE(o.done) << v.body;
  EXPECT_FALSE(o.error) << v.body;
  EXPECT_EQ(o.consumed, v.body.size()) << v.body;  // stops before the next message
  EXPECT_EQ(o.payload, v.payload) << v.body;
}

const ValidBody kValid[] = {
    {"0\r\n\r\n", 0},
    {"000\r\n\r\n", 0},
    {"5\r\nhello\r\n0\r\n\r\n", 5},
    {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 11},
    {"a\r\n0123456789\r\n0\r\n\r\n", 10},
    {"A\r\n0123456789\r\n0\r\n\r\n", 10},
    {"00000000000000a\r\n0123456789\r\n0\r\n\r\n", 10},  // 16 digits is the maximum
    {"3\r\n\r\n\r\r\n0\r\n\r\n", 3},                     // data is opaque
    {"1;a\r\nx\r\n0\r\n\r\n", 1},
    {"1;a=b\r\nx\r\n0\r\n\r\n", 1},
    {"1;a=\"q s;,\"\r\nx\r\n0\r\n\r\n", 1},
    {"1;a=\"esc\\\"aped\"\r\nx\r\n0\r\n\r\n", 1},
    {"1 ; a = b ;c\r\nx\r\n0\r\n\r\n", 1},
    {"1\t;a=\"x\"\t;b\r\nx\r\n0\r\n\r\n", 1},
    {"1;a;b;c=d\r\nx\r\n0;last=1\r\n\r\n", 1},
    {"1;a=\"\xe9\"\r\nx\r\n0\r\n\r\n", 1},
    {"0\r\nX-Sum: abc\r\n\r\n", 0},
    {"2\r\nab\r\n0\r\nA: 1\r\nB:\t2 \r\nC:\r\n\r\n", 2},
};

INSTANTIATE_TEST_SUITE_P(Bodies, ValidChunked, testing::ValuesIn(kValid));

struct InvalidBody {
  const char* name;
  std::string body;
};

class InvalidChunked : public testing::TestWithParam<InvalidBody> {};

TEST_P(InvalidChunked, IsRejectedUnderEverySplit) {
  const Outcome o = FeedAllWays(GetParam().body, /*max_chunk=*/1 << 20);
  EXPECT_TRUE(o.error) << GetParam().name;
  EXPECT_FALSE(o.done) << GetParam().name;
}

const InvalidBody kInvalid[] = {
    {"empty_size", "\r\nhello\r\n0\r\n\r\n"},
    {"leading_space", " 5\r\nhello\r\n0\r\n\r\n"},
    {"leading_tab", "\t5\r\nhello\r\n0\r\n\r\n"},
    {"non_hex", "g\r\n"},
    {"hex_prefix", "0x5\r\nhello\r\n0\r\n\r\n"},
    {"negative", "-1\r\n"},
    {"plus", "+1\r\n"},
    {"trailing_space_no_ext", "5 \r\nhello\r\n0\r\n\r\n"},
    {"seventeen_digits", "00000000000000001\r\nx\r\n0\r\n\r\n"},
    {"too_large_for_limit", "100001\r\n"},
    {"overflow", "ffffffffffffffff\r\n"},
    {"bare_lf_after_size", "5\nhello\r\n0\r\n\r\n"},
    {"bare_cr_after_size", "5\rhello\r\n0\r\n\r\n"},
    {"data_not_followed_by_crlf", "5\r\nhelloX\r\n0\r\n\r\n"},
    {"data_followed_by_lf", "5\r\nhello\n0\r\n\r\n"},
    {"data_followed_by_bare_cr", "5\r\nhello\rX0\r\n\r\n"},
    {"data_too_long", "3\r\nhello\r\n0\r\n\r\n"},
    {"ext_without_name", "1;\r\nx\r\n0\r\n\r\n"},
    {"ext_name_invalid", "1;@\r\nx\r\n0\r\n\r\n"},
    {"ext_equals_without_name", "1;=b\r\nx\r\n0\r\n\r\n"},
    {"ext_missing_value", "1;a=\r\nx\r\n0\r\n\r\n"},
    {"ext_bare_lf", "1;a\nx\r\n0\r\n\r\n"},
    {"ext_bare_cr", "1;a\rx\r\n0\r\n\r\n"},
    {"ext_lf_in_quotes", "1;a=\"x\ny\"\r\nx\r\n0\r\n\r\n"},
    {"ext_cr_in_quotes", "1;a=\"x\r\ny\"\r\nx\r\n0\r\n\r\n"},
    {"ext_nul", "1;a\0\r\nx\r\n0\r\n\r\n"s},
    {"ext_nul_in_quotes", "1;a=\"\0\"\r\nx\r\n0\r\n\r\n"s},
    {"ext_ctl_escaped", "1;a=\"\\\x01\"\r\nx\r\n0\r\n\r\n"},
    {"ext_unterminated_quote", "1;a=\"x\r\nx\r\n0\r\n\r\n"},
    {"ext_trailing_space", "1;a=b \r\nx\r\n0\r\n\r\n"},
    {"ext_name_trailing_space", "1;a \r\nx\r\n0\r\n\r\n"},
    {"ext_text_after_quote", "1;a=\"x\"y\r\nx\r\n0\r\n\r\n"},
    {"ext_two_values", "1;a=b=c\r\nx\r\n0\r\n\r\n"},
    {"ext_too_long", "1;a=" + std::string(5000, 'b') + "\r\nx\r\n0\r\n\r\n"},
    {"trailer_obs_fold", "0\r\nA: 1\r\n 2\r\n\r\n"},
    {"trailer_space_before_colon", "0\r\nA : 1\r\n\r\n"},
    {"trailer_no_colon", "0\r\nA\r\n\r\n"},
    {"trailer_empty_name", "0\r\n: 1\r\n\r\n"},
    {"trailer_bare_lf", "0\r\nA: 1\n\r\n"},
    {"trailer_bare_cr", "0\r\nA: 1\rB\r\n\r\n"},
    {"trailer_nul", "0\r\nA: \0\r\n\r\n"s},
    {"trailer_del", "0\r\nA: \x7f\r\n\r\n"},
    {"trailers_too_large", "0\r\nA: " + std::string(9000, 'a') + "\r\n\r\n"},
    {"final_bare_cr", "0\r\n\rX"},
    {"final_bare_lf", "0\r\n\n"},
};

INSTANTIATE_TEST_SUITE_P(Bodies, InvalidChunked, testing::ValuesIn(kInvalid),
                         [](const testing::TestParamInfo<InvalidBody>& info) {
                           return std::string(info.param.name);
                         });

TEST(ChunkedScanner, MaxChunkBoundary) {
  EXPECT_TRUE(FeedInPieces("4\r\nabcd\r\n0\r\n\r\n", 100, /*max_chunk=*/4).done);
  EXPECT_TRUE(FeedInPieces("5\r\nabcde\r\n0\r\n\r\n", 100, /*max_chunk=*/4).error);
  // 16 hex digits up to the default limit 2^40.
  EXPECT_TRUE(FeedInPieces("0000010000000000\r\n", 100).error == false);
  EXPECT_TRUE(FeedInPieces("0000010000000001\r\n", 100).error);
}

TEST(ChunkedScanner, ReportsConsumedUpToTheError) {
  ChunkedScanner s;
  ChunkedScanner::Step step = s.Feed("5\r\nhelloX");
  EXPECT_TRUE(step.error);
  EXPECT_EQ(step.consumed, 8u);
  // The verdict is sticky.
  step = s.Feed("\r\n0\r\n\r\n");
  EXPECT_TRUE(step.error);
  EXPECT_EQ(step.consumed, 0u);
}

TEST(ChunkedScanner, DoneIsStickyAndResetStartsOver) {
  ChunkedScanner s;
  ChunkedScanner::Step step = s.Feed("3\r\nabc\r\n0\r\n\r\nNEXT");
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.consumed, 13u);
  EXPECT_EQ(s.payload_bytes(), 3u);
  step = s.Feed("more");
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.consumed, 0u);
  s.Reset();
  EXPECT_EQ(s.payload_bytes(), 0u);
  step = s.Feed("1\r\n");
  EXPECT_FALSE(step.done);
  EXPECT_FALSE(step.error);
  EXPECT_EQ(step.consumed, 3u);
}

TEST(ChunkedScanner, LargeChunkIsSkippedAcrossFeeds) {
  ChunkedScanner s;
  EXPECT_EQ(s.Feed("100000\r\n").consumed, 8u);
  const std::string data(0x100000, 'z');
  for (size_t i = 0; i < data.size(); i += 4096) {
    const ChunkedScanner::Step step = s.Feed(std::string_view(data).substr(i, 4096));
    ASSERT_FALSE(step.error);
    ASSERT_EQ(step.consumed, 4096u);
  }
  EXPECT_EQ(s.payload_bytes(), 0x100000u);
  EXPECT_TRUE(s.Feed("\r\n0\r\n\r\n").done);
}

}  // namespace
}  // namespace waygate::http
