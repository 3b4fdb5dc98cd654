#include "engine/rule_parser.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/time_format.h"
#include "engine/utf8.h"
#include "engine/yaml_reader.h"

namespace motcua::rules_internal {
namespace {

// "07:30-11:30".
std::optional<WorkingPeriod> ParsePeriod(const std::string& text) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) return std::nullopt;
  absl::StatusOr<int32_t> start =
      ParseClockTime(absl::StripAsciiWhitespace(text.substr(0, dash)));
  absl::StatusOr<int32_t> end =
      ParseClockTime(absl::StripAsciiWhitespace(text.substr(dash + 1)));
  if (!start.ok() || !end.ok()) return std::nullopt;
  return WorkingPeriod{*start, *end};
}

std::optional<std::vector<WorkingPeriod>> ReadPeriods(
    const YAML::Node& node, const std::string& file, absl::string_view what,
    std::vector<RuleError>* errors) {
  std::vector<WorkingPeriod> periods;
  if (node.IsNull()) return periods;
  if (!node.IsSequence()) {
    errors->push_back(RuleError{
        LocationOf(file, node.Mark()),
        absl::StrCat(what, " must be a list of periods like \"07:30-11:30\"")});
    return std::nullopt;
  }
  bool ok = true;
  for (const YAML::Node& item : node) {
    std::optional<WorkingPeriod> period;
    if (item.IsScalar()) period = ParsePeriod(item.as<std::string>());
    if (!period.has_value()) {
      errors->push_back(
          RuleError{LocationOf(file, item.Mark()),
                    absl::StrCat(what, ": \"",
                                 item.IsScalar() ? item.as<std::string>() : "",
                                 "\" is not a period like \"07:30-11:30\"")});
      ok = false;
      continue;
    }
    if (period->start_second >= period->end_second) {
      errors->push_back(
          RuleError{LocationOf(file, item.Mark()),
                    absl::StrCat(what, ": period ", item.as<std::string>(),
                                 " is empty or ends before it starts")});
      ok = false;
      continue;
    }
    if (!periods.empty() && period->start_second < periods.back().end_second) {
      errors->push_back(RuleError{
          LocationOf(file, item.Mark()),
          absl::StrCat(what, ": period ", item.as<std::string>(),
                       " overlaps or precedes the period before it")});
      ok = false;
      continue;
    }
    periods.push_back(*period);
  }
  if (!ok) return std::nullopt;
  return periods;
}

// A time limit with its location; budgets and limits alike.
std::optional<TimeLimit> ReadLimit(MapReader& reader, const char* key,
                                   Presence presence) {
  std::optional<std::string> text = reader.String(key, presence);
  if (!text.has_value()) return std::nullopt;
  absl::StatusOr<TimeLimit> limit = ParseTimeLimit(*text);
  if (!limit.ok()) {
    reader.ErrorAt(key,
                   absl::StrCat("\"", key, "\": ", limit.status().message()));
    return std::nullopt;
  }
  return *limit;
}

constexpr const char* kWeekdayKeys[] = {"monday",   "tuesday", "wednesday",
                                        "thursday", "friday",  "saturday",
                                        "sunday"};

// Parses documents into ParsedRules.
class RuleParser {
 public:
  RuleParser(ParsedRules& parsed, std::vector<RuleError>& errors)
      : errors_(&errors),
        calendars_(parsed.calendars),
        ladders_(parsed.ladders),
        procedures_(parsed.procedures) {}

  void ParseSource(const RuleSource& source) {
    // Rule files are UTF-8 text (ReadYamlDocuments): protobuf refuses other
    // strings, and a hand-over into a unit named with bytes ff fe failed
    // INTERNAL before the whole file was refused at its first bad byte.
    YamlDocuments read = ReadYamlDocuments(source.content);
    if (read.problem.has_value()) {
      Error(LocationOf(source.path, read.problem->mark),
            std::move(read.problem->message));
      return;
    }
    if (read.documents.empty()) {
      Error(SourceLocation{source.path, 1, 1}, "the file is empty");
    }
    for (const YAML::Node& document : read.documents) {
      try {
        ParseDocument(source.path, document);
      } catch (const YAML::Exception& error) {
        Error(LocationOf(source.path, error.mark), ToValidUtf8(error.msg));
      }
    }
  }

