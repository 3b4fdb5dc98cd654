#include "services/access/access.h"

#include <openssl/crypto.h>
#include <sys/random.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/utf8.h"
#include "engine/yaml_reader.h"

namespace motcua::access {
namespace {

constexpr absl::string_view kRoleNames[] = {"intake", "officer", "supervisor",
                                            "auditor", "admin"};
static_assert(std::size(kRoleNames) == static_cast<size_t>(Role::kAdmin) + 1);

// The operations after the lifecycle actions (whose names are the engine's).
constexpr absl::string_view kOperationNames[] = {
    "read_dossier", "list_dossiers", "supervise",          "audit",
    "admin_read",   "admin_write",   "enter_late_receipt",
};
static_assert(std::size(kOperationNames) + std::variant_size_v<Action> ==
              kOperationCount);

// The lifecycle operations line up with the alternatives of engine Action, so
// a command's operation is its variant index. These fail to compile when the
// variant changes without this enum.
template <Operation operation, typename ActionType>
constexpr bool IsActionOf() {
  return std::is_same_v<
      std::variant_alternative_t<static_cast<size_t>(operation), Action>,
      ActionType>;
}
static_assert(std::variant_size_v<Action> ==
              static_cast<size_t>(Operation::kReadDossier));
static_assert(IsActionOf<Operation::kSubmit, SubmitAction>());
static_assert(IsActionOf<Operation::kHandOver, HandOverAction>());
static_assert(
    IsActionOf<Operation::kRequestSupplement, RequestSupplementAction>());
static_assert(
    IsActionOf<Operation::kReceiveSupplement, ReceiveSupplementAction>());
static_assert(IsActionOf<Operation::kRequestFinancialObligation,
                         RequestFinancialObligationAction>());
static_assert(IsActionOf<Operation::kConfirmFinancialObligation,
                         ConfirmFinancialObligationAction>());
static_assert(IsActionOf<Operation::kStop, StopAction>());
static_assert(IsActionOf<Operation::kResume, ResumeAction>());
static_assert(IsActionOf<Operation::kApologise, ApologiseAction>());
static_assert(IsActionOf<Operation::kResolve, ResolveAction>());
static_assert(IsActionOf<Operation::kReturnResult, ReturnResultAction>());
static_assert(IsActionOf<Operation::kReject, RejectAction>());
static_assert(IsActionOf<Operation::kWithdraw, WithdrawAction>());
static_assert(IsActionOf<Operation::kReachThresholds, ReachThresholdsAction>());
static_assert(IsActionOf<Operation::kRecomputeDue, RecomputeDueAction>());

constexpr uint32_t Bit(Operation operation) {
  return uint32_t{1} << static_cast<int>(operation);
}

constexpr uint32_t kReads =
    Bit(Operation::kReadDossier) | Bit(Operation::kListDossiers);

// Intake desks receive and hand back: they submit, pass the dossier on, take
// in supplements and payment receipts, return the result, and record a
// withdrawal the applicant makes at the desk.
constexpr uint32_t kIntakeActions =
    Bit(Operation::kSubmit) | Bit(Operation::kHandOver) |
    Bit(Operation::kReceiveSupplement) |
    Bit(Operation::kConfirmFinancialObligation) |
    Bit(Operation::kReturnResult) | Bit(Operation::kWithdraw);

constexpr uint32_t kLifecycleActions =
    Bit(Operation::kHandOver) | Bit(Operation::kRequestSupplement) |
    Bit(Operation::kReceiveSupplement) |
    Bit(Operation::kRequestFinancialObligation) |
    Bit(Operation::kConfirmFinancialObligation) | Bit(Operation::kStop) |
    Bit(Operation::kResume) | Bit(Operation::kApologise) |
    Bit(Operation::kResolve) | Bit(Operation::kReturnResult) |
    Bit(Operation::kReject) | Bit(Operation::kWithdraw);

// The engine's own commands: no caller may send them.
constexpr uint32_t kInternal =
    Bit(Operation::kReachThresholds) | Bit(Operation::kRecomputeDue);

constexpr uint32_t kEverything =
    ((uint32_t{1} << kOperationCount) - 1) & ~kInternal;

// Indexed by Role.
constexpr uint32_t kAllowed[] = {
    kIntakeActions | kReads,                                         // intake
    kLifecycleActions | kReads | Bit(Operation::kEnterLateReceipt),  // officer
    kReads | Bit(Operation::kSupervise),                           // supervisor
    kReads | Bit(Operation::kSupervise) | Bit(Operation::kAudit),  // auditor
    kEverything,                                                   // admin
};
static_assert(std::size(kAllowed) == std::size(kRoleNames));

constexpr absl::string_view kAllAgencies = "*";

// Longer credentials are refused before hashing; a generated token has 43
// characters.
constexpr size_t kMaxTokenLength = 1024;

// A name is recorded as the actor of events: printable, without spaces.
bool IsValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::optional<Sha256Digest> ParseDigest(absl::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Sha256Digest digest;
  for (size_t i = 0; i < digest.size(); ++i) {
    int value = 0;
    for (char c : hex.substr(2 * i, 2)) {
      int nibble;
      if (c >= '0' && c <= '9') {
        nibble = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        nibble = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        nibble = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      value = value * 16 + nibble;
    }
    digest[i] = static_cast<uint8_t>(value);
  }
  return digest;
}

// Where each part of one entry came from, as error messages name it:
// "file:line:column" for a tokens file, "token entry 2" for FromEntries.
struct EntrySource {
  std::string name;
  std::string sha256;
  std::string role;
  std::string agencies;
  std::vector<std::string> agency;  // one per agency
};

struct SourcedEntry {
  TokenEntry entry;
  // The role as a file spells it, checked beside the other values; entries
  // made in code carry entry.role only.
  std::optional<std::string> role_name;
  EntrySource where;
};

// Checks the values of each entry, and names and hashes across entries, as
// the entries come; keeps the principals of the entries without a problem.
class PrincipalBuilder {
 public:
  explicit PrincipalBuilder(std::vector<std::string>* errors)
      : errors_(errors) {}

  void Add(const SourcedEntry& sourced) {
    const TokenEntry& entry = sourced.entry;
    const EntrySource& where = sourced.where;
    bool ok = true;
    auto error = [&](const std::string& at, absl::string_view message) {
      errors_->push_back(absl::StrCat(at, ": ", message));
      ok = false;
    };

    if (!IsValidName(entry.name)) {
      error(where.name,
            entry.name.empty()
                ? "name is empty"
                : "name must be printable, without spaces: it is recorded as "
                  "the actor of events");
    } else if (auto [it, inserted] =
                   first_name_.try_emplace(entry.name, where.name);
               !inserted) {
      error(where.name, absl::StrCat("the name \"", entry.name,
                                     "\" is already used at ", it->second));
    }

    // The value is never repeated: a token pasted here by mistake must not
    // end up in a log.
    std::optional<Sha256Digest> digest = ParseDigest(entry.sha256_hex);
    if (!digest.has_value()) {
      error(where.sha256,
            absl::StrCat("sha256 must be the 64 hex digits of the SHA-256 of "
                         "the token (this one has ",
                         entry.sha256_hex.size(),
                         " characters); the token itself never goes in this "
                         "file"));
    } else if (auto [it, inserted] = first_digest_.try_emplace(
                   *digest,
                   absl::StrCat("\"", entry.name, "\" at ", where.sha256));
               !inserted) {
      error(where.sha256, absl::StrCat("the same sha256 as ", it->second,
                                       ": each token must be different"));
    }

    Principal principal;
    principal.name = entry.name;
    principal.role = entry.role;
    if (sourced.role_name.has_value()) {
      absl::StatusOr<Role> role = ParseRole(*sourced.role_name);
      if (role.ok()) {
        principal.role = *role;
      } else {
        error(where.role, role.status().message());
      }
    } else if (static_cast<size_t>(entry.role) >= std::size(kRoleNames)) {
      error(where.role, "the role is not a known role");
    }
    if (entry.agencies.empty()) {
      error(where.agencies,
            "agencies is empty: list the agencies this token acts for, or "
            "[\"*\"] for every agency");
    }
    absl::flat_hash_set<absl::string_view> seen;
    for (size_t i = 0; i < entry.agencies.size(); ++i) {
      const std::string& agency = entry.agencies[i];
      const std::string& at =
          i < where.agency.size() ? where.agency[i] : where.agencies;
      if (agency.empty()) {
        error(at, "an agency is empty");
      } else if (!seen.insert(agency).second) {
        error(at, absl::StrCat("the agency \"", agency, "\" is listed twice"));
      } else if (agency == kAllAgencies) {
        if (entry.agencies.size() > 1) {
          error(at,
                "\"*\" already means every agency: list it alone or not at "
                "all");
        }
        principal.all_agencies = true;
      } else {
        principal.agencies.push_back(agency);
      }
    }
    if (ok && digest.has_value()) {
      principals_.emplace(*digest, std::move(principal));
    }
  }

  absl::flat_hash_map<Sha256Digest, Principal> Take() {
    return std::move(principals_);
  }

 private:
  std::vector<std::string>* errors_;
  absl::flat_hash_map<Sha256Digest, Principal> principals_;
  // Where each name and hash was first given.
  absl::flat_hash_map<std::string, std::string> first_name_;
  absl::flat_hash_map<Sha256Digest, std::string> first_digest_;
};

// Reads a tokens file entry by entry into `builder`, adding one line per
// problem to `errors`, in the order of the file.
void ReadTokensFile(absl::string_view yaml, absl::string_view file,
                    PrincipalBuilder& builder,
                    std::vector<std::string>* errors) {
  auto where = [&](const YAML::Mark& mark) {
    return LocationOf(file, mark).ToString();
  };
  auto error = [&](const YAML::Mark& mark, absl::string_view message) {
    errors->push_back(absl::StrCat(where(mark), ": ", message));
  };

  // Token names become the actor of every event: the file must be UTF-8
  // text, as YAML requires (ReadYamlDocument).
  YamlDocument read = ReadYamlDocument(yaml);
  if (read.problem.has_value()) {
    error(read.problem->mark, read.problem->message);
    return;
  }
  const YAML::Node& root = read.root;
  const YAML::Mark file_start;  // line 1, column 1
  if (!root.IsDefined() || root.IsNull()) {
    error(file_start, "the file is empty; expected the key tokens");
    return;
  }
  if (!root.IsMap()) {
    error(root.Mark(), "expected a map with the key tokens");
    return;
  }

  // Held in an optional: assigning a YAML::Node would alias, not copy.
  std::optional<YAML::Node> tokens;
  for (const auto& pair : root) {
    const std::string key = pair.first.Scalar();
    if (key != "tokens") {
      error(pair.first.Mark(),
            absl::StrCat("unknown key \"", key, "\"; expected tokens"));
    } else if (tokens.has_value()) {
      error(pair.first.Mark(), "the key tokens appears twice");
    } else {
      tokens.emplace(pair.second);
      if (tokens->IsNull()) error(pair.first.Mark(), "tokens is empty");
    }
  }
  if (!tokens.has_value()) {
    error(root.Mark(), "missing key tokens");
    return;
  }
  if (tokens->IsNull()) return;
  if (!tokens->IsSequence()) {
    error(tokens->Mark(), "tokens must be a list of entries");
    return;
  }
  if (tokens->size() == 0) {
    error(tokens->Mark(), "tokens is empty: nobody could call the server");
  }

  for (const YAML::Node& item : *tokens) {
    if (!item.IsMap()) {
      error(item.Mark(),
            "each token must be a map with name, sha256, role and agencies");
      continue;
    }
    SourcedEntry sourced;
    bool has_name = false, has_sha256 = false, has_role = false,
         has_agencies = false, ok = true;
    auto scalar = [&](const YAML::Node& key, const YAML::Node& value,
                      bool* seen) -> std::optional<std::string> {
      if (*seen) {
        error(key.Mark(),
              absl::StrCat("the key ", key.Scalar(), " appears twice"));
        ok = false;
        return std::nullopt;
      }
      *seen = true;
      if (value.IsNull()) return std::string();
      if (!value.IsScalar()) {
        error(value.Mark(), absl::StrCat(key.Scalar(), " must be a string"));
        ok = false;
        return std::nullopt;
      }
      return value.Scalar();
    };
    for (const auto& pair : item) {
      const YAML::Node& key = pair.first;
      const YAML::Node& value = pair.second;
      // A null value has no mark of its own; point at its key.
      const std::string at = where(ValueMark(key, value));
      const std::string name = key.Scalar();
      if (name == "name") {
        if (auto text = scalar(key, value, &has_name)) {
          sourced.entry.name = *text;
          sourced.where.name = at;
        }
      } else if (name == "sha256") {
        if (auto text = scalar(key, value, &has_sha256)) {
          sourced.entry.sha256_hex = *text;
          sourced.where.sha256 = at;
        }
      } else if (name == "role") {
        if (auto text = scalar(key, value, &has_role)) {
          sourced.role_name = *text;
          sourced.where.role = at;
        }
      } else if (name == "agencies") {
        if (has_agencies) {
          error(key.Mark(), "the key agencies appears twice");
          ok = false;
          continue;
        }
        has_agencies = true;
        sourced.where.agencies = at;
        if (value.IsNull()) continue;  // reported as empty agencies
        if (!value.IsSequence()) {
          error(value.Mark(),
                "agencies must be a list, e.g. [ubnd-phuong-ben-nghe] or "
                "[\"*\"]");
          ok = false;
          continue;
        }
        for (const YAML::Node& agency : value) {
          if (!agency.IsScalar() && !agency.IsNull()) {
            error(agency.Mark(), "each agency must be a string");
            ok = false;
            continue;
          }
          sourced.entry.agencies.push_back(agency.IsNull() ? std::string()
                                                           : agency.Scalar());
          sourced.where.agency.push_back(
              where(agency.IsNull() ? value.Mark() : agency.Mark()));
        }
      } else {
        error(key.Mark(), absl::StrCat("unknown key \"", name,
                                       "\"; expected name, sha256, role, "
                                       "agencies"));
      }
    }
    for (auto [present, key] :
         {std::pair{has_name, "name"}, std::pair{has_sha256, "sha256"},
          std::pair{has_role, "role"}, std::pair{has_agencies, "agencies"}}) {
      if (!present) {
        error(item.Mark(), absl::StrCat("missing key ", key));
        ok = false;
      }
    }
    // An entry with a key missing, repeated or of the wrong type is not
    // checked further: its values would only repeat the same problem.
    if (ok) builder.Add(sourced);
  }
}

absl::Status ProblemsToStatus(const std::vector<std::string>& errors) {
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

}  // namespace

absl::string_view RoleName(Role role) {
  const size_t index = static_cast<size_t>(role);
  if (index >= std::size(kRoleNames)) return "unknown";
  return kRoleNames[index];
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (size_t i = 0; i < std::size(kRoleNames); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", name, "\"; expected one of ",
                   absl::StrJoin(kRoleNames, ", ")));
}

Operation OperationFor(const Action& action) {
  return static_cast<Operation>(action.index());
}

absl::string_view OperationName(Operation operation) {
  const size_t index = static_cast<size_t>(operation);
  constexpr size_t kActions = std::variant_size_v<Action>;
  if (index < kActions) return ActionNameAt(index);
  if (index - kActions >= std::size(kOperationNames)) return "unknown";
  return kOperationNames[index - kActions];
}

bool RoleMayPerform(Role role, Operation operation) {
  const size_t index = static_cast<size_t>(role);
  if (index >= std::size(kAllowed)) return false;
  const int bit = static_cast<int>(operation);
  if (bit < 0 || bit >= kOperationCount) return false;
  return (kAllowed[index] & Bit(operation)) != 0;
}

bool Principal::MayActFor(absl::string_view agency) const {
  if (all_agencies) return true;
  if (agency.empty()) return false;
  for (const std::string& own : agencies) {
    if (own == agency) return true;
  }
  return false;
}

absl::Status Authorize(const Principal& principal, Operation operation,
                       absl::string_view agency) {
  if (!RoleMayPerform(principal.role, operation)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "\"", principal.name, "\" has the role ", RoleName(principal.role),
        ", which may not perform ", OperationName(operation)));
  }
  if (principal.MayActFor(agency)) return absl::OkStatus();
  const std::string own = absl::StrJoin(principal.agencies, ", ");
  if (agency.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "\"", principal.name, "\" (role ", RoleName(principal.role),
        ") may not perform ", OperationName(operation),
        " across every agency; name one of its agencies: ", own));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("\"", principal.name, "\" (role ", RoleName(principal.role),
                   ") may not perform ", OperationName(operation),
                   " for agency \"", agency, "\"; its agencies: ", own));
}

