#include "apply/fieldpath.h"

#include <algorithm>
#include <charconv>

#include "apply/go_text.h"

namespace waygate::apply {
namespace {

using nlohmann::json;

int Rank(const json& v) {
  if (v.is_number()) return 0;
  if (v.is_string()) return 1;
  if (v.is_boolean()) return 2;
  if (v.is_array()) return 3;
  if (v.is_object()) return 4;
  return 5;  // null (and discarded values)
}

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

template <class T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// long double holds every int64 and uint64 exactly on x86-64, so mixed comparisons are exact.
long double AsNumber(const json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<int64_t>());
  return static_cast<long double>(v.get<double>());
}

}  // namespace

int CompareJson(const json& a, const json& b) {
  const int ra = Rank(a), rb = Rank(b);
  if (ra != rb) return Cmp(ra, rb);
  switch (ra) {
    case 0:
      return Cmp(AsNumber(a), AsNumber(b));
    case 1:
      return Sign(a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>()));
    case 2:
      return Cmp(a.get<bool>(), b.get<bool>());
    case 3: {
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (int c = CompareJson(a[i], b[i]); c != 0) return c;
      }
      return Cmp(a.size(), b.size());
    }
    case 4: {
      auto ia = a.begin(), ib = b.begin();
      for (; ia != a.end() && ib != b.end(); ++ia, ++ib) {
        if (int c = ia.key().compare(ib.key()); c != 0) return c < 0 ? -1 : 1;
        if (int c = CompareJson(*ia, *ib); c != 0) return c;
      }
      return Cmp(a.size(), b.size());
    }
    default:
      return 0;
  }
}

PathElement PathElement::Field(std::string name) {
  PathElement pe;
  pe.kind = Kind::kField;
  pe.field = std::move(name);
  return pe;
}

PathElement PathElement::Key(KeyFields fields) {
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  PathElement pe;
  pe.kind = Kind::kKey;
  pe.key = std::move(fields);
  return pe;
}

PathElement PathElement::Value(json value) {
  PathElement pe;
  pe.kind = Kind::kValue;
  pe.value = std::move(value);
  return pe;
}

PathElement PathElement::Index(int64_t index) {
  PathElement pe;
  pe.kind = Kind::kIndex;
  pe.index = index;
  return pe;
}

int Compare(const PathElement& a, const PathElement& b) {
  if (a.kind != b.kind) return Cmp(static_cast<int>(a.kind), static_cast<int>(b.kind));
  switch (a.kind) {
    case PathElement::Kind::kField:
      return Sign(a.field.compare(b.field));
    case PathElement::Kind::kKey:
      for (size_t i = 0; i < a.key.size() && i < b.key.size(); ++i) {
        if (int c = a.key[i].first.compare(b.key[i].first); c != 0) return c < 0 ? -1 : 1;
        if (int c = CompareJson(a.key[i].second, b.key[i].second); c != 0) return c;
      }
      return Cmp(a.key.size(), b.key.size());
    case PathElement::Kind::kValue:
      return CompareJson(a.value, b.value);
    case PathElement::Kind::kIndex:
      return Cmp(a.index, b.index);
  }
  return 0;
}

std::string PathElement::ToString() const {
  switch (kind) {
    case Kind::kField:
      return "." + field;
    case Kind::kKey: {
      std::string out = "[";
      for (size_t i = 0; i < key.size(); ++i) {
        if (i > 0) out += ",";
        out += key[i].first + "=" + GoValueString(key[i].second);
      }
      return out + "]";
    }
    case Kind::kValue:
      return "[=" + GoValueString(value) + "]";
    case Kind::kIndex:
      return "[" + std::to_string(index) + "]";
  }
  return "{{invalid path element}}";
}

