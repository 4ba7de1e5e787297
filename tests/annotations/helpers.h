// Small builders for annotation maps in the annotations tests.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "annotations/parse.h"

namespace waygate::annotations::testing {

inline constexpr std::string_view kNs = "shop";

// {"rewrite-target", "/"} -> {"nginx.ingress.kubernetes.io/rewrite-target", "/"}.
inline model::StringMap Ann(std::initializer_list<std::pair<std::string, std::string>> items) {
  model::StringMap map;
  for (const auto& [key, value] : items) map[std::string(kPrefix) + key] = value;
  return map;
}

inline std::string Field(std::string_view key) {
  return "metadata.annotations[nginx.ingress.kubernetes.io/" + std::string(key) + "]";
}

// The policy of an annotation map that must parse; fails the test otherwise.
inline Policy MustParse(const model::StringMap& map) {
  auto parsed = ParseAnnotations(map, kNs);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().ToString());
  if (!parsed.ok()) return Policy{};
  EXPECT_TRUE(ValidateAnnotations(map, kNs).empty());
  return std::move(parsed->policy);
}

// The error of an annotation map that must fail (and fail the same way in Validate).
inline Error MustFail(const model::StringMap& map) {
  auto parsed = ParseAnnotations(map, kNs);
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return Error{};
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
  auto all = ValidateAnnotations(map, kNs);
  EXPECT_FALSE(all.empty());
  if (!all.empty()) {
    EXPECT_EQ(all.front().field, parsed.error().field);
    EXPECT_EQ(all.front().message, parsed.error().message);
  }
  return parsed.error();
}

// `key: value` alone fails with the field of `key` and a message containing `reason`.
inline void ExpectInvalid(const std::string& key, const std::string& value,
                          std::string_view reason = "") {
  SCOPED_TRACE(key + ": " + value);
  Error error = MustFail(Ann({{key, value}}));
  EXPECT_EQ(error.field, Field(key));
  if (!reason.empty()) {
    EXPECT_NE(error.message.find(reason), std::string::npos) << error.message;
  }
}

}  // namespace waygate::annotations::testing
