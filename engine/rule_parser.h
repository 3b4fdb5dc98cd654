#ifndef MOTCUA_ENGINE_RULE_PARSER_H_
#define MOTCUA_ENGINE_RULE_PARSER_H_

// The rule parser: rule files (YAML) into calendars, ladders and procedure
// versions, each checked on its own, with its location. Names are resolved
// and the set checked as a whole by the rule set (rule_set.cc). Not for use
// outside engine/.

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/rules.h"

namespace motcua::rules_internal {

struct ParsedCalendar {
  CalendarSpec spec;
  std::optional<std::string> extends;
  bool has_offset = false;
  bool has_covers = false;
  // `covers` was refused: the calendar is not built (nor those extending
  // it), so that one error is said once.
  bool covers_refused = false;
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

// What the rule files hold, each part parsed and checked on its own.
struct ParsedRules {
  std::map<std::string, ParsedCalendar> calendars;
  std::map<std::string, EscalationLadder> ladders;
  std::vector<ParsedProcedure> procedures;
};

// Parses every source into `parsed`, appending to `errors` every problem
// found, at its file, line and column.
void ParseRuleSources(const std::vector<RuleSource>& sources,
                      ParsedRules& parsed, std::vector<RuleError>& errors);

}  // namespace motcua::rules_internal

#endif  // MOTCUA_ENGINE_RULE_PARSER_H_