std::string PathElement::ToFieldsV1Key() const {
  switch (kind) {
    case Kind::kField:
      return "f:" + field;
    case Kind::kKey: {
      // Key fields in their sorted order, not nlohmann's (which happens to agree, but the order
      // is part of the wire format).
      std::string out = "k:{";
      for (size_t i = 0; i < key.size(); ++i) {
        if (i > 0) out += ",";
        out += GoJson(json(key[i].first)) + ":" + GoJson(key[i].second);
      }
      return out + "}";
    }
    case Kind::kValue:
      return "v:" + GoJson(value);
    case Kind::kIndex:
      return "i:" + std::to_string(index);
  }
  return "";
}

Result<PathElement> PathElement::FromFieldsV1Key(std::string_view text) {
  if (text.size() < 2 || text[1] != ':') {
    return MakeError(ErrorCode::kInvalid, "unknown path element key \"" + std::string(text) + "\"");
  }
  const std::string_view body = text.substr(2);
  switch (text[0]) {
    case 'f':
      return Field(std::string(body));
    case 'k': {
      json parsed = json::parse(body, nullptr, false);
      if (!parsed.is_object()) {
        return MakeError(ErrorCode::kInvalid, "invalid key \"" + std::string(text) + "\"");
      }
      KeyFields fields;
      for (auto it = parsed.begin(); it != parsed.end(); ++it) fields.emplace_back(it.key(), *it);
      return Key(std::move(fields));
    }
    case 'v': {
      json parsed = json::parse(body, nullptr, false);
      if (parsed.is_discarded()) {
        return MakeError(ErrorCode::kInvalid, "invalid value \"" + std::string(text) + "\"");
      }
      return Value(std::move(parsed));
    }
    case 'i': {
      int64_t index = 0;
      auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), index);
      if (ec != std::errc() || ptr != body.data() + body.size()) {
        return MakeError(ErrorCode::kInvalid, "invalid index \"" + std::string(text) + "\"");
      }
      return Index(index);
    }
    default:
      return MakeError(ErrorCode::kInvalid,
                       "unknown path element key \"" + std::string(text) + "\"");
  }
}

std::string ToString(const Path& path) {
  std::string out;
  for (const PathElement& pe : path) out += pe.ToString();
  return out;
}

void FieldSet::InsertMember(const PathElement& pe) {
  auto it = std::lower_bound(members_.begin(), members_.end(), pe);
  if (it == members_.end() || !(*it == pe)) members_.insert(it, pe);
}

FieldSet& FieldSet::ChildForInsert(const PathElement& pe) {
  auto it = std::lower_bound(children_.begin(), children_.end(), pe,
                             [](const auto& c, const PathElement& p) { return c.first < p; });
  if (it == children_.end() || !(it->first == pe)) it = children_.emplace(it, pe, FieldSet{});
  return it->second;
}

void FieldSet::Insert(const Path& path) {
  if (path.empty()) return;
  FieldSet* node = this;
  for (size_t i = 0; i + 1 < path.size(); ++i) node = &node->ChildForInsert(path[i]);
  node->InsertMember(path.back());
}

bool FieldSet::IsMember(const PathElement& pe) const {
  return std::binary_search(members_.begin(), members_.end(), pe);
}

const FieldSet* FieldSet::Child(const PathElement& pe) const {
  auto it = std::lower_bound(children_.begin(), children_.end(), pe,
                             [](const auto& c, const PathElement& p) { return c.first < p; });
  return it != children_.end() && it->first == pe ? &it->second : nullptr;
}

bool FieldSet::Has(const Path& path) const {
  if (path.empty()) return false;
  const FieldSet* node = this;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    node = node->Child(path[i]);
    if (node == nullptr) return false;
  }
  return node->IsMember(path.back());
}

bool FieldSet::Empty() const {
  if (!members_.empty()) return false;
  for (const auto& [pe, child] : children_) {
    if (!child.Empty()) return false;
  }
  return true;
}

