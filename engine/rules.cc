#include "engine/rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/sha256.h"
#include "engine/time_format.h"
#include "engine/utf8.h"

namespace motcua {

std::string RuleError::ToString() const {
  if (where.line <= 0) return absl::StrCat(where.file, ": ", message);
  return absl::StrCat(where.file, ":", where.line, ":", where.column, ": ",
                      message);
}

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
  absl::StatusOr<absl::Duration> total =
      calendar.WorkingTimeBetween(start, due);
  if (!total.ok()) return total.status();
  const int64_t limit_seconds =
      std::max<int64_t>(0, absl::ToInt64Seconds(*total - paused));
  const int64_t seconds =
      std::llround(static_cast<double>(limit_seconds) * point.share);
  return calendar.AddWorkingTime(start, absl::Seconds(seconds) + paused);
}

namespace {

enum class Presence { kRequired, kOptional };

SourceLocation Where(const std::string& file, const YAML::Mark& mark) {
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

std::string LocationText(const SourceLocation& where) {
  return absl::StrCat(where.file, ":", where.line, ":", where.column);
}

// Parses YYYY-MM-DD, refusing days that do not exist (2025-02-30).
std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  // Digits only: SimpleAtoi alone would take "-001" as a year and "+1" as
  // a month.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  int year, month, day;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return std::nullopt;
  }
  return civil;
}

