#include "engine/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <sstream>

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

// Where each document of a stream starts, and whether it was only an empty
// value: all a DocumentThatDoesNotAdvance needs, so its memory stays the
// same whatever the text.
class DocumentStarts final : public YAML::EventHandler {
 public:
  const YAML::Mark& start() const { return start_; }
  bool empty() const { return events_ == 1 && only_null_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    events_ = 0;
    only_null_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { ++events_; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Other(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Other();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Other();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Other();
  }
  void OnMapEnd() override {}

 private:
  void Other() {
    ++events_;
    only_null_ = false;
  }

  YAML::Mark start_;
  int events_ = 0;
  bool only_null_ = true;
};

// yaml-cpp 0.7 (the version Debian ships; fixed upstream in 2024) loops for
// ever in LoadAll on a stream where a document stops at a token that starts
// no value, such as a "," outside [ ] or { } ("[a]\n,"): the parser never
// takes the token, so each turn hands back one more empty document at the
// same place, and memory grows by about 100 MiB a second until the process
// is killed. Such a document is found here by walking the stream's events
// once and keeping only where each document starts: the second document to
// start at the same place, empty, is the first of the endless ones. A
// stream that yaml-cpp refuses is refused here, at its mark.
std::optional<YamlProblem> DocumentThatDoesNotAdvance(absl::string_view text) {
  std::istringstream input{std::string(text)};
  DocumentStarts document;
  std::optional<int> previous_start;
  try {
    YAML::Parser parser(input);
    while (parser.HandleNextDocument(document)) {
      const YAML::Mark& start = document.start();
      if (document.empty() && previous_start == start.pos) {
        const bool comma = start.pos >= 0 &&
                           static_cast<size_t>(start.pos) < text.size() &&
                           text[start.pos] == ',';
        return YamlProblem{start,
                           comma ? "not valid YAML: a \",\" outside [ ] or { }"
                                 : "not valid YAML: no value can start here"};
      }
      previous_start = start.pos;
    }
  } catch (const YAML::ParserException& exception) {
    return ParseProblem(exception);
  }
  return std::nullopt;
}

}  // namespace

YamlDocuments ReadYamlDocuments(absl::string_view text) {
  YamlDocuments read;
  if ((read.problem = TextProblemOf(text))) return read;
  if ((read.problem = DocumentThatDoesNotAdvance(text))) return read;
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
