#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"
#include "services/cli/offline_commands.h"
#include "services/rules_files/rules_files.h"

namespace motcua::cli {
namespace {

// What `motcua due` computed, before it is printed.
struct DueAnswer {
  const Calendar* calendar = nullptr;
  const ProcedureVersion* procedure = nullptr;
  TimeLimit limit;
  absl::Time received;
  absl::Time start;
  absl::Time due;
  // The calendar's days not yet confirmed that the due time rests on.
  std::vector<absl::CivilDay> provisional_days;
  std::vector<PlannedStep> steps;
  std::optional<absl::Time> at;
  TimeLeft left;
};

// The one-line error of bad input.
int BadInput(std::ostream& err, absl::string_view message) {
  err << "motcua due: " << message << "\n";
  return kExitBadInput;
}

absl::StatusOr<DueAnswer> Compute(const RuleSet& rules,
                                  const DueOptions& options) {
  DueAnswer answer;
  if (options.procedure.has_value()) {
    if (options.calendar || options.limit || options.cutoff) {
      return absl::InvalidArgumentError(
          "--procedure takes its calendar, limit and cut-off from the rules; "
          "do not combine it with --calendar, --limit or --cutoff");
    }
    auto versions = rules.procedures().find(*options.procedure);
    if (versions == rules.procedures().end()) {
      return absl::NotFoundError(
          absl::StrCat("unknown procedure \"", *options.procedure, "\""));
    }
    // A time without an offset is read in the procedure's own calendar.
    const absl::TimeZone zone = versions->second.back().calendar->zone();
    absl::StatusOr<absl::Time> received = ParseInstant(options.received, zone);
    if (!received.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--received: ", received.status().message()));
    }
    absl::StatusOr<const ProcedureVersion*> version =
        rules.FindProcedure(*options.procedure, *received);
    if (!version.ok()) return version.status();
    answer.procedure = *version;
    answer.calendar = answer.procedure->calendar;
    answer.limit = answer.procedure->limit;
    answer.received = *received;
  } else {
    if (!options.calendar.has_value() || !options.limit.has_value()) {
      return absl::InvalidArgumentError(
          "give --procedure CODE, or --calendar NAME with --limit LIMIT");
    }
    answer.calendar = rules.FindCalendar(*options.calendar);
    if (answer.calendar == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("unknown calendar \"", *options.calendar, "\""));
    }
    absl::StatusOr<TimeLimit> limit = ParseTimeLimit(*options.limit);
    if (!limit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--limit: ", limit.status().message()));
    }
    answer.limit = *limit;
    if (options.cutoff.has_value()) {
      absl::StatusOr<int32_t> cutoff = ParseClockTime(*options.cutoff);
      if (!cutoff.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--cutoff: ", cutoff.status().message()));
      }
      answer.limit.cutoff_second = *cutoff;
    }
    absl::StatusOr<absl::Time> received =
        ParseInstant(options.received, answer.calendar->zone());
    if (!received.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--received: ", received.status().message()));
    }
    answer.received = *received;
  }

  const Calendar& calendar = *answer.calendar;
  absl::StatusOr<DuePlan> due =
      PlanDue(calendar, answer.limit, answer.received);
  if (!due.ok()) return due.status();
  answer.start = due->start;
  answer.due = due->due;
  answer.provisional_days = due->provisional_days;

  // Planned step due times: each step starts when the one before is due.
  if (answer.procedure != nullptr) {
    absl::StatusOr<std::vector<PlannedStep>> steps =
        PlanSteps(*answer.procedure, answer.start);
    if (!steps.ok()) return steps.status();
    answer.steps = *std::move(steps);
  }

  if (options.at.has_value()) {
    absl::StatusOr<absl::Time> at = ParseInstant(*options.at, calendar.zone());
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--at: ", at.status().message()));
    }
    absl::StatusOr<TimeLeft> left = TimeLeftUntil(calendar, *at, answer.due);
    if (!left.ok()) return left.status();
    answer.at = *at;
    answer.left = *left;
  }
  return answer;
}

