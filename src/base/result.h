// Result<T>: a value or an Error. Errors are values at module edges (see docs/RULES.md).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace waygate {

enum class ErrorCode {
  kInvalid,      // input violates a rule; `field` says where
  kNotFound,     // a referenced object or file does not exist
  kConflict,     // two inputs claim the same thing
  kUnsupported,  // valid, but not something we implement
  kIo,           // the operating system said no
  kInternal,     // a bug: should not happen
  kGone,         // a revision the caller asked for was compacted away (HTTP 410 upstream)
};

const char* ToString(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInvalid;
  std::string message;
  // Kubernetes-style field path, e.g. "spec.rules[0].http.paths[1].pathType". Empty if none.
  std::string field;

  std::string ToString() const;  // "spec.rules[0].host: must be a DNS name" or just the message
};

inline Error MakeError(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok() && "Result::value() on an error");
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok() && "Result::value() on an error");
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok() && "Result::value() on an error");
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok() && "Result::error() on a value");
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace waygate
