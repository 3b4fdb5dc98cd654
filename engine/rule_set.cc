#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/rule_parser.h"
#include "engine/rules.h"
#include "engine/sha256.h"
#include "engine/status_macros.h"
#include "engine/time_format.h"

namespace motcua {

absl::string_view SupplementPolicyName(SupplementPolicy policy) {
  switch (policy) {
    case SupplementPolicy::kPause:
      return "pause";
    case SupplementPolicy::kRestart:
      return "restart";
  }
  return "";
}

absl::string_view ThresholdEventName(ThresholdEvent event) {
  switch (event) {
    case ThresholdEvent::kDeadlineApproaching:
      return "deadline_approaching";
    case ThresholdEvent::kOverdue:
      return "overdue";
    case ThresholdEvent::kEscalated:
      return "escalated";
  }
  return "";
}

std::string ThresholdPoint::ToString() const {
  if (basis == Basis::kShareOfLimit) {
    std::ostringstream text;
    text << share * 100 << "%";
    return text.str();
  }
  if (offset.amount == 0) return "due";
  return absl::StrCat("due ", offset.amount < 0 ? "- " : "+ ",
                      std::abs(offset.amount),
                      offset.unit == LimitUnit::kWorkingDays ? "wd" : "wh");
}

absl::StatusOr<absl::Time> ThresholdTime(const Calendar& calendar,
                                         const ThresholdPoint& point,
                                         absl::Time start, absl::Time due,
                                         absl::Duration paused) {
  if (point.basis == ThresholdPoint::Basis::kRelativeToDue) {
    return ApplyOffset(calendar, due, point.offset);
  }
  ASSIGN_OR_RETURN(const absl::Duration total,
                   calendar.WorkingTimeBetween(start, due));
  const int64_t limit_seconds =
      std::max<int64_t>(0, absl::ToInt64Seconds(total - paused));
  const int64_t seconds =
      std::llround(static_cast<double>(limit_seconds) * point.share);
  return calendar.AddWorkingTime(start, absl::Seconds(seconds) + paused);
}

// Resolves the names of parsed rules and checks the whole set.
class RuleSetBuilder {
 public:
  RuleSetBuilder(rules_internal::ParsedRules parsed,
                 std::vector<RuleError>* errors)
      : errors_(errors),
        calendars_(std::move(parsed.calendars)),
        ladders_(std::move(parsed.ladders)),
        procedures_(std::move(parsed.procedures)) {}

  std::unique_ptr<const RuleSet> Build(const std::vector<RuleSource>& sources) {
    auto rules = std::unique_ptr<RuleSet>(new RuleSet());
    BuildCalendars(*rules);
    BuildLadders(*rules);
    BuildProcedures(*rules);
    if (!errors_->empty()) return nullptr;

    // The version: a hash over every file's relative path and content, in
    // path order, so the same files give the same version on every machine.
    std::vector<const RuleSource*> ordered;
    for (const RuleSource& source : sources) ordered.push_back(&source);
    std::sort(ordered.begin(), ordered.end(),
              [](const RuleSource* a, const RuleSource* b) {
                return a->path < b->path;
              });
    Sha256 hasher;
    for (const RuleSource* source : ordered) {
      hasher.Update(absl::StrCat(source->path.size(), ":"));
      hasher.Update(source->path);
      hasher.Update(absl::StrCat(source->content.size(), ":"));
      hasher.Update(source->content);
    }
    rules->version_ = ToHex(hasher.Finish());
    rules->file_count_ = sources.size();
    return rules;
  }

 private:
  using ParsedCalendar = rules_internal::ParsedCalendar;
  using ParsedProcedure = rules_internal::ParsedProcedure;

  void Error(SourceLocation where, std::string message) {
    errors_->push_back(RuleError{std::move(where), std::move(message)});
  }

  // calendar's document.
  void BuildCalendars(RuleSet& rules) {
    std::map<std::string, std::optional<CalendarSpec>> resolved;
    for (const auto& [name, parsed] : calendars_) {
      std::set<std::string> visiting;
      ResolveCalendar(name, visiting, resolved);
    }
    int64_t covered_days = 0;
    for (auto& [name, spec] : resolved) {
      if (!spec.has_value()) continue;
      covered_days += spec->last_day - spec->first_day + 1;
      if (covered_days > kMaxRuleSetCalendarDays) {
        Error(calendars_[name].where,
              absl::StrCat("calendar ", name, ": the calendars cover ",
                           covered_days, " days together, more than the ",
                           kMaxRuleSetCalendarDays,
                           " (a century) a rule set may hold"));
        return;
      }
      absl::StatusOr<Calendar> calendar = Calendar::Build(*spec);
      if (!calendar.ok()) {
        Error(calendars_[name].where, std::string(calendar.status().message()));
        continue;
      }
      rules.calendars_.emplace(name, *std::move(calendar));
    }
  }

