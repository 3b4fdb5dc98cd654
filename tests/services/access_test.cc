#include "services/access/access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/testing/temp_dir.h"

namespace motcua::access {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIntakeToken[] = "intake-secret-0001";
constexpr char kAuditorToken[] = "auditor-secret-0002";

// A file in a temporary directory of its own, removed afterwards.
class TempFile {
 public:
  explicit TempFile(const std::string& content)
      : path_(directory_.Write("tokens.yaml", content)) {}

  const std::string& path() const { return path_; }

 private:
  test_support::TempDir directory_;
  std::string path_;
};

std::string GoodFile() {
  return absl::StrReplaceAll(R"(# who may call motcuad
tokens:
  - name: intake.ben-nghe
    sha256: INTAKE_HASH
    role: intake
    agencies: [ubnd-phuong-ben-nghe, ubnd-phuong-da-kao]
  - name: auditor.thanh-tra
    sha256: AUDITOR_HASH
    role: auditor
    agencies: ["*"]
)",
                             {{"INTAKE_HASH", HashToken(kIntakeToken)},
                              {"AUDITOR_HASH", HashToken(kAuditorToken)}});
}

// The error message of parsing `yaml` as "tokens.yaml"; fails the test when
// the text is accepted.
std::string ParseError(const std::string& yaml) {
  absl::StatusOr<AccessTable> table = AccessTable::Parse(yaml, "tokens.yaml");
  EXPECT_FALSE(table.ok()) << yaml;
  if (table.ok()) return "";
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(table.status().message());
}

// One entry whose lines are, in order: 2 name, 3 sha256, 4 role,
// 5 agencies, then `extra` from line 6.
std::string OneEntry(absl::string_view name, absl::string_view hash,
                     absl::string_view role, absl::string_view agencies,
                     absl::string_view extra = "") {
  return absl::StrCat("tokens:\n  - name: ", name, "\n    sha256: ", hash,
                      "\n    role: ", role, "\n    agencies: ", agencies, "\n",
                      extra);
}

// --- Loading ---------------------------------------------------------------

TEST(AccessTableLoadTest, LoadsAGoodFile) {
  TempFile file(GoodFile());
  absl::StatusOr<AccessTable> table = AccessTable::LoadFile(file.path());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);

  absl::StatusOr<Principal> intake =
      table->Authenticate(absl::StrCat("Bearer ", kIntakeToken));
  ASSERT_TRUE(intake.ok()) << intake.status();
  EXPECT_EQ(intake->name, "intake.ben-nghe");
  EXPECT_EQ(intake->role, Role::kIntake);
  EXPECT_FALSE(intake->all_agencies);
  EXPECT_THAT(intake->agencies, ::testing::ElementsAre("ubnd-phuong-ben-nghe",
                                                       "ubnd-phuong-da-kao"));

  absl::StatusOr<Principal> auditor =
      table->Authenticate(absl::StrCat("Bearer ", kAuditorToken));
  ASSERT_TRUE(auditor.ok()) << auditor.status();
  EXPECT_EQ(auditor->name, "auditor.thanh-tra");
  EXPECT_EQ(auditor->role, Role::kAuditor);
  EXPECT_TRUE(auditor->all_agencies);
}

// The example in services/access/access.h is a tokens file that loads: its
// hash is that of the token "foo".
TEST(AccessTableLoadTest, TheHeadersExampleLoads) {
  const char* source_dir = std::getenv("MOTCUA_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr);
  std::ifstream header(std::filesystem::path(source_dir) /
                       "services/access/access.h");
  ASSERT_TRUE(header) << "cannot read services/access/access.h";
  std::string example;
  bool inside = false;
  for (std::string line; std::getline(header, line);) {
    if (line == "// tokens:") inside = true;
    if (!inside) continue;
    if (line == "//") break;
    example += line.substr(std::min<size_t>(3, line.size())) + "\n";
  }
  ASSERT_FALSE(example.empty()) << "no example in services/access/access.h";
  absl::StatusOr<AccessTable> table =
      AccessTable::Parse(example, "access.h example");
  ASSERT_TRUE(table.ok()) << table.status() << "\n" << example;
  absl::StatusOr<Principal> intake = table->Authenticate("Bearer foo");
  ASSERT_TRUE(intake.ok()) << intake.status();
  EXPECT_EQ(intake->name, "intake.ben-nghe");
  EXPECT_THAT(intake->agencies, ::testing::ElementsAre("ubnd-phuong-ben-nghe"));
}

TEST(AccessTableLoadTest, AcceptsUppercaseHex) {
  std::string hash = HashToken(kIntakeToken);
  for (char& c : hash) c = static_cast<char>(std::toupper(c));
  absl::StatusOr<AccessTable> table =
      AccessTable::Parse(OneEntry("a", hash, "officer", "[x]"), "tokens.yaml");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_TRUE(table->Authenticate(absl::StrCat("Bearer ", kIntakeToken)).ok());
}

TEST(AccessTableLoadTest, MissingFileIsNotFound) {
  absl::StatusOr<AccessTable> table =
      AccessTable::LoadFile("/nonexistent/motcua/tokens.yaml");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(table.status().message(),
              HasSubstr("/nonexistent/motcua/tokens.yaml"));
}

TEST(AccessTableLoadTest, ErrorsFromAFileNameThePath) {
  TempFile file(OneEntry("a", HashToken("t"), "clerk", "[x]"));
  absl::StatusOr<AccessTable> table = AccessTable::LoadFile(file.path());
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(),
              HasSubstr(absl::StrCat(file.path(), ":4:11: unknown role")));
}

