#include "services/server/rules_holder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/rules_files/rules_files.h"

namespace motcua::server {

absl::StatusOr<std::shared_ptr<const RuleSet>> RulesOrProblems(
    RuleLoadResult loaded, const std::string& what) {
  if (loaded.rules != nullptr && loaded.errors.empty()) {
    return std::shared_ptr<const RuleSet>(std::move(loaded.rules));
  }
  std::string message =
      absl::StrCat(what, " refused (", loaded.errors.size(), " errors):");
  for (const RuleError& error : loaded.errors) {
    absl::StrAppend(&message, "\n", error.ToString());
  }
  return absl::FailedPreconditionError(message);
}

absl::StatusOr<std::unique_ptr<RulesHolder>> RulesHolder::Load(
    const std::string& directory) {
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = RulesOrProblems(
      LoadRulesFromDirectory(directory), absl::StrCat("rules in ", directory));
  if (!rules.ok()) return rules.status();
  std::unique_ptr<RulesHolder> holder(new RulesHolder(directory));
  absl::MutexLock lock(&holder->mu_);
  holder->rules_ = *std::move(rules);
  return holder;
}

std::shared_ptr<const RuleSet> RulesHolder::Current() const {
  absl::MutexLock lock(&mu_);
  return rules_;
}

absl::StatusOr<RulesHolder::ReloadOutcome> RulesHolder::Reload() {
  absl::MutexLock reloading(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const RuleSet>> loaded =
      RulesOrProblems(LoadRulesFromDirectory(directory_),
                      absl::StrCat("rules in ", directory_));
  if (!loaded.ok()) return loaded.status();
  absl::MutexLock lock(&mu_);
  ReloadOutcome outcome;
  outcome.previous = rules_;
  outcome.changed = rules_->version() != (*loaded)->version();
  if (outcome.changed) rules_ = *std::move(loaded);
  outcome.rules = rules_;
  return outcome;
}

}  // namespace motcua::server
