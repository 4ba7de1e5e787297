// The Store conformance suite: one set of tests every Store implementation must pass. An
// implementation instantiates it with a factory, e.g.
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreFactory{"sqlite", OpenInDir}),
//                            [](const auto& info) { return info.param.name; });
// and links conformance.cc. Tests never assume absolute revision numbers, only that each
// successful write advances the global revision by one, so the store a factory opens must not
// be written by anyone else during a test (a fresh etcd, or one per test binary run serially).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace waygate::store::testing {

struct StoreFactory {
  std::string name;
  // Opens the store backed by `dir`, a fresh scratch directory per test. Opening again with
  // the same dir after the previous Store is destroyed must reach the same data (restart and
  // crash tests). Must also work in a forked child process.
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Opens the test's store (again); fails the test on error.
  std::unique_ptr<Store> Open();

  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace waygate::store::testing
