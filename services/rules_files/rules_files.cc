#include "services/rules_files/rules_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace motcua {

RuleFiles ReadRuleFiles(const std::string& directory) {
  namespace fs = std::filesystem;
  RuleFiles files;
  auto problem = [&](const std::string& where, std::string message) {
    files.errors.push_back(
        RuleError{SourceLocation{where, 0, 0}, std::move(message)});
  };
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    problem(directory, "not a readable directory");
    return files;
  }
  for (fs::recursive_directory_iterator it(directory, error), end;
       !error && it != end; it.increment(error)) {
    if (!it->is_regular_file()) continue;
    const std::string extension = it->path().extension().string();
    if (extension != ".yaml" && extension != ".yml") continue;
    std::ifstream file(it->path(), std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    const std::string relative =
        it->path().lexically_relative(directory).generic_string();
    if (!file) {
      problem(relative, "cannot be read");
      continue;
    }
    files.sources.push_back(RuleSource{relative, content.str()});
  }
  if (error) problem(directory, absl::StrCat("cannot list: ", error.message()));
  if (files.errors.empty() && files.sources.empty()) {
    problem(directory, "holds no .yaml rule files");
  }
  // The directory lists in no particular order: sorted, the files (and the
  // errors found in them) come in one order everywhere.
  std::sort(
      files.sources.begin(), files.sources.end(),
      [](const RuleSource& a, const RuleSource& b) { return a.path < b.path; });
  std::sort(files.errors.begin(), files.errors.end(),
            [](const RuleError& a, const RuleError& b) {
              return a.where.file < b.where.file;
            });
  return files;
}

RuleLoadResult LoadRulesFromDirectory(const std::string& directory) {
  RuleFiles files = ReadRuleFiles(directory);
  if (!files.errors.empty()) {
    RuleLoadResult result;
    result.errors = std::move(files.errors);
    return result;
  }
  return LoadRules(files.sources);
}

}  // namespace motcua