TEST(AccessTableLoadTest, UnknownKeyInAnEntry) {
  EXPECT_THAT(ParseError(OneEntry("a", HashToken("t"), "intake", "[x]",
                                  "    colour: red\n")),
              HasSubstr("tokens.yaml:6:5: unknown key \"colour\""));
}

TEST(AccessTableLoadTest, UnknownTopLevelKey) {
  EXPECT_THAT(
      ParseError(absl::StrCat(OneEntry("a", HashToken("t"), "intake", "[x]"),
                              "users: []\n")),
      HasSubstr("tokens.yaml:6:1: unknown key \"users\""));
}

TEST(AccessTableLoadTest, UnknownRole) {
  const std::string message =
      ParseError(OneEntry("a", HashToken("t"), "clerk", "[x]"));
  EXPECT_THAT(message, HasSubstr("tokens.yaml:4:11: unknown role \"clerk\""));
  EXPECT_THAT(message,
              HasSubstr("intake, officer, supervisor, auditor, admin"));
}

TEST(AccessTableLoadTest, BadHashIsNamedButNotRepeated) {
  // Someone pasted the token instead of its hash.
  const std::string message =
      ParseError(OneEntry("a", "my-secret-token", "intake", "[x]"));
  EXPECT_THAT(message, HasSubstr("tokens.yaml:3:13: sha256 must be"));
  EXPECT_THAT(message, Not(HasSubstr("my-secret-token")));

  std::string not_hex(64, 'g');
  EXPECT_THAT(ParseError(OneEntry("a", not_hex, "intake", "[x]")),
              HasSubstr("tokens.yaml:3:13: sha256 must be"));
  EXPECT_THAT(
      ParseError(OneEntry("a", HashToken("t").substr(1), "intake", "[x]")),
      HasSubstr("tokens.yaml:3:13: sha256 must be"));
}

TEST(AccessTableLoadTest, DuplicateName) {
  const std::string yaml =
      absl::StrCat(OneEntry("same", HashToken("t1"), "intake", "[x]"),
                   "  - name: same\n    sha256: ", HashToken("t2"),
                   "\n    role: officer\n    agencies: [x]\n");
  EXPECT_THAT(ParseError(yaml),
              HasSubstr("tokens.yaml:6:11: the name \"same\" is already used "
                        "at tokens.yaml:2:11"));
}

TEST(AccessTableLoadTest, DuplicateHash) {
  const std::string yaml =
      absl::StrCat(OneEntry("first", HashToken("t"), "intake", "[x]"),
                   "  - name: second\n    sha256: ", HashToken("t"),
                   "\n    role: officer\n    agencies: [x]\n");
  EXPECT_THAT(ParseError(yaml),
              HasSubstr("tokens.yaml:7:13: the same sha256 as \"first\" at "
                        "tokens.yaml:3:13"));
}

TEST(AccessTableLoadTest, EmptyAgencies) {
  EXPECT_THAT(ParseError(OneEntry("a", HashToken("t"), "intake", "[]")),
              HasSubstr("tokens.yaml:5:15: agencies is empty"));
  EXPECT_THAT(ParseError(OneEntry("a", HashToken("t"), "intake", "")),
              HasSubstr("tokens.yaml:5:5: agencies is empty"));
}

TEST(AccessTableLoadTest, StarMustStandAlone) {
  EXPECT_THAT(ParseError(OneEntry("a", HashToken("t"), "admin", "[x, \"*\"]")),
              HasSubstr("tokens.yaml:5:19: \"*\" already means every agency"));
}

