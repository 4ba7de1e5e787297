#include "apply/managed_fields.h"

#include "apply/managed.h"
#include "apply/schema.h"

namespace waygate::apply {
namespace {

using nlohmann::json;

constexpr size_t kFieldManagerMaxLength = 128;

// isResetManagedFields: a non-nil empty list, or a list of one zero-valued entry.
bool IsReset(const json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return false;
  auto list = meta->find("managedFields");
  if (list == meta->end() || !list->is_array()) return false;
  if (list->empty()) return true;
  if (list->size() != 1 || !(*list)[0].is_object()) return false;
  for (const json& value : (*list)[0]) {
    if (!value.is_null() && value != "") return false;
  }
  return true;
}

bool HasUid(const json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return false;
  auto uid = meta->find("uid");
  return uid != meta->end() && uid->is_string() && !uid->get_ref<const std::string&>().empty();
}

}  // namespace

std::string ManagerFromRequest(std::string_view field_manager, std::string_view user_agent) {
  if (!field_manager.empty()) return std::string(field_manager);
  const std::string_view prefix = user_agent.substr(0, user_agent.find('/'));
  std::string out;
  for (size_t i = 0; i < prefix.size() && out.size() < kFieldManagerMaxLength;) {
    const auto c = static_cast<unsigned char>(prefix[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);  // unicode.IsPrint for ASCII
      ++i;
      continue;
    }
    // A multi-byte rune is kept whole; a byte that starts none is U+FFFD, as Go ranges a string.
    const size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    bool valid = len > 0 && i + len <= prefix.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(prefix[i + k]) & 0xc0) == 0x80;
    }
    if (valid) {
      // C1 controls (U+0080..U+009F) are not printable.
      if (!(c == 0xc2 && static_cast<unsigned char>(prefix[i + 1]) < 0xa0)) {
        out.append(prefix.substr(i, len));
      }
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

void TrackUpdate(std::string_view group, std::string_view kind, const json* live, json& updated,
                 const Manager& manager) {
  const Type type = Type::Root(group, kind);
  const FieldSet reset = ResetFields(group, kind, manager.subresource);
  const json& skeleton = Skeleton(group, kind);

  auto live_managed = [&]() -> internal::Managed {
    if (live == nullptr) return {};
    Result<internal::Managed> decoded = internal::Decode(*live);
    return decoded.ok() ? std::move(*decoded) : internal::Managed{};
  };
  // decodeManagedFields: a subresource never takes managedFields from the request; a main
  // resource write takes them when they decode to something, and [] / [{}] mean "start over".
  internal::Managed managed;
  if (!manager.subresource.empty()) {
    managed = live_managed();
  } else if (!IsReset(updated)) {
    Result<internal::Managed> sent = internal::Decode(updated);
    managed = sent.ok() && !sent->empty() ? std::move(*sent) : live_managed();
  }

  json live_object = live != nullptr ? *live : json::object();
  internal::RemoveManagedFields(live_object);
  internal::RemoveManagedFields(updated);

  // skipNonAppliedManager: an existing object without managedFields stays untracked until it is
  // applied to; a create is always tracked.
  const bool create = live == nullptr || !HasUid(*live);
  if (managed.empty() && !create) return;

  const internal::Entry who = internal::MakeEntry(manager, "Update");
  if (!internal::Update(type, reset, skeleton, live != nullptr ? &live_object : nullptr, updated,
                        managed, who)
           .ok()) {
    return;  // UpdateNoErrors: on failure the object goes without managedFields
  }
  internal::CapManagers(managed);
  internal::Encode(managed, updated);
  if (live != nullptr) internal::KeepTimestampsOnNoop(*live, updated);
}

}  // namespace waygate::apply
