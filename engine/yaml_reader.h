#ifndef MOTCUA_ENGINE_YAML_READER_H_
#define MOTCUA_ENGINE_YAML_READER_H_

// The one reader of YAML text (on yaml-cpp) for every file motcua reads:
// rule files, the server's configuration and the tokens file. It refuses
// text that is not UTF-8 before yaml-cpp sees it, turns yaml-cpp's parse
// errors into located problems, and names every place as file:line:column.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/source_location.h"

namespace motcua {

// The location of `mark` in `file`, 1-based; the file as a whole (line 0)
// for a null mark.
SourceLocation LocationOf(absl::string_view file, const YAML::Mark& mark);

// Where a key's value stands: the value's mark, or the key's when the value
// is empty (yaml-cpp gives an empty value no mark of its own).
YAML::Mark ValueMark(const YAML::Node& key, const YAML::Node& value);

// A problem of a YAML text, at its mark.
struct YamlProblem {
  YAML::Mark mark;
  std::string message;
};

// The documents of a YAML text (a stream of "---"-separated documents), or
// the one problem that stops reading it: a byte that is not UTF-8 or a
// control character other than tab and line breaks (CheckUtf8Text), or
// text that is not valid YAML ("not valid YAML: ..."), including a stream
// that yaml-cpp's LoadAll would read for ever (a "," outside [ ] or { }).
// yaml-cpp passes other bytes through into names and values, where they
// would reach the log and every reply naming them.
struct YamlDocuments {
  std::vector<YAML::Node> documents;
  std::optional<YamlProblem> problem;
};
YamlDocuments ReadYamlDocuments(absl::string_view text);

// As ReadYamlDocuments for a file of one document: its root (undefined or
// null for an empty file).
struct YamlDocument {
  YAML::Node root;
  std::optional<YamlProblem> problem;
};
YamlDocument ReadYamlDocument(absl::string_view text);

// Whether MapReader refuses a missing key.
enum class Presence { kRequired, kOptional };

// Parses YYYY-MM-DD, refusing days that do not exist (2025-02-30).
std::optional<absl::CivilDay> ParseDay(absl::string_view text);

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
  SourceLocation where() const {
    return motcua::LocationOf(file_, node_.Mark());
  }

  bool Has(const char* key) const { return valid_ && node_[key].IsDefined(); }
  YAML::Node Get(const char* key) const {
    return valid_ ? node_[key] : YAML::Node();
  }

  // The location of a key's value, or of the mapping when the key is absent.
  SourceLocation LocationOf(const char* key) const {
    if (Has(key)) return motcua::LocationOf(file_, node_[key].Mark());
    return where();
  }

  void Error(const YAML::Node& at, std::string message) {
    errors_->push_back(
        RuleError{motcua::LocationOf(file_, at.Mark()), std::move(message)});
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

}  // namespace motcua

#endif  // MOTCUA_ENGINE_YAML_READER_H_
