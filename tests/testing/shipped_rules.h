#ifndef MOTCUA_TESTS_TESTING_SHIPPED_RULES_H_
#define MOTCUA_TESTS_TESTING_SHIPPED_RULES_H_

// The rules that ship in rules/, for tests: loaded once per test binary from
// $MOTCUA_SOURCE_DIR/rules (set by motcua_test), never freed.

#include <cstdlib>
#include <memory>
#include <string>

#include "engine/rules.h"
#include "gtest/gtest.h"
#include "services/rules_files/rules_files.h"

namespace motcua::test_support {

// A fresh copy, for a test that must own (and free) its rules. Null, with
// a test failure naming each problem, when they do not load.
inline std::unique_ptr<const RuleSet> LoadShippedRules() {
  const char* source = std::getenv("MOTCUA_SOURCE_DIR");
  if (source == nullptr) {
    ADD_FAILURE() << "MOTCUA_SOURCE_DIR is not set (run the test with ctest)";
    return nullptr;
  }
  RuleLoadResult result =
      LoadRulesFromDirectory(std::string(source) + "/rules");
  for (const RuleError& error : result.errors) {
    ADD_FAILURE() << error.ToString();
  }
  if (!result.errors.empty()) return nullptr;
  return std::move(result.rules);
}

// Example procedures of the shipped rules that tests use.
// An internal process of five steps; the clock pauses on a supplement.
inline constexpr char kLandProcedure[] = "local.dang-ky-bien-dong-dat-dai";
// No steps; the clock restarts on a supplement.
inline constexpr char kBusinessProcedure[] = "local.doanh-nghiep";

// Loaded once for the whole test binary, never freed.
inline const RuleSet* ShippedRules() {
  static const RuleSet* const rules = LoadShippedRules().release();
  return rules;
}

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_SHIPPED_RULES_H_
