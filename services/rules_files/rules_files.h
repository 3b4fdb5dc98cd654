#ifndef MOTCUA_SERVICES_RULES_FILES_RULES_FILES_H_
#define MOTCUA_SERVICES_RULES_FILES_RULES_FILES_H_

#include <string>
#include <vector>

#include "engine/rules.h"

namespace motcua {

// The rule files of a rules directory: every *.yaml and *.yml file under it
// (recursively), with its path relative to the directory ('/'-separated),
// sorted by path so that the files, and the errors found in them, come in
// the same order on every machine. Or every problem of the directory: it is
// not a readable directory, a file cannot be read, the directory cannot be
// listed to the end, or it holds no rule file; each names the directory or
// the file, without a line.
struct RuleFiles {
  std::vector<RuleSource> sources;
  std::vector<RuleError> errors;
};
RuleFiles ReadRuleFiles(const std::string& directory);

// Reads the rule files of `directory` and loads them (LoadRules). The
// problems of the directory are the result's errors, without loading.
RuleLoadResult LoadRulesFromDirectory(const std::string& directory);

}  // namespace motcua

#endif  // MOTCUA_SERVICES_RULES_FILES_RULES_FILES_H_
