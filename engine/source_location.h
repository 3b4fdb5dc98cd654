#ifndef MOTCUA_ENGINE_SOURCE_LOCATION_H_
#define MOTCUA_ENGINE_SOURCE_LOCATION_H_

#include <string>

namespace motcua {

// Where something in a text file stands: the file (for rules, relative to
// the rules directory) and a 1-based line and column; line 0 for the file as
// a whole.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:column", or "file" for the file as a whole.
  std::string ToString() const;
};

// One problem found in a rule set (or another YAML file):
// "procedures/a.yaml:12:5: unknown key ...".
struct RuleError {
  SourceLocation where;
  std::string message;

  std::string ToString() const;
};

}  // namespace motcua

#endif  // MOTCUA_ENGINE_SOURCE_LOCATION_H_