absl::Status AuthorizeOnDossier(const Principal& principal, Operation operation,
                                absl::string_view dossier_code,
                                absl::string_view agency) {
  // The agency first: a role refusal would tell that the dossier exists.
  if (!principal.MayActFor(agency)) return DossierNotFoundError(dossier_code);
  return Authorize(principal, operation, agency);
}

size_t AccessTable::DigestHash::operator()(const Sha256Digest& digest) const {
  size_t hash;
  static_assert(sizeof(hash) <= sizeof(Sha256Digest));
  std::memcpy(&hash, digest.data(), sizeof(hash));
  return hash;
}

bool AccessTable::DigestEqual::operator()(const Sha256Digest& a,
                                          const Sha256Digest& b) const {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

AccessTable::AccessTable(
    absl::flat_hash_map<Sha256Digest, Principal> principals) {
  by_digest_.reserve(principals.size());
  for (auto& [digest, principal] : principals) {
    by_digest_.emplace(digest, std::move(principal));
  }
}

absl::StatusOr<AccessTable> AccessTable::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read the tokens file ",
                                            path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return Parse(content.str(), path);
}

absl::StatusOr<AccessTable> AccessTable::Parse(absl::string_view yaml,
                                               absl::string_view file) {
  std::vector<std::string> errors;
  PrincipalBuilder builder(&errors);
  ReadTokensFile(yaml, file, builder, &errors);
  if (!errors.empty()) return ProblemsToStatus(errors);
  return AccessTable(builder.Take());
}