void PrintText(const RuleSet& rules, const DueAnswer& answer,
               std::ostream& out) {
  const absl::TimeZone zone = answer.calendar->zone();
  out << FormatInstant(answer.due, zone) << "\n";
  if (answer.procedure != nullptr) {
    const ProcedureVersion& procedure = *answer.procedure;
    out << "procedure:  " << procedure.code << " " << procedure.name
        << " (version in force from "
        << absl::FormatCivilTime(procedure.effective_from) << ")\n";
  }
  out << "calendar:   " << answer.calendar->name() << "\n";
  out << "limit:      " << answer.limit.ToString();
  if (answer.limit.cutoff_second.has_value()) {
    out << ", cut-off " << FormatClockTime(*answer.limit.cutoff_second);
  }
  out << "\n";
  out << "received:   " << FormatInstant(answer.received, zone) << "\n";
  out << "clock from: " << FormatInstant(answer.start, zone) << "\n";
  out << "due:        " << FormatInstant(answer.due, zone) << "\n";
  if (!answer.provisional_days.empty()) {
    std::vector<std::string> days;
    for (absl::CivilDay day : answer.provisional_days) {
      days.push_back(absl::FormatCivilTime(day));
    }
    out << "provisional: the due time counts on " << absl::StrJoin(days, ", ")
        << ", not yet confirmed in calendar " << answer.calendar->name()
        << "; it moves if the decision differs\n";
  }
  if (!answer.steps.empty()) {
    out << "steps:\n";
    for (const PlannedStep& step : answer.steps) {
      out << "  " << step.step->id << " (" << step.step->unit << ", "
          << step.step->budget.ToString() << "): due "
          << FormatInstant(step.due, zone)
          << (step.due > answer.due ? " (after the dossier's due time)" : "")
          << "\n";
    }
  }
  if (answer.at.has_value()) {
    out << "at " << FormatInstant(*answer.at, zone) << ": "
        << TimeLeftText(answer.left) << "\n";
  }
  out << "rules:      " << rules.version() << "\n";
}

void PrintJson(const RuleSet& rules, const DueAnswer& answer,
               std::ostream& out) {
  const absl::TimeZone zone = answer.calendar->zone();
  nlohmann::ordered_json json;
  json["due"] = FormatInstant(answer.due, zone);
  json["due_time_provisional"] = !answer.provisional_days.empty();
  nlohmann::ordered_json provisional = nlohmann::ordered_json::array();
  for (absl::CivilDay day : answer.provisional_days) {
    provisional.push_back(absl::FormatCivilTime(day));
  }
  json["provisional_days"] = provisional;
  json["received"] = FormatInstant(answer.received, zone);
  json["start"] = FormatInstant(answer.start, zone);
  json["calendar"] = answer.calendar->name();
  json["limit"] = answer.limit.ToString();
  if (answer.limit.cutoff_second.has_value()) {
    json["cutoff"] = FormatClockTime(*answer.limit.cutoff_second);
  }
  if (answer.procedure != nullptr) {
    json["procedure"] = {
        {"code", answer.procedure->code},
        {"name", answer.procedure->name},
        {"effective_from",
         absl::FormatCivilTime(answer.procedure->effective_from)},
    };
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const PlannedStep& step : answer.steps) {
      steps.push_back({{"id", step.step->id},
                       {"unit", step.step->unit},
                       {"budget", step.step->budget.ToString()},
                       {"start", FormatInstant(step.start, zone)},
                       {"due", FormatInstant(step.due, zone)}});
    }
    json["steps"] = steps;
  }
  if (answer.at.has_value()) {
    json["at"] = FormatInstant(*answer.at, zone);
    json["working_seconds_left"] = absl::ToInt64Seconds(answer.left.working);
    json["working_time_left"] = FormatWorkingDuration(answer.left.working);
    json["calendar_seconds_left"] = absl::ToInt64Seconds(answer.left.calendar);
    json["calendar_time_left"] = FormatCalendarDuration(answer.left.calendar);
    json["late"] = answer.left.late();
  }
  json["rules_version"] = rules.version();
  out << json.dump(2) << "\n";
}

}  // namespace

int RunDue(const DueOptions& options, std::ostream& out, std::ostream& err) {
  const RuleLoadResult loaded = LoadRulesFromDirectory(options.rules_directory);
  if (!loaded.errors.empty()) {
    return BadInput(err, absl::StrCat("the rules in ", options.rules_directory,
                                      " are invalid (", loaded.errors.size(),
                                      " errors; see `motcua rules check`): ",
                                      loaded.errors.front().ToString()));
  }
  absl::StatusOr<DueAnswer> answer = Compute(*loaded.rules, options);
  if (!answer.ok()) return BadInput(err, answer.status().message());
  if (options.json) {
    PrintJson(*loaded.rules, *answer, out);
  } else {
    PrintText(*loaded.rules, *answer, out);
  }
  return kExitOk;
}

}  // namespace motcua::cli