 private:
  void Error(SourceLocation where, std::string message) {
    errors_->push_back(RuleError{std::move(where), std::move(message)});
  }

  // A unit's name reaches the log, the control sheet and the lists people
  // filter by unit: it keeps the safe-text rule of dossier codes
  // (SafeTextProblem), or two units could look the same. False, with an
  // error at the value, when it does not. The name is not quoted back: a
  // right-to-left override in it would turn the message around.
  bool CheckUnitName(const std::string& file, const YAML::Node& value,
                     absl::string_view key, const std::string& name) {
    std::optional<std::string> problem = SafeTextProblem(name);
    if (!problem.has_value()) return true;
    Error(LocationOf(file, value.Mark()),
          absl::StrCat("\"", key, "\": a unit's name ", *problem));
    return false;
  }

  void ParseDocument(const std::string& file, const YAML::Node& document) {
    if (document.IsNull()) return;  // an empty document between "---"
    if (!document.IsMap() || !document["kind"].IsDefined() ||
        !document["kind"].IsScalar()) {
      Error(LocationOf(file, document.Mark()),
            "a rule document must be a mapping with \"kind\": calendar, "
            "escalation_ladder or procedure");
      return;
    }
    const std::string kind = document["kind"].as<std::string>();
    if (kind == "calendar") {
      ParseCalendar(file, document);
    } else if (kind == "escalation_ladder") {
      ParseLadder(file, document);
    } else if (kind == "procedure") {
      ParseProcedure(file, document);
    } else {
      Error(LocationOf(file, document["kind"].Mark()),
            absl::StrCat("unknown kind \"", kind,
                         "\" (expected calendar, escalation_ladder or "
                         "procedure)"));
    }
  }

