#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "engine/rules.h"
#include "services/cli/offline_commands.h"
#include "services/rules_files/rules_files.h"

namespace motcua::cli {

int RunRulesCheck(const std::string& directory, std::ostream& out,
                  std::ostream& err) {
  const RuleLoadResult result = LoadRulesFromDirectory(directory);
  if (!result.errors.empty()) {
    for (const RuleError& error : result.errors) {
      err << error.ToString() << "\n";
    }
    err << result.errors.size()
        << (result.errors.size() == 1 ? " error" : " errors")
        << "; the rule set is refused\n";
    return kExitInvalidRules;
  }
  const RuleSet& rules = *result.rules;
  size_t version_count = 0;
  for (const auto& [code, versions] : rules.procedures()) {
    version_count += versions.size();
  }
  out << "rules valid: " << rules.file_count() << " files, version "
      << rules.version() << "\n";
  out << "calendars (" << rules.calendars().size() << "):\n";
  for (const auto& [name, calendar] : rules.calendars()) {
    const CalendarSpec& spec = calendar.spec();
    size_t provisional = 0;
    for (const Holiday& holiday : spec.holidays)
      provisional += holiday.provisional;
    for (const MakeUpDay& day : spec.make_up_days)
      provisional += day.provisional;
    out << "  " << name << ": " << absl::FormatCivilTime(spec.first_day) << ".."
        << absl::FormatCivilTime(spec.last_day) << ", " << spec.holidays.size()
        << " holidays, " << spec.make_up_days.size() << " make-up days, "
        << provisional << " provisional entries\n";
  }
  out << "escalation ladders (" << rules.ladders().size() << "):\n";
  for (const auto& [name, ladder] : rules.ladders()) {
    std::vector<std::string> points;
    for (const EscalationThreshold& threshold : ladder.thresholds) {
      points.push_back(threshold.at.ToString());
    }
    out << "  " << name << ": " << absl::StrJoin(points, ", ") << "\n";
  }
  out << "procedures (" << rules.procedures().size() << " codes, "
      << version_count << " versions):\n";
  for (const auto& [code, versions] : rules.procedures()) {
    for (const ProcedureVersion& version : versions) {
      out << "  " << code << " from "
          << absl::FormatCivilTime(version.effective_from);
      if (version.effective_until.has_value()) {
        out << " until " << absl::FormatCivilTime(*version.effective_until);
      }
      out << ": " << version.limit.ToString();
      if (version.limit.cutoff_second.has_value()) {
        out << " (cut-off " << FormatClockTime(*version.limit.cutoff_second)
            << ")";
      }
      out << ", " << version.steps.size() << " steps, supplement "
          << SupplementPolicyName(version.supplement) << ", " << version.name
          << "\n";
    }
  }
  // Warnings leave the rule set valid: the steps' due times are plans, and a
  // province may accept that a late receipt's steps spill over.
  for (const RuleError& warning : StepFitWarnings(rules)) {
    err << "warning: " << warning.ToString() << "\n";
  }
  return kExitOk;
}

}  // namespace motcua::cli
