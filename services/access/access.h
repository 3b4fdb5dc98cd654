#ifndef MOTCUA_SERVICES_ACCESS_ACCESS_H_
#define MOTCUA_SERVICES_ACCESS_ACCESS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/lifecycle.h"
#include "engine/sha256.h"

namespace motcua::access {

// Bearer-token access control for the daemon. Pure: no gRPC. The server
// passes the value of the `authorization` metadata to
// AccessTable::Authenticate, then asks Authorize before it hands a request
// over.
//
// The tokens file (YAML) names who may call and what for. Only the SHA-256 of
// each token is stored, never the token. Each entry has a name (the actor
// of every event the token causes), the token's SHA-256 in 64 hex digits
// (`motcuad` can mint a token and its hash), a role (intake, officer,
// supervisor, auditor or admin) and the agencies it acts for (["*"], quoted,
// for every agency). For example (access_test parses it):
//
// tokens:
// - name: intake.ben-nghe
//   sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
//   role: intake
//   agencies: [ubnd-phuong-ben-nghe]
//
// Policy: what each role may do, always within its agencies.
//
//   operation                     intake officer supervisor auditor admin
//   ----------------------------- ------ ------- ---------- ------- -----
//   submit                          x                               x
//   hand_over                       x      x                        x
//   request_supplement                     x                        x
//   receive_supplement              x      x                        x
//   request_financial_obligation           x                        x
//   confirm_financial_obligation    x      x                        x
//   stop                                   x                        x
//   resume                                 x                        x
//   apologise                              x                        x
//   resolve                                x                        x
//   return_result                   x      x                        x
//   reject                                 x                        x
//   withdraw                        x      x                        x
//   read_dossier                    x      x        x         x     x
//   list_dossiers                   x      x        x         x     x
//   supervise                                       x         x     x
//   audit                                                     x     x
//   admin_read                                                      x
//   admin_write                                                     x
//   enter_late_receipt                     x                        x
//
// enter_late_receipt is a submit whose receipt time is older than the
// server's backdating bound (max_receipt_backdate): it changes the figures of
// days that may already have been reported, so it needs an officer (or an
// admin) and a reason. An officer submits only such receipts; a desk's
// receipt within the bound stays the intake role's.
//
// The agency of a request is the dossier's agency (for submit: the receiving
// agency of the submission; for a list, report or watch: the agency filter).
// An empty agency means "every agency": only a principal with "*" may make
// such a request. Rules are shared by every agency, so admin_read and
// admin_write are asked with an empty agency and need "*" too.

enum class Role {
  kIntake,      // one-stop-shop desks and portals: submit, hand over, return
  kOfficer,     // the units that handle dossiers: every lifecycle action
  kSupervisor,  // leaders, Văn phòng UBND: read, overdue lists, reports
  kAuditor,     // inspectors: read, reports and the event log; no command
  kAdmin,       // everything, rules included
};

// "intake", "officer", "supervisor", "auditor", "admin".
absl::string_view RoleName(Role role);
// INVALID_ARGUMENT naming the accepted roles when `name` is none of them.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// What a request does. The lifecycle actions come first, one per alternative
// of engine `Action`, in the variant's order, so OperationFor maps a command
// to its operation and OperationName agrees with engine ActionName.
enum class Operation {
  kSubmit,
  kHandOver,
  kRequestSupplement,
  kReceiveSupplement,
  kRequestFinancialObligation,
  kConfirmFinancialObligation,
  kStop,
  kResume,
  kApologise,
  kResolve,
  kReturnResult,
  kReject,
  kWithdraw,
  kReachThresholds,   // internal: the deadline scheduler only, no role
  kRecomputeDue,      // internal: after a rules reload, no role
  kReadDossier,       // Get
  kListDossiers,      // List, WatchEvents
  kSupervise,         // ListOverdue, ListDueSoon, Report
  kAudit,             // ReadEvents, GetDossierAsOf, VerifyLog
  kAdminRead,         // GetRules, ValidateRules
  kAdminWrite,        // ReloadRules
  kEnterLateReceipt,  // Submit beyond the backdating bound
};
inline constexpr int kOperationCount =
    static_cast<int>(Operation::kEnterLateReceipt) + 1;

// The operation of a lifecycle command.
Operation OperationFor(const Action& action);

// "submit", "hand_over", ... (as engine ActionName), then "read_dossier",
// "list_dossiers", "supervise", "audit", "admin_read", "admin_write",
// "enter_late_receipt".
absl::string_view OperationName(Operation operation);

// The policy table above, without agencies.
bool RoleMayPerform(Role role, Operation operation);

// An authenticated caller.
struct Principal {
  std::string name;  // recorded as the actor of the events it causes
  Role role = Role::kIntake;
  bool all_agencies = false;          // the tokens file said ["*"]
  std::vector<std::string> agencies;  // when not all_agencies; never empty