TEST(AccessTableLoadTest, MissingKey) {
  const std::string yaml =
      absl::StrCat("tokens:\n  - name: a\n    sha256: ", HashToken("t"),
                   "\n    agencies: [x]\n");
  EXPECT_THAT(ParseError(yaml), HasSubstr("tokens.yaml:2:5: missing key role"));
}

TEST(AccessTableLoadTest, NameWithSpaces) {
  EXPECT_THAT(
      ParseError(OneEntry("\"two words\"", HashToken("t"), "intake", "[x]")),
      HasSubstr("tokens.yaml:2:11: name must be printable"));
}

TEST(AccessTableLoadTest, ShapeErrors) {
  EXPECT_THAT(ParseError(""), HasSubstr("tokens.yaml:1:1: the file is empty"));
  EXPECT_THAT(ParseError("tokens: []\n"),
              HasSubstr("tokens.yaml:1:9: tokens is empty"));
  EXPECT_THAT(ParseError("tokens: nobody\n"),
              HasSubstr("tokens.yaml:1:9: tokens must be a list"));
  EXPECT_THAT(ParseError("- a\n- b\n"),
              HasSubstr("tokens.yaml:1:1: expected a map with the key tokens"));
  EXPECT_THAT(ParseError("tokens:\n  - just a string\n"),
              HasSubstr("tokens.yaml:2:5: each token must be a map"));
  EXPECT_THAT(ParseError("tokens: [\n"), HasSubstr("not valid YAML"));
}

TEST(AccessTableLoadTest, ReportsEveryProblemAtOnce) {
  const std::string yaml =
      absl::StrCat(OneEntry("a", "short", "clerk", "[]"),
                   "  - name: b\n    sha256: ", HashToken("t"),
                   "\n    role: admin\n    agencies: [y]\n    extra: 1\n");
  const std::string message = ParseError(yaml);
  EXPECT_THAT(message, HasSubstr("tokens.yaml:4:11: unknown role"));
  EXPECT_THAT(message, HasSubstr("tokens.yaml:10:5: unknown key \"extra\""));
}

TEST(AccessTableLoadTest, FromEntriesValidatesToo) {
  TokenEntry entry{"dev", HashToken("t"), Role::kAdmin, {"*"}};
  absl::StatusOr<AccessTable> table = AccessTable::FromEntries({entry, entry});
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(),
              AllOf(HasSubstr("token entry 1 name: the name \"dev\" is "
                              "already used at token entry 0"),
                    HasSubstr("token entry 1 sha256: the same sha256")));

  entry.agencies.clear();
  table = AccessTable::FromEntries({entry});
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(),
              HasSubstr("token entry 0 agencies: agencies is empty"));
}

// --- Authentication ----------------------------------------------------------

class AuthenticateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<AccessTable> table =
        AccessTable::Parse(GoodFile(), "tokens.yaml");
    ASSERT_TRUE(table.ok()) << table.status();
    table_.emplace(*std::move(table));
  }

  absl::Status Refusal(absl::string_view header) {
    absl::StatusOr<Principal> principal = table_->Authenticate(header);
    EXPECT_FALSE(principal.ok()) << header;
    if (principal.ok()) return absl::OkStatus();
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
    return principal.status();
  }

  std::optional<AccessTable> table_;
};

TEST_F(AuthenticateTest, GoodToken) {
  absl::StatusOr<Principal> principal =
      table_->Authenticate(absl::StrCat("Bearer ", kIntakeToken));
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->name, "intake.ben-nghe");
}

TEST_F(AuthenticateTest, SchemeIsCaseInsensitiveAndSpacesAreTolerated) {
  EXPECT_TRUE(table_->Authenticate(absl::StrCat("bearer ", kIntakeToken)).ok());
  EXPECT_TRUE(table_->Authenticate(absl::StrCat("BEARER ", kIntakeToken)).ok());
  EXPECT_TRUE(
      table_->Authenticate(absl::StrCat("  Bearer   ", kIntakeToken, " "))
          .ok());
}

TEST_F(AuthenticateTest, MissingHeader) {
  EXPECT_THAT(Refusal("").message(), HasSubstr("no credentials"));
  EXPECT_THAT(Refusal("   ").message(), HasSubstr("no credentials"));
}

