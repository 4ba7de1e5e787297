// Typed views of wire fields shared by the per-kind decoders (internal to protowire).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "protowire/wire.h"

namespace waygate::protowire::internal {

using nlohmann::json;

// `where` names the proto field ("ObjectMeta.name") in error messages.
Result<std::string> AsString(const Field& f, const char* where);  // UTF-8 checked
Result<std::string_view> AsBytes(const Field& f, const char* where);
Result<int64_t> AsInt64(const Field& f, const char* where);
Result<int32_t> AsInt32(const Field& f, const char* where);  // truncates like Go's int32()
Result<bool> AsBool(const Field& f, const char* where);

// map<string,string> / map<string,bytes> entries: {key = 1, value = 2}. Bytes values become
// base64 strings, as encoding/json writes []byte.
Status AddStringMapEntry(const Field& f, json& map, const char* where);
Status AddBytesMapEntry(const Field& f, json& map, const char* where);

// meta.v1.Time {seconds = 1, nanos = 2} as metav1.Time marshals: RFC 3339 seconds in UTC, or
// null for the zero time (an empty message).
Result<json> DecodeTime(std::string_view bytes, const char* where);

// intstr.IntOrString {type = 1, intVal = 2, strVal = 3}.
Result<json> DecodeIntOrString(std::string_view bytes, const char* where);

// encoding/json `omitempty`: a zero value removes the key (a later duplicate field wins).
void SetOmitEmpty(json& obj, const char* key, std::string value);
void SetOmitZero(json& obj, const char* key, int64_t value);

std::string Base64(std::string_view bytes);
bool ValidUtf8(std::string_view s);
Error WrongType(const char* where);

}  // namespace waygate::protowire::internal