  void ParseCalendar(const std::string& file, const YAML::Node& node) {
    MapReader reader(node, file, "calendar", errors_,
                     {"kind", "name", "description", "extends", "utc_offset",
                      "covers", "working_week", "holidays", "make_up_days"});
    ParsedCalendar parsed;
    parsed.where = reader.where();
    std::optional<std::string> name =
        reader.String("name", Presence::kRequired);
    if (!name.has_value()) return;
    parsed.spec.name = *name;
    parsed.extends = reader.String("extends", Presence::kOptional);
    parsed.extends_where = reader.LocationOf("extends");
    const Presence base =
        parsed.extends.has_value() ? Presence::kOptional : Presence::kRequired;

    if (std::optional<std::string> offset = reader.String("utc_offset", base)) {
      absl::StatusOr<int32_t> seconds = ParseUtcOffset(*offset);
      if (seconds.ok()) {
        parsed.spec.utc_offset_seconds = *seconds;
        parsed.has_offset = true;
      } else {
        reader.ErrorAt("utc_offset", std::string(seconds.status().message()));
      }
    }

    if (reader.Has("covers")) {
      MapReader covers(reader.Get("covers"), file, "covers", errors_,
                       {"from", "to"});
      std::optional<absl::CivilDay> from =
          covers.Day("from", Presence::kRequired);
      std::optional<absl::CivilDay> to = covers.Day("to", Presence::kRequired);
      if (from.has_value() && to.has_value()) {
        if (*to < *from) {
          reader.ErrorAt("covers", "covers: \"to\" is before \"from\"");
        } else if (*to - *from + 1 > kMaxCalendarDays) {
          reader.ErrorAt("covers",
                         absl::StrCat("covers: ", *to - *from + 1,
                                      " days, more than the ", kMaxCalendarDays,
                                      " (thirty years) a calendar may cover"));
          parsed.covers_refused = true;
        } else {
          parsed.spec.first_day = *from;
          parsed.spec.last_day = *to;
          parsed.has_covers = true;
        }
      }
    } else if (base == Presence::kRequired) {
      reader.ErrorAt("covers", "calendar is missing \"covers\"");
    }

    if (reader.Has("working_week")) {
      const YAML::Node week = reader.Get("working_week");
      MapReader days(week, file, "working_week", errors_,
                     {"monday", "tuesday", "wednesday", "thursday", "friday",
                      "saturday", "sunday"});
      for (int weekday = 0; weekday < 7 && days.valid(); ++weekday) {
        if (!days.Has(kWeekdayKeys[weekday])) continue;
        std::optional<std::vector<WorkingPeriod>> periods =
            ReadPeriods(days.Get(kWeekdayKeys[weekday]), file,
                        kWeekdayKeys[weekday], errors_);
        if (periods.has_value()) {
          parsed.spec.working_week[weekday] = *std::move(periods);
          parsed.has_weekday[weekday] = true;
        }
      }
    } else if (base == Presence::kRequired) {
      reader.ErrorAt("working_week", "calendar is missing \"working_week\"");
    }

    if (std::optional<YAML::Node> holidays =
            reader.Sequence("holidays", Presence::kOptional)) {
      for (const YAML::Node& item : *holidays) {
        MapReader entry(
            item, file, "holiday", errors_,
            {"date", "from", "to", "name", "source", "provisional", "note"});
        if (!entry.valid()) continue;
        Holiday holiday;
        std::optional<absl::CivilDay> first, last;
        if (entry.Has("date")) {
          if (entry.Has("from") || entry.Has("to")) {
            entry.ErrorAt("date",
                          "a holiday has either \"date\" or \"from\" and "
                          "\"to\", not both");
          }
          first = last = entry.Day("date", Presence::kRequired);
        } else {
          first = entry.Day("from", Presence::kRequired);
          last = entry.Day("to", Presence::kRequired);
          if (first && last && *last < *first) {
            entry.ErrorAt("to", "holiday range ends before it begins");
            continue;
          }
        }
        std::optional<std::string> holiday_name =
            entry.String("name", Presence::kRequired);
        std::optional<bool> provisional = entry.Bool("provisional");
        if (!first || !last || !holiday_name) continue;
        holiday.first = *first;
        holiday.last = *last;
        holiday.name = *holiday_name;
        holiday.source =
            entry.String("source", Presence::kOptional).value_or("");
        holiday.provisional = provisional.value_or(false);
        entry.String("note", Presence::kOptional);
        parsed.spec.holidays.push_back(std::move(holiday));
      }
    }

    if (std::optional<YAML::Node> make_up_days =
            reader.Sequence("make_up_days", Presence::kOptional)) {
      for (const YAML::Node& item : *make_up_days) {
        MapReader entry(
            item, file, "make-up day", errors_,
            {"date", "name", "source", "provisional", "note", "periods"});
        if (!entry.valid()) continue;
        MakeUpDay make_up;
        std::optional<absl::CivilDay> day =
            entry.Day("date", Presence::kRequired);
        std::optional<std::string> make_up_name =
            entry.String("name", Presence::kRequired);
        std::optional<bool> provisional = entry.Bool("provisional");
        entry.String("note", Presence::kOptional);
        if (entry.Has("periods")) {
          make_up.periods =
              ReadPeriods(entry.Get("periods"), file, "periods", errors_);
          if (!make_up.periods.has_value()) continue;
          if (make_up.periods->empty()) {
            entry.ErrorAt("periods", "a make-up day needs at least one period");
            continue;
          }
        }
        if (!day || !make_up_name) continue;
        make_up.day = *day;
        make_up.name = *make_up_name;
        make_up.source =
            entry.String("source", Presence::kOptional).value_or("");
        make_up.provisional = provisional.value_or(false);
        parsed.spec.make_up_days.push_back(std::move(make_up));
      }
    }

    if (auto [it, inserted] = calendars_.try_emplace(parsed.spec.name);
        !inserted) {
      Error(parsed.where,
            absl::StrCat("duplicate calendar name \"", parsed.spec.name,
                         "\" (first defined at ", it->second.where.ToString(),
                         ")"));
    } else {
      it->second = std::move(parsed);
    }
  }