  const std::optional<CalendarSpec>& ResolveCalendar(
      const std::string& name, std::set<std::string>& visiting,
      std::map<std::string, std::optional<CalendarSpec>>& resolved) {
    if (auto it = resolved.find(name); it != resolved.end()) {
      // Found while still resolving it: the chain of "extends" is a cycle.
      if (visiting.contains(name)) {
        Error(calendars_.at(name).extends_where,
              absl::StrCat("calendar \"", name,
                           "\" extends itself through a cycle of calendars"));
      }
      return it->second;
    }
    const ParsedCalendar& parsed = calendars_.at(name);
    std::optional<CalendarSpec>& result = resolved[name];
    if (parsed.covers_refused) return result;
    if (!parsed.extends.has_value()) {
      result = parsed.spec;
      return result;
    }
    if (!calendars_.contains(*parsed.extends)) {
      Error(parsed.extends_where,
            absl::StrCat("calendar \"", name, "\" extends unknown calendar \"",
                         *parsed.extends, "\""));
      return result;
    }
    if (!visiting.insert(name).second || *parsed.extends == name) {
      Error(parsed.extends_where,
            absl::StrCat("calendar \"", name, "\" extends itself through \"",
                         *parsed.extends, "\""));
      return result;
    }
    const std::optional<CalendarSpec> parent =
        ResolveCalendar(*parsed.extends, visiting, resolved);
    if (!parent.has_value()) return result;
    CalendarSpec spec = *parent;
    spec.name = name;
    if (parsed.has_offset)
      spec.utc_offset_seconds = parsed.spec.utc_offset_seconds;
    if (parsed.has_covers) {
      spec.first_day = parsed.spec.first_day;
      spec.last_day = parsed.spec.last_day;
    }
    for (int weekday = 0; weekday < 7; ++weekday) {
      if (parsed.has_weekday[weekday]) {
        spec.working_week[weekday] = parsed.spec.working_week[weekday];
      }
    }
    spec.holidays.insert(spec.holidays.end(), parsed.spec.holidays.begin(),
                         parsed.spec.holidays.end());
    spec.make_up_days.insert(spec.make_up_days.end(),
                             parsed.spec.make_up_days.begin(),
                             parsed.spec.make_up_days.end());
    result = std::move(spec);
    return result;
  }

  void BuildLadders(RuleSet& rules) {
    for (auto& [name, ladder] : ladders_) {
      rules.ladders_.emplace(name, std::move(ladder));
    }
  }

