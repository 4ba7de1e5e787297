// Backend-neutral YAML event -> nlohmann::json builder, shared by the libyaml and yaml-cpp
// front ends (yaml_libyaml.cc, yaml_yamlcpp.cc). Internal to model/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace waygate::model {

struct YamlMark {
  int line = -1;  // 0-based; -1: unknown
  int column = -1;
};

// Thrown by the builder (and the front ends) to stop parsing; turned into a SyntaxError.
struct YamlBuildError {
  YamlMark mark;
  std::string message;
};

std::string YamlErrorMessage(const YamlMark& mark, std::string_view message);

class JsonBuilder {
 public:
  using Json = nlohmann::json;
  explicit JsonBuilder(size_t max_nodes) : max_nodes_(max_nodes) {}

  void StartDocument();
  Json TakeRoot() { return std::move(root_); }

  // `plain`: an untagged plain scalar, typed by the YAML 1.2 core schema. Otherwise `tag` is
  // empty or "!" (a string) or a resolved tag ("tag:yaml.org,2002:int"). `anchor` may be empty.
  void Scalar(const YamlMark& mark, std::string_view anchor, std::string_view tag, bool plain,
              std::string value);
  void Alias(const YamlMark& mark, std::string_view anchor);
  void StartSequence(const YamlMark& mark, std::string_view anchor);
  void StartMap(const YamlMark& mark, std::string_view anchor);
  void EndSequence() { Close(); }
  void EndMap();

 private:
  struct Frame {
    Json value;
    std::string anchor;
    size_t first_node = 0;
    YamlMark mark;
    bool has_key = false;
    bool key_is_merge = false;
    std::string key;
    std::vector<Json> merges;  // `<<` values, applied at the end: explicit keys win
  };

  bool InKeyPosition() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key;
  }
  void TakeKey(std::string key, bool is_merge);
  void Open(const YamlMark& mark, Json value, std::string_view anchor);
  void Close();
  void Count(const YamlMark& mark, size_t n);
  void Place(const YamlMark& mark, Json value, std::string_view anchor, size_t size);
  void Merge(Frame& f, Json& source);

  static constexpr size_t kMaxDepth = 1000;
  size_t max_nodes_;
  size_t nodes_ = 0;
  Json root_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, std::pair<Json, size_t>> anchors_;
};

}  // namespace waygate::model
