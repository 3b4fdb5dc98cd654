// Tests of the fingerprint kept with a request id
// (store/command_fingerprint.h): the same command gives the same bytes, any
// argument that changes its outcome gives others, and the caller does not enter
// it.
#include "store/command_fingerprint.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::Submission;

TEST(CommandFingerprintTest, TheSameCommandGivesTheSameBytes) {
  const CommandRequest submit =
      Request("HS-1", Submission(MondayMorning()), "r-1");
  EXPECT_EQ(CommandFingerprint(submit).size(), 32u);
  EXPECT_EQ(CommandFingerprint(submit), CommandFingerprint(submit));
  // Who sends it and under which id are compared apart.
  CommandRequest other_caller = submit;
  other_caller.command.actor = "intake.elsewhere";
  other_caller.request_id = "r-2";
  EXPECT_EQ(CommandFingerprint(other_caller), CommandFingerprint(submit));
  // Below storage precision nothing changes.
  CommandRequest finer = submit;
  std::get<SubmitAction>(finer.command.action).received_at +=
      absl::Nanoseconds(300);
  EXPECT_EQ(CommandFingerprint(finer), CommandFingerprint(submit));
}

TEST(CommandFingerprintTest, EveryArgumentThatDecidesTheOutcomeCounts) {
  const SubmitAction submit = Submission(MondayMorning());
  auto submit_with = [&](std::function<void(SubmitAction&)> change) {
    SubmitAction changed = submit;
    change(changed);
    return Request("HS-1", changed, "r");
  };
  const std::vector<CommandRequest> commands = {
      Request("HS-1", submit, "r"),
      Request("HS-2", submit, "r"),
      Request("HS-1", submit, "r", 1),
      Request("HS-1", submit, "r", 2),
      submit_with([](SubmitAction& s) { s.procedure_code = "other"; }),
      submit_with([](SubmitAction& s) { s.agency = "other"; }),
      submit_with([](SubmitAction& s) { s.channel = Channel::kPostal; }),
      submit_with([](SubmitAction& s) { s.received_at += absl::Seconds(1); }),
      submit_with([](SubmitAction& s) { s.summary = "other"; }),
      Request("HS-1", HandOverAction{}, "r"),
      Request("HS-1", HandOverAction{"step-2", "", ""}, "r"),
      Request("HS-1", HandOverAction{"", "unit-2", ""}, "r"),
      Request("HS-1", HandOverAction{"", "", "note"}, "r"),
      // Parts cannot run into each other.
      Request("HS-1", HandOverAction{"ab", "c", ""}, "r"),
      Request("HS-1", HandOverAction{"a", "bc", ""}, "r"),
      Request("HS-1", RequestSupplementAction{{"a", "b"}}, "r"),
      Request("HS-1", RequestSupplementAction{{"a"}}, "r"),
      Request("HS-1", RequestSupplementAction{{"ab"}}, "r"),
      Request("HS-1", ReceiveSupplementAction{}, "r"),
      Request("HS-1", RequestFinancialObligationAction{"fee"}, "r"),
      Request("HS-1", ConfirmFinancialObligationAction{}, "r"),
      Request("HS-1", StopAction{"why"}, "r"),
      Request("HS-1", ResumeAction{}, "r"),
      Request("HS-1", ApologiseAction{"why", MondayMorning()}, "r"),
      Request("HS-1", ApologiseAction{"why", MondayMorning() + absl::Hours(1)},
              "r"),
      Request("HS-1", ResolveAction{"granted"}, "r"),
      Request("HS-1", ResolveAction{"refused"}, "r"),
      Request("HS-1", ReturnResultAction{}, "r"),
      Request("HS-1", RejectAction{"why"}, "r"),
      Request("HS-1", WithdrawAction{"why"}, "r"),
  };
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < commands.size(); ++i) {
    EXPECT_TRUE(seen.insert(CommandFingerprint(commands[i])).second)
        << "command " << i << " has the fingerprint of an earlier one";
  }
}

}  // namespace
}  // namespace motcua::store
