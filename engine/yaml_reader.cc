#include "engine/yaml_reader.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/utf8.h"

namespace motcua {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

std::string RuleError::ToString() const {
  return absl::StrCat(where.ToString(), ": ", message);
}

SourceLocation LocationOf(absl::string_view file, const YAML::Mark& mark) {
  if (mark.is_null()) return SourceLocation{std::string(file), 0, 0};
  return SourceLocation{std::string(file), mark.line + 1, mark.column + 1};
}

YAML::Mark ValueMark(const YAML::Node& key, const YAML::Node& value) {
  if (value.IsNull() || value.Mark().is_null()) return key.Mark();
  return value.Mark();
}

namespace {

// The problem of a text that is not UTF-8 text, if any.
std::optional<YamlProblem> TextProblemOf(absl::string_view text) {
  std::optional<TextProblem> problem = CheckUtf8Text(text);
  if (!problem.has_value()) return std::nullopt;
  YAML::Mark mark;
  mark.line = problem->at.line - 1;
  mark.column = problem->at.column - 1;
  return YamlProblem{mark, problem->message};
}

// yaml-cpp quotes single bytes of the input in some messages ("unknown
// escape character: " and the byte after the backslash): never let half a
// character reach a reply.
YamlProblem ParseProblem(const YAML::ParserException& exception) {
  return YamlProblem{exception.mark, absl::StrCat("not valid YAML: ",
                                                  ToValidUtf8(exception.msg))};
}

}  // namespace

YamlDocuments ReadYamlDocuments(absl::string_view text) {
  YamlDocuments read;
  if ((read.problem = TextProblemOf(text))) return read;
  try {
    read.documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& exception) {
    read.problem = ParseProblem(exception);
  }
  return read;
}

YamlDocument ReadYamlDocument(absl::string_view text) {
  YamlDocument read;
  if ((read.problem = TextProblemOf(text))) return read;
  try {
    read.root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& exception) {
    read.problem = ParseProblem(exception);
  }
  return read;
}

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

}  // namespace motcua
