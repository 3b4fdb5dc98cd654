#include "bench/workload.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace motcua::bench {
namespace {

constexpr absl::string_view kKindNames[kCommandKindCount] = {
    "submit",  "hand_over",    "request_supplement", "receive_supplement",
    "resolve", "return_result"};

}  // namespace

absl::string_view CommandKindName(CommandKind kind) {
  return kKindNames[static_cast<int>(kind)];
}

CommandMix DefaultMix() {
  // Per dossier: one submission, two hand-overs, one supplement round trip
  // in six, one resolution, one return.
  CommandMix mix;
  mix.weights = {19, 37, 3, 3, 19, 19};
  return mix;
}

absl::StatusOr<CommandMix> ParseMix(absl::string_view text) {
  CommandMix mix = DefaultMix();
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> entry =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    int kind = -1;
    for (int i = 0; i < kCommandKindCount; ++i) {
      if (kKindNames[i] == entry.first) kind = i;
    }
    if (kind < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--mix: unknown kind \"", entry.first,
          "\" (submit, hand_over, request_supplement, receive_supplement, "
          "resolve, return_result)"));
    }
    double weight = 0;
    if (!absl::SimpleAtod(entry.second, &weight) || weight < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--mix: the weight of ", entry.first, " must be a number >= 0"));
    }
    mix.weights[kind] = weight;
  }
  double total = 0;
  for (double weight : mix.weights) total += weight;
  if (total <= 0) {
    return absl::InvalidArgumentError("--mix: every weight is zero");
  }
  return mix;
}

std::vector<ProcedureShape> ProceduresInForce(const RuleSet& rules,
                                              absl::Time at) {
  std::vector<ProcedureShape> shapes;
  for (const auto& [code, versions] : rules.procedures()) {
    absl::StatusOr<const ProcedureVersion*> found =
        rules.FindProcedure(code, at);
    if (!found.ok()) continue;
    shapes.push_back(
        ProcedureShape{code, static_cast<int>((*found)->steps.size())});
  }
  return shapes;
}

std::vector<std::string> AgencyNames(int count) {
  std::vector<std::string> names;
  for (int i = 1; i <= count; ++i) {
    names.push_back(absl::StrFormat("ubnd-phuong-%03d", i));
  }
  return names;
}

WorkingSet::WorkingSet(std::string code_prefix,
                       std::vector<ProcedureShape> procedures,
                       std::vector<std::string> agencies, CommandMix mix,
                       uint64_t seed)
    : code_prefix_(std::move(code_prefix)),
      procedures_(std::move(procedures)),
      agencies_(std::move(agencies)),
      random_(seed),
      kinds_(mix.weights.begin(), mix.weights.end()) {}

std::string WorkingSet::Code(uint32_t dossier) const {
  return absl::StrFormat("%s%08d", code_prefix_, dossier);
}

bool WorkingSet::HasNextStep(uint32_t dossier) const {
  const TrackedDossier& tracked = dossiers_[dossier];
  return tracked.step + 1 < procedures_[tracked.procedure].steps;
}

PlannedCommand WorkingSet::NextSubmission() {
  TrackedDossier tracked;
  tracked.procedure = static_cast<uint16_t>(random_() % procedures_.size());
  tracked.agency = static_cast<uint16_t>(random_() % agencies_.size());
  dossiers_.push_back(tracked);
  ++open_;
  return PlannedCommand{CommandKind::kSubmit,
                        static_cast<uint32_t>(dossiers_.size() - 1)};
}

PlannedCommand WorkingSet::Next() {
  const auto kind = static_cast<CommandKind>(kinds_(random_));
  Group group = kRunning;
  switch (kind) {
    case CommandKind::kSubmit:
      return NextSubmission();
    case CommandKind::kHandOver:
    case CommandKind::kRequestSupplement:
    case CommandKind::kResolve:
      group = kRunning;
      break;
    case CommandKind::kReceiveSupplement:
      group = kSupplementRequested;
      break;
    case CommandKind::kReturnResult:
      group = kResolved;
      break;
  }
  uint32_t dossier = 0;
  if (!TakeFrom(group, &dossier)) return NextSubmission();
  return PlannedCommand{kind, dossier};
}

void WorkingSet::Finished(const PlannedCommand& command, CommandResult result) {
  TrackedDossier& tracked = dossiers_[command.dossier];
  if (result == CommandResult::kRefused) {
    --open_;
    return;
  }
  if (result == CommandResult::kRetryable) {
    // Back where it was: a submission that did not arrive is dropped (its
    // code is never reused), anything else waits for another try.
    switch (command.kind) {
      case CommandKind::kSubmit:
        --open_;
        return;
      case CommandKind::kReceiveSupplement:
        PutInto(kSupplementRequested, command.dossier);
        return;
      case CommandKind::kReturnResult:
        PutInto(kResolved, command.dossier);
        return;
      default:
        PutInto(kRunning, command.dossier);
        return;
    }
  }
  ++tracked.commands;
  switch (command.kind) {
    case CommandKind::kSubmit:
    case CommandKind::kReceiveSupplement:
      PutInto(kRunning, command.dossier);
      return;
    case CommandKind::kHandOver: {
      const int steps = procedures_[tracked.procedure].steps;
      if (tracked.step < steps) ++tracked.step;
      PutInto(kRunning, command.dossier);
      return;
    }
    case CommandKind::kRequestSupplement:
      PutInto(kSupplementRequested, command.dossier);
      return;
    case CommandKind::kResolve:
      PutInto(kResolved, command.dossier);
      return;
    case CommandKind::kReturnResult:
      --open_;  // closed: leaves the working set
      return;
  }
}

bool WorkingSet::TakeFrom(Group group, uint32_t* dossier) {
  std::vector<uint32_t>& members = groups_[group];
  if (members.empty()) return false;
  const size_t at = random_() % members.size();
  *dossier = members[at];
  members[at] = members.back();
  members.pop_back();
  return true;
}

void WorkingSet::PutInto(Group group, uint32_t dossier) {
  groups_[group].push_back(dossier);
}

}  // namespace motcua::bench