absl::StatusOr<AccessTable> AccessTable::FromEntries(
    const std::vector<TokenEntry>& entries) {
  std::vector<std::string> errors;
  PrincipalBuilder builder(&errors);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string label = absl::StrCat("token entry ", i);
    SourcedEntry sourced;
    sourced.entry = entries[i];
    sourced.where.name = absl::StrCat(label, " name");
    sourced.where.sha256 = absl::StrCat(label, " sha256");
    sourced.where.role = absl::StrCat(label, " role");
    sourced.where.agencies = absl::StrCat(label, " agencies");
    builder.Add(sourced);
  }
  if (!errors.empty()) return ProblemsToStatus(errors);
  return AccessTable(builder.Take());
}

absl::StatusOr<Principal> AccessTable::Authenticate(
    absl::string_view authorization_header_value) const {
  // None of these messages repeats the header: it may hold a token.
  constexpr absl::string_view kHowTo =
      "send the metadata \"authorization: Bearer <token>\"";
  const absl::string_view value =
      absl::StripAsciiWhitespace(authorization_header_value);
  if (value.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("no credentials: ", kHowTo));
  }
  constexpr absl::string_view kScheme = "bearer";
  if (value.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme) ||
      (value.size() > kScheme.size() && value[kScheme.size()] != ' ' &&
       value[kScheme.size()] != '\t')) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the authorization metadata is not a bearer token: ", kHowTo));
  }
  const absl::string_view token =
      absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the bearer token is empty: ", kHowTo));
  }
  bool printable = token.size() <= kMaxTokenLength;
  for (unsigned char c : token) {
    if (c <= 0x20 || c >= 0x7f) printable = false;
  }
  if (!printable) {
    return absl::UnauthenticatedError(
        "the bearer token is malformed: expected one word of printable ASCII");
  }
  const auto found = by_digest_.find(Sha256Of(token));
  if (found == by_digest_.end()) {
    return absl::UnauthenticatedError(
        "the bearer token is not known to this server (revoked, mistyped, or "
        "meant for another server)");
  }
  return found->second;
}

absl::StatusOr<std::string> GenerateToken() {
  std::array<char, 32> bytes;
  size_t filled = 0;
  while (filled < bytes.size()) {
    // getrandom(2) reads the pool behind /dev/urandom without needing a
    // file descriptor, and blocks only until that pool is first seeded.
    const ssize_t got =
        getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat(
          "cannot read random bytes for a token: ", std::strerror(errno)));
    }
    filled += static_cast<size_t>(got);
  }
  std::string token =
      absl::WebSafeBase64Escape(absl::string_view(bytes.data(), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return token;
}

std::string HashToken(absl::string_view token) {
  return ToHex(Sha256Of(token));
}

}  // namespace motcua::access
