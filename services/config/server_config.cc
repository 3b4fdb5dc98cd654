#include "services/config/server_config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/config/check.h"

// The configuration's names, Validate, and reading it from a file. The YAML
// is read in config_reader.cc, the checks are in check.cc, webhook URLs are
// taken apart in http_url.cc.

namespace motcua::config {

absl::string_view DurabilityName(Durability durability) {
  switch (durability) {
    case Durability::kFull:
      return "full";
    case Durability::kNormal:
      return "normal";
  }
  return "unknown";
}

absl::StatusOr<Durability> ParseDurability(absl::string_view name) {
  if (name == "full") return Durability::kFull;
  if (name == "normal") return Durability::kNormal;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown durability \"", name, "\"; expected full or normal"));
}

absl::string_view StoreKindName(StoreKind kind) {
  return kind == StoreKind::kPostgres ? "postgres" : "sqlite";
}

absl::StatusOr<StoreKind> ParseStoreKind(absl::string_view name) {
  if (name == "sqlite") return StoreKind::kSqlite;
  if (name == "postgres") return StoreKind::kPostgres;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown store \"", name, "\"; expected sqlite or postgres"));
}

absl::Status ServerConfig::Validate() const {
  std::vector<Problem> problems = Check(*this);
  if (problems.empty()) return absl::OkStatus();
  std::vector<std::string> lines;
  lines.reserve(problems.size());
  for (Problem& problem : problems) lines.push_back(std::move(problem.message));
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the configuration file ", path, ": ",
                     std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  return ParseServerConfig(content.str(), path,
                           absolute.parent_path().string());
}

}  // namespace motcua::config