  void BuildProcedures(RuleSet& rules) {
    std::map<std::string, std::vector<ParsedProcedure*>> by_code;
    for (ParsedProcedure& parsed : procedures_) {
      ProcedureVersion& version = parsed.version;
      bool ok = true;
      auto calendar = rules.calendars_.find(version.calendar_name);
      if (calendar == rules.calendars_.end()) {
        if (!calendars_.contains(version.calendar_name)) {
          Error(parsed.calendar_where,
                absl::StrCat("procedure ", version.code,
                             " uses unknown calendar \"", version.calendar_name,
                             "\""));
        }
        ok = false;
      } else {
        version.calendar = &calendar->second;
      }
      auto ladder = rules.ladders_.find(version.ladder_name);
      if (ladder == rules.ladders_.end()) {
        Error(parsed.ladder_where,
              absl::StrCat("procedure ", version.code,
                           " uses unknown escalation ladder \"",
                           version.ladder_name, "\""));
        ok = false;
      } else {
        version.ladder = &ladder->second;
      }
      if (version.calendar != nullptr && !version.steps.empty()) {
        absl::Duration budgets = absl::ZeroDuration();
        for (const ProcedureStep& step : version.steps) {
          budgets += NominalLength(*version.calendar, step.budget);
        }
        const absl::Duration limit =
            NominalLength(*version.calendar, version.limit);
        if (budgets > limit) {
          Error(parsed.steps_where,
                absl::StrCat("procedure ", version.code,
                             ": the step budgets add up to ",
                             FormatWorkingDuration(budgets),
                             " of working time, more than the time limit ",
                             version.limit.ToString(), " (",
                             FormatWorkingDuration(limit), ")"));
          ok = false;
        }
      }
      if (ok) by_code[version.code].push_back(&parsed);
    }
    for (auto& [code, versions] : by_code) {
      std::stable_sort(versions.begin(), versions.end(),
                       [](const ParsedProcedure* a, const ParsedProcedure* b) {
                         return a->version.effective_from <
                                b->version.effective_from;
                       });
      for (size_t i = 1; i < versions.size(); ++i) {
        const ProcedureVersion& before = versions[i - 1]->version;
        const ProcedureVersion& after = versions[i]->version;
        if (!before.effective_until.has_value() ||
            *before.effective_until >= after.effective_from) {
          Error(versions[i]->effective_where,
                absl::StrCat(
                    "procedure ", code, " effective from ",
                    FormatDay(after.effective_from),
                    before.effective_from == after.effective_from
                        ? " is a duplicate of the version at "
                        : " overlaps the version in force from ",
                    before.effective_from == after.effective_from
                        ? before.where.ToString()
                        : absl::StrCat(FormatDay(before.effective_from), " (",
                                       before.where.ToString(), ")")));
        }
      }
      std::vector<ProcedureVersion>& target = rules.procedures_[code];
      for (ParsedProcedure* parsed : versions) {
        target.push_back(std::move(parsed->version));
      }
    }
  }

