// One early-return helper for the field loops of the per-kind decoders (internal).
#pragma once

#define WG_PW_CONCAT_INNER(a, b) a##b
#define WG_PW_CONCAT(a, b) WG_PW_CONCAT_INNER(a, b)
// WG_PW_ASSIGN(auto v, AsString(f, "X.y")); -> v is the value, or the function returns the error.
#define WG_PW_ASSIGN(decl, expr) WG_PW_ASSIGN_IMPL(WG_PW_CONCAT(pw_result_, __LINE__), decl, expr)
#define WG_PW_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                       \
  if (!tmp.ok()) return tmp.error();       \
  decl = std::move(tmp).value()
#define WG_PW_CHECK(expr)                          \
  do {                                             \
    auto pw_status = (expr);                       \
    if (!pw_status.ok()) return pw_status.error(); \
  } while (0)