TEST_F(AuthenticateTest, NotBearer) {
  const absl::Status basic = Refusal(absl::StrCat("Basic ", kIntakeToken));
  EXPECT_THAT(basic.message(), HasSubstr("not a bearer token"));
  EXPECT_THAT(basic.message(), Not(HasSubstr(kIntakeToken)));

  // The token alone, without the scheme: it must not be echoed either.
  const absl::Status bare = Refusal(kIntakeToken);
  EXPECT_THAT(bare.message(), HasSubstr("not a bearer token"));
  EXPECT_THAT(bare.message(), Not(HasSubstr(kIntakeToken)));

  EXPECT_THAT(Refusal(absl::StrCat("Bearer", kIntakeToken)).message(),
              HasSubstr("not a bearer token"));
}

TEST_F(AuthenticateTest, EmptyOrMalformedToken) {
  EXPECT_THAT(Refusal("Bearer").message(), HasSubstr("empty"));
  EXPECT_THAT(Refusal("Bearer    ").message(), HasSubstr("empty"));
  const absl::Status spaced = Refusal("Bearer two words");
  EXPECT_THAT(spaced.message(), HasSubstr("malformed"));
  EXPECT_THAT(spaced.message(), Not(HasSubstr("words")));
  EXPECT_THAT(
      Refusal(absl::StrCat("Bearer ", std::string(5000, 'a'))).message(),
      HasSubstr("malformed"));
}

TEST_F(AuthenticateTest, UnknownToken) {
  const absl::Status status = Refusal("Bearer not-a-known-token");
  EXPECT_THAT(status.message(), HasSubstr("not known"));
  EXPECT_THAT(status.message(), Not(HasSubstr("not-a-known-token")));
  // The hash of a token is not a token.
  EXPECT_THAT(
      Refusal(absl::StrCat("Bearer ", HashToken(kIntakeToken))).message(),
      HasSubstr("not known"));
}

// --- Authorization -----------------------------------------------------------

constexpr Role kRoles[] = {Role::kIntake, Role::kOfficer, Role::kSupervisor,
                           Role::kAuditor, Role::kAdmin};

// The policy table of access.h, one column per role in the order of kRoles:
// intake, officer, supervisor, auditor, admin.
struct PolicyRow {
  Operation operation;
  const char* roles;
};
constexpr PolicyRow kPolicy[] = {
    {Operation::kSubmit, "x...x"},
    {Operation::kHandOver, "xx..x"},
    {Operation::kRequestSupplement, ".x..x"},
    {Operation::kReceiveSupplement, "xx..x"},
    {Operation::kRequestFinancialObligation, ".x..x"},
    {Operation::kConfirmFinancialObligation, "xx..x"},
    {Operation::kStop, ".x..x"},
    {Operation::kResume, ".x..x"},
    {Operation::kApologise, ".x..x"},
    {Operation::kResolve, ".x..x"},
    {Operation::kReturnResult, "xx..x"},
    {Operation::kReject, ".x..x"},
    {Operation::kWithdraw, "xx..x"},
    {Operation::kReachThresholds, "....."},
    {Operation::kRecomputeDue, "....."},
    {Operation::kReadDossier, "xxxxx"},
    {Operation::kListDossiers, "xxxxx"},
    {Operation::kSupervise, "..xxx"},
    {Operation::kAudit, "...xx"},
    {Operation::kAdminRead, "....x"},
    {Operation::kAdminWrite, "....x"},
    {Operation::kEnterLateReceipt, ".x..x"},
};

TEST(AuthorizeTest, EveryRoleAndOperationFollowsThePolicyTable) {
  ASSERT_EQ(std::size(kPolicy), static_cast<size_t>(kOperationCount));
  for (const PolicyRow& row : kPolicy) {
    for (size_t r = 0; r < std::size(kRoles); ++r) {
      const bool allowed = row.roles[r] == 'x';
      Principal principal{"caller.one", kRoles[r], false, {"ubnd-a"}};
      SCOPED_TRACE(
          absl::StrCat(RoleName(kRoles[r]), " ", OperationName(row.operation)));
      EXPECT_EQ(RoleMayPerform(kRoles[r], row.operation), allowed);
      const absl::Status status = Authorize(principal, row.operation, "ubnd-a");
      if (allowed) {
        EXPECT_TRUE(status.ok()) << status;
      } else {
        EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
        EXPECT_THAT(status.message(),
                    AllOf(HasSubstr("\"caller.one\""),
                          HasSubstr(absl::StrCat("role ", RoleName(kRoles[r]))),
                          HasSubstr(OperationName(row.operation))));
      }
    }
  }
}