  std::vector<RuleError>* errors_;
  std::map<std::string, ParsedCalendar> calendars_;
  std::map<std::string, EscalationLadder> ladders_;
  std::vector<ParsedProcedure> procedures_;
};

const Calendar* RuleSet::FindCalendar(absl::string_view name) const {
  auto it = calendars_.find(name);
  return it == calendars_.end() ? nullptr : &it->second;
}

const EscalationLadder* RuleSet::FindLadder(absl::string_view name) const {
  auto it = ladders_.find(name);
  return it == ladders_.end() ? nullptr : &it->second;
}

absl::StatusOr<const ProcedureVersion*> RuleSet::FindProcedure(
    absl::string_view code, absl::Time at) const {
  auto it = procedures_.find(code);
  if (it == procedures_.end()) {
    return absl::NotFoundError(
        absl::StrCat("unknown procedure code \"", code, "\""));
  }
  for (const ProcedureVersion& version : it->second) {
    const absl::CivilDay day = version.calendar->LocalDay(at);
    if (day >= version.effective_from &&
        (!version.effective_until.has_value() ||
         day <= *version.effective_until)) {
      return &version;
    }
  }
  const ProcedureVersion& first = it->second.front();
  return absl::FailedPreconditionError(absl::StrCat(
      "procedure ", code, " has no version in force on ",
      FormatDay(first.calendar->LocalDay(at)), " (the first is in force from ",
      FormatDay(first.effective_from), ")"));
}

const ProcedureVersion* RuleSet::FindProcedureVersion(
    absl::string_view code, absl::CivilDay effective_from) const {
  auto it = procedures_.find(code);
  if (it == procedures_.end()) return nullptr;
  for (const ProcedureVersion& version : it->second) {
    if (version.effective_from == effective_from) return &version;
  }
  return nullptr;
}

RuleLoadResult LoadRules(const std::vector<RuleSource>& sources) {
  RuleLoadResult result;
  rules_internal::ParsedRules parsed;
  rules_internal::ParseRuleSources(sources, parsed, result.errors);
  RuleSetBuilder builder(std::move(parsed), &result.errors);
  std::unique_ptr<const RuleSet> rules = builder.Build(sources);
  if (result.errors.empty()) result.rules = std::move(rules);
  return result;
}

absl::StatusOr<std::vector<PlannedStep>> PlanSteps(
    const ProcedureVersion& procedure, absl::Time clock_start) {
  const Calendar& calendar = *procedure.calendar;
  std::vector<PlannedStep> planned;
  planned.reserve(procedure.steps.size());
  absl::Time start = clock_start;
  for (const ProcedureStep& step : procedure.steps) {
    ASSIGN_OR_RETURN(const absl::Time due,
                     DueFromStart(calendar, step.budget, start));
    planned.push_back(PlannedStep{&step, start, due});
    // A step due at a period's end hands over at the next opening.
    ASSIGN_OR_RETURN(start, calendar.NextWorkingInstant(due));
  }
  return planned;
}

namespace {

// A working day of each distinct weekly pattern of `calendar`, on or after
// `from`, that is worked as the pattern says (neither a holiday nor a make-up
// day), with a week of covered days after it so that a due time counted
// from it stays inside the calendar.
std::vector<absl::CivilDay> PatternDays(const Calendar& calendar,
                                        absl::CivilDay from) {
  const CalendarSpec& spec = calendar.spec();
  std::vector<absl::CivilDay> days;
  std::vector<std::vector<WorkingPeriod>> seen;
  const absl::CivilDay start = std::max(from, spec.first_day);
  for (absl::CivilDay day = start; day + 7 <= spec.last_day && day < start + 60;
       ++day) {
    const int weekday = (static_cast<int>(absl::GetWeekday(day)) + 7 -
                         static_cast<int>(absl::Weekday::monday)) %
                        7;
    const std::vector<WorkingPeriod>& pattern = spec.working_week[weekday];
    if (pattern.empty()) continue;
    const absl::Span<const WorkingPeriod> periods = calendar.PeriodsOf(day);
    if (!std::equal(periods.begin(), periods.end(), pattern.begin(),
                    pattern.end())) {
      continue;  // a holiday or a make-up day
    }
    if (std::find(seen.begin(), seen.end(), pattern) != seen.end()) continue;
    seen.push_back(pattern);
    days.push_back(day);
  }
  return days;
}

}  // namespace

std::vector<RuleError> StepFitWarnings(const RuleSet& rules) {
  std::vector<RuleError> warnings;
  for (const auto& [code, versions] : rules.procedures()) {
    for (const ProcedureVersion& version : versions) {
      if (version.steps.empty() || version.calendar == nullptr) continue;
      const Calendar& calendar = *version.calendar;
      std::optional<absl::CivilSecond> first_misfit;
      std::optional<absl::CivilSecond> worst;
      absl::Duration worst_overrun = absl::ZeroDuration();
      for (absl::CivilDay day : PatternDays(calendar, version.effective_from)) {
        for (int minute = 0; minute < 24 * 60; ++minute) {
          const absl::CivilSecond local = absl::CivilSecond(day) + minute * 60;
          absl::StatusOr<DuePlan> due =
              PlanDue(calendar, version.limit, calendar.FromLocal(local));
          if (!due.ok()) continue;
          absl::StatusOr<std::vector<PlannedStep>> steps =
              PlanSteps(version, due->start);
          if (!steps.ok() || steps->empty()) continue;
          if (steps->back().due <= due->due) continue;
          absl::StatusOr<absl::Duration> overrun =
              calendar.WorkingTimeBetween(due->due, steps->back().due);
          if (!overrun.ok()) continue;
          if (!first_misfit.has_value()) first_misfit = local;
          if (*overrun > worst_overrun) {
            worst_overrun = *overrun;
            worst = local;
          }
        }
      }
      if (!first_misfit.has_value()) continue;
      auto clock = [](absl::CivilSecond local) {
        return FormatClockTime(static_cast<int32_t>(
            local - absl::CivilSecond(absl::CivilDay(local))));
      };
      absl::Duration budgets = absl::ZeroDuration();
      for (const ProcedureStep& step : version.steps) {
        budgets += NominalLength(calendar, step.budget);
      }
      std::string text =
          absl::StrCat("procedure ", code, " (version from ",
                       absl::FormatCivilTime(version.effective_from),
                       "): the step budgets (", FormatWorkingDuration(budgets),
                       " of working time) do not fit the time limit ",
                       version.limit.ToString());
      if (version.limit.cutoff_second.has_value()) {
        absl::StrAppend(&text, " (cut-off ",
                        FormatClockTime(*version.limit.cutoff_second), ")");
      }
      absl::StrAppend(&text, " for a receipt at ", clock(*first_misfit));
      if (worst.has_value() && clock(*worst) != clock(*first_misfit)) {
        absl::StrAppend(&text, " and later; worst at ", clock(*worst));
      }
      absl::StrAppend(&text, ", where the last step is planned ",
                      FormatWorkingDuration(worst_overrun),
                      " of working time past the dossier's due time");
      warnings.push_back(RuleError{version.where, std::move(text)});
    }
  }
  return warnings;
}
}  // namespace motcua
