// yaml-cpp front end: its event parser drives the shared JsonBuilder. Used when libyaml is
// not available (see CMakeLists.txt); about 8x slower than libyaml on large manifests.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <streambuf>
#include <string>

#include "model/yaml_builder.h"
#include "model/yaml_json.h"

namespace waygate::model {
namespace {

// Reads the caller's buffer in place: no copy of a (possibly large) manifest.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view s) {
    char* p = const_cast<char*>(s.data());  // read-only use: get area only
    setg(p, p, p + s.size());
  }
};

YamlMark ToMark(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return YamlMark{m.line, m.column};
}

std::string AnchorName(YAML::anchor_t anchor) {
  return anchor == YAML::NullAnchor ? std::string() : std::to_string(anchor);
}

// yaml-cpp numbers anchors per document; their names are not needed.
class Adapter : public YAML::EventHandler {
 public:
  explicit Adapter(JsonBuilder& b) : b_(b) {}
  void OnDocumentStart(const YAML::Mark&) override { b_.StartDocument(); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    b_.Scalar(ToMark(mark), AnchorName(anchor), {}, true, std::string());
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    b_.Alias(ToMark(mark), AnchorName(anchor));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    bool plain = tag == "?";
    b_.Scalar(ToMark(mark), AnchorName(anchor), plain ? std::string_view() : tag, plain, value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    b_.StartSequence(ToMark(mark), AnchorName(anchor));
  }
  void OnSequenceEnd() override { b_.EndSequence(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    b_.StartMap(ToMark(mark), AnchorName(anchor));
  }
  void OnMapEnd() override { b_.EndMap(); }

 private:
  JsonBuilder& b_;
};

}  // namespace

std::optional<SyntaxError> ParseYamlWithYamlCpp(
    std::string_view text, const std::function<void(int, nlohmann::json&&)>& on_document,
    size_t max_nodes) {
  ViewBuf buf(text);
  std::istream in(&buf);
  int index = 0;
  try {
    YAML::Parser parser(in);
    JsonBuilder builder(max_nodes);
    Adapter adapter(builder);
    while (parser.HandleNextDocument(adapter)) {
      on_document(index, builder.TakeRoot());
      ++index;
    }
  } catch (const YAML::Exception& e) {
    return SyntaxError{index, Error{ErrorCode::kInvalid, YamlErrorMessage(ToMark(e.mark), e.msg)}};
  } catch (const YamlBuildError& e) {
    return SyntaxError{index, Error{ErrorCode::kInvalid, YamlErrorMessage(e.mark, e.message)}};
  } catch (const std::exception& e) {
    return SyntaxError{index, Error{ErrorCode::kInvalid, YamlErrorMessage({}, e.what())}};
  }
  return std::nullopt;
}

}  // namespace waygate::model
