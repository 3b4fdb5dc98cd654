#ifndef MOTCUA_SERVICES_SERVER_RULES_HOLDER_H_
#define MOTCUA_SERVICES_SERVER_RULES_HOLDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/rules.h"

namespace motcua::server {

// The rule set in force, swapped whole by a reload. Readers take a
// shared_ptr and keep using the set they took even while a reload replaces
// it.
class RulesHolder {
 public:
  // Loads `directory`. FAILED_PRECONDITION listing every error (file:line:
  // column: message, one per line) when the rules are invalid.
  static absl::StatusOr<std::unique_ptr<RulesHolder>> Load(
      const std::string& directory);

  std::shared_ptr<const RuleSet> Current() const;
  const std::string& directory() const { return directory_; }

  struct ReloadOutcome {
    std::shared_ptr<const RuleSet> rules;     // in force after the reload
    std::shared_ptr<const RuleSet> previous;  // in force before it
    bool changed = false;
  };
  // Reads the directory again. A rule set with any error is refused with
  // FAILED_PRECONDITION listing the errors, and the running one stays.
  absl::StatusOr<ReloadOutcome> Reload();

 private:
  explicit RulesHolder(std::string directory)
      : directory_(std::move(directory)) {}

  const std::string directory_;
  absl::Mutex reload_mu_;  // one reload at a time
  mutable absl::Mutex mu_;
  std::shared_ptr<const RuleSet> rules_ ABSL_GUARDED_BY(mu_);
};

// FAILED_PRECONDITION with one line per error, or OK with the rules.
absl::StatusOr<std::shared_ptr<const RuleSet>> RulesOrProblems(
    RuleLoadResult loaded, const std::string& what);

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_RULES_HOLDER_H_
