// libyaml front end: the fast path (roughly 8x yaml-cpp on large multi-document files).
#include <yaml.h>

#include <string>

#include "model/yaml_builder.h"
#include "model/yaml_json.h"

namespace waygate::model {
namespace {

YamlMark ToMark(const yaml_mark_t& m) {
  return YamlMark{static_cast<int>(m.line), static_cast<int>(m.column)};
}

std::string_view View(const yaml_char_t* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

// Owns the parser and the current event so every exit path releases them.
class Parser {
 public:
  explicit Parser(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~Parser() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  const yaml_event_t& Next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    if (!has_event_) {
      std::string problem = parser_.problem != nullptr ? parser_.problem : "syntax error";
      if (parser_.context != nullptr) problem += std::string(" ") + parser_.context;
      throw YamlBuildError{ToMark(parser_.problem_mark), problem};
    }
    return event_;
  }

 private:
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
};

}  // namespace

bool HaveLibyaml() { return true; }

std::optional<SyntaxError> ParseYamlWithLibyaml(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes) {
  int index = 0;
  try {
    Parser parser(text);
    JsonBuilder builder(max_nodes);
    while (true) {
      const yaml_event_t& e = parser.Next();
      YamlMark mark = ToMark(e.start_mark);
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          return std::nullopt;
        case YAML_DOCUMENT_START_EVENT:
          builder.StartDocument();
          break;
        case YAML_DOCUMENT_END_EVENT:
          on_document(index, builder.TakeRoot());
          ++index;
          break;
        case YAML_ALIAS_EVENT:
          builder.Alias(mark, View(e.data.alias.anchor));
          break;
        case YAML_SCALAR_EVENT: {
          const auto& s = e.data.scalar;
          bool plain = s.tag == nullptr && s.style == YAML_PLAIN_SCALAR_STYLE;
          builder.Scalar(mark, View(s.anchor), View(s.tag), plain,
                         std::string(reinterpret_cast<const char*>(s.value), s.length));
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
          builder.StartSequence(mark, View(e.data.sequence_start.anchor));
          break;
        case YAML_SEQUENCE_END_EVENT:
          builder.EndSequence();
          break;
        case YAML_MAPPING_START_EVENT:
          builder.StartMap(mark, View(e.data.mapping_start.anchor));
          break;
        case YAML_MAPPING_END_EVENT:
          builder.EndMap();
          break;
        default:
          break;
      }
    }
  } catch (const YamlBuildError& e) {
    return SyntaxError{index, Error{ErrorCode::kInvalid, YamlErrorMessage(e.mark, e.message)}};
  } catch (const std::exception& e) {
    return SyntaxError{index, Error{ErrorCode::kInvalid, YamlErrorMessage({}, e.what())}};
  }
}

}  // namespace waygate::model