void FieldSet::RemoveEmptyChildren() {
  children_.erase(std::remove_if(children_.begin(), children_.end(),
                                 [](const auto& c) { return c.second.Empty(); }),
                  children_.end());
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  for (const PathElement& pe : other.members_) out.InsertMember(pe);
  for (const auto& [pe, child] : other.children_) {
    FieldSet& mine = out.ChildForInsert(pe);
    mine = mine.Union(child);
  }
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  for (const PathElement& pe : members_) {
    if (other.IsMember(pe)) out.members_.push_back(pe);
  }
  for (const auto& [pe, child] : children_) {
    if (const FieldSet* theirs = other.Child(pe)) {
      FieldSet both = child.Intersection(*theirs);
      if (!both.Empty()) out.children_.emplace_back(pe, std::move(both));
    }
  }
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  for (const PathElement& pe : members_) {
    if (!other.IsMember(pe)) out.members_.push_back(pe);
  }
  for (const auto& [pe, child] : children_) {
    const FieldSet* theirs = other.Child(pe);
    FieldSet rest = theirs != nullptr ? child.Difference(*theirs) : child;
    if (!rest.Empty()) out.children_.emplace_back(pe, std::move(rest));
  }
  return out;
}

FieldSet FieldSet::RecursiveDifference(const FieldSet& other) const {
  FieldSet out;
  for (const PathElement& pe : members_) {
    if (!other.IsMember(pe)) out.members_.push_back(pe);
  }
  for (const auto& [pe, child] : children_) {
    if (other.IsMember(pe)) continue;
    const FieldSet* theirs = other.Child(pe);
    FieldSet rest = theirs != nullptr ? child.RecursiveDifference(*theirs) : child;
    if (!rest.Empty()) out.children_.emplace_back(pe, std::move(rest));
  }
  return out;
}

void FieldSet::IterateFrom(Path& prefix, const std::function<void(const Path&)>& fn) const {
  for (const PathElement& pe : members_) {
    prefix.push_back(pe);
    fn(prefix);
    prefix.pop_back();
  }
  for (const auto& [pe, child] : children_) {
    prefix.push_back(pe);
    child.IterateFrom(prefix, fn);
    prefix.pop_back();
  }
}

void FieldSet::Iterate(const std::function<void(const Path&)>& fn) const {
  Path prefix;
  IterateFrom(prefix, fn);
}

json FieldSet::ToFieldsV1() const {
  json out = json::object();
  for (const PathElement& pe : members_) {
    if (Child(pe) == nullptr) out[pe.ToFieldsV1Key()] = json::object();
  }
  for (const auto& [pe, child] : children_) {
    if (child.Empty()) continue;
    json node = child.ToFieldsV1();
    if (IsMember(pe)) node["."] = json::object();
    out[pe.ToFieldsV1Key()] = std::move(node);
  }
  return out;
}

namespace {

Result<FieldSet> ParseFieldsV1(const json& fields, bool& self_member) {
  FieldSet out;
  if (!fields.is_object()) return MakeError(ErrorCode::kInvalid, "expected an object in fieldsV1");
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (!it->is_object()) return MakeError(ErrorCode::kInvalid, "expected an object in fieldsV1");
    if (it.key() == ".") {
      self_member = true;
      continue;
    }
    Result<PathElement> pe = PathElement::FromFieldsV1Key(it.key());
    if (!pe.ok()) return pe.error();
    if (it->empty()) {
      out.InsertMember(*pe);
      continue;
    }
    bool child_member = false;
    Result<FieldSet> child = ParseFieldsV1(*it, child_member);
    if (!child.ok()) return child.error();
    if (child_member) out.InsertMember(*pe);
    if (!child->Empty()) out.ChildForInsert(*pe) = std::move(*child);
  }
  return out;
}

}  // namespace

Result<FieldSet> FieldSet::FromFieldsV1(const json& fields) {
  bool ignored = false;
  return ParseFieldsV1(fields, ignored);
}

bool FieldSet::operator==(const FieldSet& other) const {
  if (members_.size() != other.members_.size() || children_.size() != other.children_.size()) {
    return false;
  }
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!(members_[i] == other.members_[i])) return false;
  }
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!(children_[i].first == other.children_[i].first) ||
        !(children_[i].second == other.children_[i].second)) {
      return false;
    }
  }
  return true;
}

}  // namespace waygate::apply