  // True when the principal may act for `agency`. An empty agency (a request
  // over every agency) needs all_agencies.
  bool MayActFor(absl::string_view agency) const;
};

// OK when the policy lets `principal` perform `operation` for `agency`.
// PERMISSION_DENIED naming the principal, its role and the operation when the
// role may not perform it, or naming the agency when it is outside the
// principal's agencies.
absl::Status Authorize(const Principal& principal, Operation operation,
                       absl::string_view agency);

// As Authorize, for `operation` on the existing dossier `dossier_code` of
// `agency`. When the agency is outside the principal's agencies the answer
// is engine DossierNotFoundError (NOT_FOUND, "dossier <code> not found"),
// byte for byte what a code that names no dossier gets, whatever the
// operation: a caller learns nothing of another agency's dossiers, not even
// that a code is taken. Otherwise PERMISSION_DENIED as Authorize when the
// role may not perform the operation.
absl::Status AuthorizeOnDossier(const Principal& principal, Operation operation,
                                absl::string_view dossier_code,
                                absl::string_view agency);

// One token as the tokens file describes it.
struct TokenEntry {
  std::string name;
  std::string sha256_hex;  // 64 hex digits, either case
  Role role = Role::kIntake;
  std::vector<std::string> agencies;  // {"*"} for every agency
};

// The tokens that may call the server, keyed by the SHA-256 of the token.
// Immutable once built; safe to share between threads.
class AccessTable {
 public:
  // Reads and validates a tokens file. NOT_FOUND when it cannot be read;
  // INVALID_ARGUMENT listing every problem, one per line, each as
  // "file:line:column: what is wrong" (invalid YAML, unknown or missing key,
  // unknown role, a hash that is not 64 hex digits, a name or hash used twice,
  // empty agencies, "*" beside other agencies).
  static absl::StatusOr<AccessTable> LoadFile(const std::string& path);
  // As LoadFile, for text already read; `file` names it in errors.
  static absl::StatusOr<AccessTable> Parse(absl::string_view yaml,
                                           absl::string_view file);
  // Builds a table from entries made in code (the development token).
  // INVALID_ARGUMENT as Parse, naming the entry instead of a line.
  static absl::StatusOr<AccessTable> FromEntries(
      const std::vector<TokenEntry>& entries);

  // Authenticates the value of the `authorization` metadata,
  // "Bearer <token>" (the scheme in any case). UNAUTHENTICATED when it is
  // empty, not a bearer credential, or no token of the table; the message
  // never repeats what the caller sent.
  absl::StatusOr<Principal> Authenticate(
      absl::string_view authorization_header_value) const;

  size_t size() const { return by_digest_.size(); }

 private:
  // Digests are uniformly distributed: their first bytes are a good hash.
  struct DigestHash {
    size_t operator()(const Sha256Digest& digest) const;
  };
  // Compares in constant time, so the time a lookup takes does not tell how
  // much of a stored digest a guess matched.
  struct DigestEqual {
    bool operator()(const Sha256Digest& a, const Sha256Digest& b) const;
  };

  explicit AccessTable(absl::flat_hash_map<Sha256Digest, Principal> principals);

  absl::flat_hash_map<Sha256Digest, Principal, DigestHash, DigestEqual>
      by_digest_;
};

// A new random token: 32 bytes from the kernel's random source, base64url
// without padding (43 characters). INTERNAL when the random source fails.
absl::StatusOr<std::string> GenerateToken();

// The SHA-256 of a token as 64 lowercase hex digits, as the tokens file
// stores it.
std::string HashToken(absl::string_view token);

}  // namespace motcua::access

#endif  // MOTCUA_SERVICES_ACCESS_ACCESS_H_