// Reads the keys of one YAML mapping, reporting unknown keys, missing
// required keys and values of the wrong shape, each at its line and column.
class MapReader {
 public:
  MapReader(const YAML::Node& node, const std::string& file, std::string what,
            std::vector<RuleError>* errors,
            std::initializer_list<absl::string_view> allowed)
      : node_(node), file_(file), what_(std::move(what)), errors_(errors) {
    if (!node.IsMap()) {
      Error(node, absl::StrCat(what_, " must be a mapping of keys"));
      valid_ = false;
      return;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(entry.first,
              absl::StrCat("unknown key \"", key, "\" in ", what_,
                           " (allowed: ", absl::StrJoin(allowed, ", "), ")"));
      }
    }
  }

  bool valid() const { return valid_; }
  const std::string& what() const { return what_; }
  SourceLocation where() const { return Where(file_, node_.Mark()); }

  bool Has(const char* key) const { return valid_ && node_[key].IsDefined(); }
  YAML::Node Get(const char* key) const {
    return valid_ ? node_[key] : YAML::Node();
  }

  // The location of a key's value, or of the mapping when the key is absent.
  SourceLocation LocationOf(const char* key) const {
    if (Has(key)) return Where(file_, node_[key].Mark());
    return where();
  }

  void Error(const YAML::Node& at, std::string message) {
    errors_->push_back(RuleError{Where(file_, at.Mark()), std::move(message)});
  }
  void ErrorAt(const char* key, std::string message) {
    errors_->push_back(RuleError{LocationOf(key), std::move(message)});
  }

  std::optional<std::string> String(const char* key, Presence presence) {
    if (!Has(key)) {
      if (presence == Presence::kRequired && valid_) {
        ErrorAt(key, absl::StrCat(what_, " is missing \"", key, "\""));
      }
      return std::nullopt;
    }
    const YAML::Node value = node_[key];
    if (!value.IsScalar()) {
      Error(value, absl::StrCat("\"", key, "\" must be a single value"));
      return std::nullopt;
    }
    std::string text = value.as<std::string>();
    if (absl::StripAsciiWhitespace(text).empty()) {
      Error(value, absl::StrCat("\"", key, "\" is empty"));
      return std::nullopt;
    }
    return text;
  }

  std::optional<absl::CivilDay> Day(const char* key, Presence presence) {
    std::optional<std::string> text = String(key, presence);
    if (!text.has_value()) return std::nullopt;
    std::optional<absl::CivilDay> day = ParseDay(*text);
    if (!day.has_value()) {
      ErrorAt(key, absl::StrCat("\"", key, "\": \"", *text,
                                "\" is not a date (expected an existing day "
                                "as YYYY-MM-DD)"));
    }
    return day;
  }

  std::optional<bool> Bool(const char* key) {
    std::optional<std::string> text = String(key, Presence::kOptional);
    if (!text.has_value()) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    ErrorAt(key, absl::StrCat("\"", key, "\" must be true or false, not \"",
                              *text, "\""));
    return std::nullopt;
  }

  std::optional<int64_t> Integer(const char* key, Presence presence) {
    std::optional<std::string> text = String(key, presence);
    if (!text.has_value()) return std::nullopt;
    int64_t value;
    if (!absl::SimpleAtoi(*text, &value)) {
      ErrorAt(key, absl::StrCat("\"", key, "\" must be an integer, not \"",
                                *text, "\""));
      return std::nullopt;
    }
    return value;
  }

  // A sequence value; an absent optional key is an empty sequence.
  std::optional<YAML::Node> Sequence(const char* key, Presence presence) {
    if (!Has(key)) {
      if (presence == Presence::kRequired && valid_) {
        ErrorAt(key, absl::StrCat(what_, " is missing \"", key, "\""));
      }
      return std::nullopt;
    }
    const YAML::Node value = node_[key];
    if (value.IsNull()) return value;
    if (!value.IsSequence()) {
      Error(value, absl::StrCat("\"", key, "\" must be a list"));
      return std::nullopt;
    }
    return value;
  }

 private:
  YAML::Node node_;
  const std::string& file_;
  std::string what_;
  std::vector<RuleError>* errors_;
  bool valid_ = true;
};

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
        Where(file, node.Mark()),
        absl::StrCat(what, " must be a list of periods like \"07:30-11:30\"")});
    return std::nullopt;
  }
  bool ok = true;
  for (const YAML::Node& item : node) {
    std::optional<WorkingPeriod> period;
    if (item.IsScalar()) period = ParsePeriod(item.as<std::string>());
    if (!period.has_value()) {
      errors->push_back(
          RuleError{Where(file, item.Mark()),
                    absl::StrCat(what, ": \"",
                                 item.IsScalar() ? item.as<std::string>() : "",
                                 "\" is not a period like \"07:30-11:30\"")});
      ok = false;
      continue;
    }
    if (period->start_second >= period->end_second) {
      errors->push_back(
          RuleError{Where(file, item.Mark()),
                    absl::StrCat(what, ": period ", item.as<std::string>(),
                                 " is empty or ends before it starts")});
      ok = false;
      continue;
    }
    if (!periods.empty() && period->start_second < periods.back().end_second) {
      errors->push_back(RuleError{
          Where(file, item.Mark()),
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

struct ParsedCalendar {
  CalendarSpec spec;
  std::optional<std::string> extends;
  bool has_offset = false;
  bool has_covers = false;
  std::array<bool, 7> has_weekday{};
  SourceLocation where;
  SourceLocation extends_where;
};

struct ParsedLadder {
  EscalationLadder ladder;
};

struct ParsedProcedure {
  ProcedureVersion version;
  SourceLocation calendar_where;
  SourceLocation ladder_where;
  SourceLocation steps_where;
  SourceLocation effective_where;
};

}  // namespace

// Parses documents, then resolves names and checks the whole set.
class RuleSetBuilder {
 public:
  explicit RuleSetBuilder(std::vector<RuleError>* errors) : errors_(errors) {}

  void ParseSource(const RuleSource& source) {
    if (absl::Status text = CheckText(source); !text.ok()) return;
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(source.content);
    } catch (const YAML::ParserException& error) {
      // yaml-cpp quotes single bytes of the input in some messages ("unknown
      // escape character: " and the byte after the backslash): never let
      // half a character reach a reply.
      errors_->push_back(
          RuleError{Where(source.path, error.mark),
                    absl::StrCat("not valid YAML: ", ToValidUtf8(error.msg))});
      return;
    }
    if (documents.empty()) {
      errors_->push_back(
          RuleError{SourceLocation{source.path, 1, 1}, "the file is empty"});
    }
    for (const YAML::Node& document : documents) {
      try {
        ParseDocument(source.path, document);
      } catch (const YAML::Exception& error) {
        errors_->push_back(
            RuleError{Where(source.path, error.mark), ToValidUtf8(error.msg)});
      }
    }
  }

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
  void Error(SourceLocation where, std::string message) {
    errors_->push_back(RuleError{std::move(where), std::move(message)});
  }

  // Rule files are UTF-8 text. yaml-cpp passes other bytes through into
  // names, where they would reach the log and every reply naming them
  // (protobuf refuses such strings: a hand-over into a unit named with bytes
  // ff fe failed INTERNAL), so the whole file is refused here, at the first
  // bad byte. Control characters other than tab and line breaks are refused
  // too: YAML does not allow them in a file.
  absl::Status CheckText(const RuleSource& source) {
    std::optional<TextProblem> problem = CheckUtf8Text(source.content);
    if (!problem.has_value()) return absl::OkStatus();
    Error(SourceLocation{source.path, problem->at.line, problem->at.column},
          problem->message);
    return absl::InvalidArgumentError(problem->message);
  }

  void ParseDocument(const std::string& file, const YAML::Node& document) {
    if (document.IsNull()) return;  // an empty document between "---"
    if (!document.IsMap() || !document["kind"].IsDefined() ||
        !document["kind"].IsScalar()) {
      Error(Where(file, document.Mark()),
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
      Error(Where(file, document["kind"].Mark()),
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
                         "\" (first defined at ",
                         LocationText(it->second.where), ")"));
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
                                       LocationText(it->second.where), ")"));
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
  // calendar's document.
  void BuildCalendars(RuleSet& rules) {
    std::map<std::string, std::optional<CalendarSpec>> resolved;
    for (const auto& [name, parsed] : calendars_) {
      std::set<std::string> visiting;
      ResolveCalendar(name, visiting, resolved);
    }
    for (auto& [name, spec] : resolved) {
      if (!spec.has_value()) continue;
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
                        ? LocationText(before.where)
                        : absl::StrCat(FormatDay(before.effective_from), " (",
                                       LocationText(before.where), ")")));
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
  RuleSetBuilder builder(&result.errors);
  for (const RuleSource& source : sources) builder.ParseSource(source);
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
    absl::StatusOr<absl::Time> due = DueFromStart(calendar, step.budget, start);
    if (!due.ok()) return due.status();
    planned.push_back(PlannedStep{&step, start, *due});
    // A step due at a period's end hands over at the next opening.
    absl::StatusOr<absl::Time> next = calendar.NextWorkingInstant(*due);
    if (!next.ok()) return next.status();
    start = *next;
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

RuleLoadResult LoadRulesFromDirectory(const std::string& directory) {
  namespace fs = std::filesystem;
  RuleLoadResult result;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    result.errors.push_back(
        RuleError{SourceLocation{directory, 0, 0}, "not a readable directory"});
    return result;
  }
  std::vector<RuleSource> sources;
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
      result.errors.push_back(
          RuleError{SourceLocation{relative, 0, 0}, "cannot be read"});
      continue;
    }
    sources.push_back(RuleSource{relative, content.str()});
  }
  if (error) {
    result.errors.push_back(
        RuleError{SourceLocation{directory, 0, 0},
                  absl::StrCat("cannot list: ", error.message())});
  }
  if (!result.errors.empty()) return result;
  if (sources.empty()) {
    result.errors.push_back(RuleError{SourceLocation{directory, 0, 0},
                                      "holds no .yaml rule files"});
    return result;
  }
  return LoadRules(sources);
}

}  // namespace motcua