TEST(AuthorizeTest, AgencyScoping) {
  const Principal listed{
      "officer.q1", Role::kOfficer, false, {"ubnd-a", "ubnd-b"}};
  EXPECT_TRUE(Authorize(listed, Operation::kResolve, "ubnd-a").ok());
  EXPECT_TRUE(Authorize(listed, Operation::kResolve, "ubnd-b").ok());

  const absl::Status other = Authorize(listed, Operation::kResolve, "ubnd-c");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.message(),
              AllOf(HasSubstr("agency \"ubnd-c\""), HasSubstr("ubnd-a, ubnd-b"),
                    HasSubstr("resolve")));

  // A request over every agency needs "*".
  const absl::Status every = Authorize(listed, Operation::kListDossiers, "");
  EXPECT_EQ(every.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(every.message(), HasSubstr("across every agency"));

  const Principal star{"auditor.all", Role::kAuditor, true, {}};
  EXPECT_TRUE(Authorize(star, Operation::kAudit, "ubnd-c").ok());
  EXPECT_TRUE(Authorize(star, Operation::kListDossiers, "").ok());
  EXPECT_TRUE(star.MayActFor("anything"));
  EXPECT_FALSE(listed.MayActFor("ubnd-a-prefix"));
  EXPECT_FALSE(listed.MayActFor("ubnd"));

  // "*" widens the agencies, never the role.
  EXPECT_EQ(Authorize(star, Operation::kResolve, "ubnd-a").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AuthorizeTest, RoleIsCheckedBeforeAgency) {
  const Principal supervisor{"sup", Role::kSupervisor, false, {"ubnd-a"}};
  const absl::Status status =
      Authorize(supervisor, Operation::kResolve, "ubnd-z");
  EXPECT_THAT(status.message(), HasSubstr("role supervisor"));
}

TEST(AuthorizeTest, AdminRulesNeedEveryAgency) {
  const Principal local_admin{"admin.q1", Role::kAdmin, false, {"ubnd-a"}};
  EXPECT_TRUE(Authorize(local_admin, Operation::kResolve, "ubnd-a").ok());
  EXPECT_FALSE(Authorize(local_admin, Operation::kAdminWrite, "").ok());
  const Principal admin{"admin", Role::kAdmin, true, {}};
  EXPECT_TRUE(Authorize(admin, Operation::kAdminWrite, "").ok());
  EXPECT_TRUE(Authorize(admin, Operation::kAdminRead, "").ok());
}

template <size_t... kIndex>
std::vector<Action> EveryAction(std::index_sequence<kIndex...>) {
  return {Action(std::in_place_index<kIndex>)...};
}

TEST(OperationTest, OperationForMatchesTheEngineActionName) {
  for (const Action& action :
       EveryAction(std::make_index_sequence<std::variant_size_v<Action>>())) {
    EXPECT_EQ(OperationName(OperationFor(action)), ActionName(action));
  }
  EXPECT_EQ(OperationFor(Action(ResolveAction{})), Operation::kResolve);
  EXPECT_EQ(OperationFor(Action(SubmitAction{})), Operation::kSubmit);
}

TEST(OperationTest, RoleNamesRoundTrip) {
  for (Role role : kRoles) {
    absl::StatusOr<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_FALSE(ParseRole("Admin").ok());
}

// --- Tokens ------------------------------------------------------------------

TEST(TokenTest, HashIsLowercaseHexSha256) {
  EXPECT_EQ(HashToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AccessTableTest, TextThatIsNotUtf8IsRefusedWhereItStands) {
  // A token name becomes the actor of every event it causes.
  EXPECT_THAT(ParseError("tokens:\n  - name: desk-\xff\xfe\n"),
              HasSubstr("tokens.yaml:2:16: not UTF-8 text: byte 0xFF"));
}

TEST(TokenTest, GeneratedTokensAreRandomBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> token = GenerateToken();
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ(token->size(), 43u);
    for (char c : *token) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  c == '_')
          << *token;
    }
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(TokenTest, AMintedTokenAuthenticates) {
  absl::StatusOr<std::string> token = GenerateToken();
  ASSERT_TRUE(token.ok());
  absl::StatusOr<AccessTable> table = AccessTable::FromEntries(
      {TokenEntry{"dev", HashToken(*token), Role::kAdmin, {"*"}}});
  ASSERT_TRUE(table.ok()) << table.status();
  absl::StatusOr<Principal> principal =
      table->Authenticate(absl::StrCat("Bearer ", *token));
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->name, "dev");
  EXPECT_TRUE(principal->all_agencies);
  EXPECT_TRUE(Authorize(*principal, Operation::kAdminWrite, "").ok());
}

}  // namespace
}  // namespace motcua::access
