#include "patch/merge_patch.h"

namespace waygate::patch {

// nlohmann's merge_patch() is the RFC 7386 section 2 pseudocode line for line (verified against
// the RFC's appendix A table in tests/patch/merge_patch_test.cc), so it is used as is.
nlohmann::json ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch) {
  nlohmann::json result = target;
  result.merge_patch(patch);
  return result;
}

}  // namespace waygate::patch