  void ParseLadder(const std::string& file, const YAML::Node& node) {
    MapReader reader(node, file, "escalation ladder", errors_,
                     {"kind", "name", "description", "thresholds"});
    EscalationLadder ladder;
    ladder.where = reader.where();
    std::optional<std::string> name =
        reader.String("name", Presence::kRequired);
    reader.String("description", Presence::kOptional);
    std::optional<YAML::Node> thresholds =
        reader.Sequence("thresholds", Presence::kRequired);
    if (thresholds.has_value() && thresholds->size() == 0) {
      reader.ErrorAt("thresholds", "an escalation ladder needs thresholds");
    }
    if (thresholds.has_value() && thresholds->size() > kMaxLadderThresholds) {
      reader.ErrorAt("thresholds",
                     absl::StrCat("an escalation ladder has at most ",
                                  kMaxLadderThresholds, " thresholds"));
    }
    if (thresholds.has_value()) {
      for (const YAML::Node& item : *thresholds) {
        std::optional<EscalationThreshold> threshold =
            ParseThreshold(file, item);
        if (threshold.has_value()) ladder.thresholds.push_back(*threshold);
      }
    }
    if (!name.has_value()) return;
    ladder.name = *name;
    if (auto [it, inserted] = ladders_.try_emplace(ladder.name); !inserted) {
      Error(ladder.where, absl::StrCat("duplicate escalation ladder name \"",
                                       ladder.name, "\" (first defined at ",
                                       it->second.where.ToString(), ")"));
    } else {
      it->second = std::move(ladder);
    }
  }

  std::optional<EscalationThreshold> ParseThreshold(const std::string& file,
                                                    const YAML::Node& node) {
    MapReader reader(node, file, "threshold", errors_,
                     {"at", "event", "level", "notify"});
    if (!reader.valid()) return std::nullopt;
    EscalationThreshold threshold;
    bool ok = true;
    if (std::optional<std::string> at =
            reader.String("at", Presence::kRequired)) {
      absl::StatusOr<ThresholdPoint> point = ParseThresholdPoint(*at);
      if (point.ok()) {
        threshold.at = *point;
      } else {
        reader.ErrorAt("at", std::string(point.status().message()));
        ok = false;
      }
    } else {
      ok = false;
    }
    if (std::optional<std::string> event =
            reader.String("event", Presence::kRequired)) {
      if (*event == "deadline_approaching") {
        threshold.event = ThresholdEvent::kDeadlineApproaching;
      } else if (*event == "overdue") {
        threshold.event = ThresholdEvent::kOverdue;
      } else if (*event == "escalated") {
        threshold.event = ThresholdEvent::kEscalated;
      } else {
        reader.ErrorAt("event",
                       absl::StrCat("unknown event \"", *event,
                                    "\" (expected deadline_approaching, "
                                    "overdue or escalated)"));
        ok = false;
      }
    } else {
      ok = false;
    }
    if (std::optional<int64_t> level =
            reader.Integer("level", Presence::kRequired)) {
      if (*level < 0 || *level > 100) {
        reader.ErrorAt("level", "\"level\" must be between 0 and 100");
        ok = false;
      }
      threshold.level = static_cast<int>(*level);
    } else {
      ok = false;
    }
    if (reader.Has("notify")) {
      MapReader notify(reader.Get("notify"), file, "notify", errors_,
                       {"roles", "units"});
      for (const char* key : {"roles", "units"}) {
        std::optional<YAML::Node> list =
            notify.Sequence(key, Presence::kOptional);
        if (!list.has_value()) continue;
        for (const YAML::Node& item : *list) {
          if (!item.IsScalar() || item.as<std::string>().empty()) {
            notify.Error(item,
                         absl::StrCat("\"", key, "\" entries must be names"));
            ok = false;
            continue;
          }
          if (absl::string_view(key) == "units" &&
              !CheckUnitName(file, item, "units", item.as<std::string>())) {
            ok = false;
            continue;
          }
          (absl::string_view(key) == "roles" ? threshold.notify_roles
                                             : threshold.notify_units)
              .push_back(item.as<std::string>());
        }
      }
      if (threshold.notify_roles.empty() && threshold.notify_units.empty()) {
        reader.ErrorAt("notify", "\"notify\" names no role and no unit");
        ok = false;
      }
    } else {
      reader.ErrorAt("notify", "threshold is missing \"notify\"");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return threshold;
  }

  static absl::StatusOr<ThresholdPoint> ParseThresholdPoint(
      absl::string_view text) {
    ThresholdPoint point;
    const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
    if (absl::EndsWith(trimmed, "%")) {
      double percent;
      if (!absl::SimpleAtod(trimmed.substr(0, trimmed.size() - 1), &percent) ||
          !(percent > 0) || percent > 100) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"at\": \"", text,
                         "\" is not a share between 0% (excluded) and 100%"));
      }
      point.basis = ThresholdPoint::Basis::kShareOfLimit;
      point.share = percent / 100;
      return point;
    }
    absl::string_view rest = trimmed;
    if (!absl::ConsumePrefix(&rest, "due")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"at\": \"", text,
          "\" is neither a share (\"50%\") nor relative to the due time "
          "(\"due\", \"due + 2wd\", \"due - 4wh\")"));
    }
    point.basis = ThresholdPoint::Basis::kRelativeToDue;
    point.offset = WorkingOffset{LimitUnit::kWorkingDays, 0};
    rest = absl::StripAsciiWhitespace(rest);
    if (rest.empty()) return point;
    const bool negative = rest[0] == '-';
    if (rest[0] != '+' && rest[0] != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"at\": \"", text, "\": expected \"due + N\" or \"due - N\""));
    }
    rest = absl::StripAsciiWhitespace(rest.substr(1));
    absl::StatusOr<TimeLimit> amount = ParseTimeLimit(rest);
    if (!amount.ok() || (amount->unit != LimitUnit::kWorkingDays &&
                         amount->unit != LimitUnit::kWorkingHours)) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"at\": \"", text,
                       "\": the offset must be Nwd or Nwh with N positive"));
    }
    point.offset.unit = amount->unit;
    point.offset.amount = negative ? -amount->amount : amount->amount;
    return point;
  }

  void ParseProcedure(const std::string& file, const YAML::Node& node) {
    MapReader reader(
        node, file, "procedure", errors_,
        {"kind", "code", "name", "agency", "field", "effective_from",
         "effective_until", "calendar", "time_limit", "cutoff", "supplement",
         "escalation", "steps", "description", "source", "note"});
    if (!reader.valid()) return;
    ParsedProcedure parsed;
    ProcedureVersion& version = parsed.version;
    version.where = reader.where();
    bool ok = true;
    auto require = [&](const char* key, std::string* out) {
      std::optional<std::string> value =
          reader.String(key, Presence::kRequired);
      if (value.has_value()) {
        *out = *value;
      } else {
        ok = false;
      }
    };
    require("code", &version.code);
    require("name", &version.name);
    require("agency", &version.agency);
    require("field", &version.field);
    require("calendar", &version.calendar_name);
    require("escalation", &version.ladder_name);
    for (const char* key : {"description", "source", "note"}) {
      reader.String(key, Presence::kOptional);
    }
    parsed.calendar_where = reader.LocationOf("calendar");
    parsed.ladder_where = reader.LocationOf("escalation");
    parsed.steps_where = reader.LocationOf("steps");
    parsed.effective_where = reader.LocationOf("effective_from");

    if (std::optional<absl::CivilDay> from =
            reader.Day("effective_from", Presence::kRequired)) {
      version.effective_from = *from;
    } else {
      ok = false;
    }
    if (reader.Has("effective_until")) {
      std::optional<absl::CivilDay> until =
          reader.Day("effective_until", Presence::kOptional);
      if (!until.has_value()) {
        ok = false;
      } else if (*until < version.effective_from) {
        reader.ErrorAt("effective_until",
                       "\"effective_until\" is before \"effective_from\"");
        ok = false;
      } else {
        version.effective_until = *until;
      }
    }
    if (std::optional<TimeLimit> limit =
            ReadLimit(reader, "time_limit", Presence::kRequired)) {
      version.limit = *limit;
    } else {
      ok = false;
    }
    if (std::optional<std::string> cutoff =
            reader.String("cutoff", Presence::kOptional)) {
      absl::StatusOr<int32_t> second = ParseClockTime(*cutoff);
      if (second.ok()) {
        version.limit.cutoff_second = *second;
      } else {
        reader.ErrorAt("cutoff",
                       absl::StrCat("\"cutoff\": ", second.status().message()));
        ok = false;
      }
    }
    if (std::optional<std::string> policy =
            reader.String("supplement", Presence::kRequired)) {
      if (*policy == "pause") {
        version.supplement = SupplementPolicy::kPause;
      } else if (*policy == "restart") {
        version.supplement = SupplementPolicy::kRestart;
      } else {
        reader.ErrorAt("supplement",
                       absl::StrCat("\"supplement\" must be pause or restart, "
                                    "not \"",
                                    *policy, "\""));
        ok = false;
      }
    } else {
      ok = false;
    }
    if (std::optional<YAML::Node> steps =
            reader.Sequence("steps", Presence::kOptional)) {
      std::set<std::string> ids;
      for (const YAML::Node& item : *steps) {
        MapReader step_reader(item, file, "step", errors_,
                              {"id", "name", "unit", "budget"});
        if (!step_reader.valid()) {
          ok = false;
          continue;
        }
        ProcedureStep step;
        std::optional<std::string> id =
            step_reader.String("id", Presence::kRequired);
        std::optional<std::string> unit =
            step_reader.String("unit", Presence::kRequired);
        step_reader.String("name", Presence::kOptional);
        std::optional<TimeLimit> budget =
            ReadLimit(step_reader, "budget", Presence::kRequired);
        if (unit.has_value() &&
            !CheckUnitName(file, step_reader.Get("unit"), "unit", *unit)) {
          unit.reset();
        }
        if (!id || !unit || !budget) {
          ok = false;
          continue;
        }
        if (!ids.insert(*id).second) {
          step_reader.ErrorAt("id",
                              absl::StrCat("duplicate step id \"", *id,
                                           "\" in procedure ", version.code));
          ok = false;
          continue;
        }
        step.id = *id;
        step.unit = *unit;
        step.budget = *budget;
        version.steps.push_back(std::move(step));
      }
    }
    if (ok) procedures_.push_back(std::move(parsed));
  }

  // Resolves "extends" chains and builds each calendar; errors name the

  std::vector<RuleError>* errors_;
  std::map<std::string, ParsedCalendar>& calendars_;
  std::map<std::string, EscalationLadder>& ladders_;
  std::vector<ParsedProcedure>& procedures_;
};

}  // namespace

void ParseRuleSources(const std::vector<RuleSource>& sources,
                      ParsedRules& parsed, std::vector<RuleError>& errors) {
  RuleParser parser(parsed, errors);
  for (const RuleSource& source : sources) parser.ParseSource(source);
}

}  // namespace motcua::rules_internal
