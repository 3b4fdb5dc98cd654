#ifndef MOTCUA_BENCH_WORKLOAD_H_
#define MOTCUA_BENCH_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/rules.h"

namespace motcua::bench {

// The commands the load generator sends, one per kind it reports.
enum class CommandKind {
  kSubmit,
  kHandOver,
  kRequestSupplement,
  kReceiveSupplement,
  kResolve,
  kReturnResult,
};
inline constexpr int kCommandKindCount = 6;

// "submit", "hand_over", "request_supplement", "receive_supplement",
// "resolve", "return_result".
absl::string_view CommandKindName(CommandKind kind);

// Relative weights of the kinds.
struct CommandMix {
  std::array<double, kCommandKindCount> weights{};
};

// A steady state of an office: every submission is eventually handed over
// about twice, resolved and returned, and one in six goes through a
// supplement round trip (request, then receive).
CommandMix DefaultMix();

// "submit=20,hand_over=35,...": kinds not named keep their default weight.
// INVALID_ARGUMENT for an unknown kind, a negative weight or all zero.
absl::StatusOr<CommandMix> ParseMix(absl::string_view text);

// What the generator needs of a procedure: its code and how many steps its
// internal process has (0: none, hand-overs then name a unit).
struct ProcedureShape {
  std::string code;
  int steps = 0;
};

// The procedures of `rules` in force at `at`, in code order.
std::vector<ProcedureShape> ProceduresInForce(const RuleSet& rules,
                                              absl::Time at);

// "ubnd-phuong-001" ...: `count` agency names.
std::vector<std::string> AgencyNames(int count);

// One command to send: its kind and the dossier it acts on (an index into
// the working set).
struct PlannedCommand {
  CommandKind kind = CommandKind::kSubmit;
  uint32_t dossier = 0;
};

// How a command ended, as the working set needs to know it.
enum class CommandResult {
  kAccepted,   // the dossier moved on
  kRefused,    // the server said no: the dossier leaves the working set
  kRetryable,  // back-pressure or transport: the dossier stays where it was
};

// A dossier the generator has submitted, as far as it knows.
struct TrackedDossier {
  uint16_t procedure = 0;  // index into the procedures
  uint16_t agency = 0;     // index into the agencies
  uint8_t step = 0;        // the open step; == steps once outside them
  uint16_t commands = 0;   // commands accepted so far (request ids)
};

// The open dossiers of one run, grouped by what may be done to them next.
// A dossier is taken out of its group while a command on it is in flight,
// so that two commands never race on one dossier and each is allowed by the
// lifecycle. Not thread-safe: the generator guards it.
class WorkingSet {
 public:
  WorkingSet(std::string code_prefix, std::vector<ProcedureShape> procedures,
             std::vector<std::string> agencies, CommandMix mix, uint64_t seed);

  // A submission of a new dossier.
  PlannedCommand NextSubmission();
  // A command drawn from the mix; a submission when no dossier is ready for
  // the kind drawn.
  PlannedCommand Next();
  // Puts the dossier where the outcome leaves it.
  void Finished(const PlannedCommand& command, CommandResult result);

  // Unique per run: the prefix and the dossier's index.
  std::string Code(uint32_t dossier) const;
  const TrackedDossier& dossier(uint32_t index) const {
    return dossiers_[index];
  }
  const ProcedureShape& procedure(uint32_t dossier) const {
    return procedures_[dossiers_[dossier].procedure];
  }
  const std::string& agency(uint32_t dossier) const {
    return agencies_[dossiers_[dossier].agency];
  }
  // Whether a hand-over of the dossier goes to the next step of its
  // procedure (otherwise it names a unit).
  bool HasNextStep(uint32_t dossier) const;

  // Dossiers submitted and not yet returned or refused, in flight included.
  int64_t open() const { return open_; }
  int64_t submitted() const { return static_cast<int64_t>(dossiers_.size()); }

 private:
  enum Group { kRunning, kSupplementRequested, kResolved, kGroupCount };

  bool TakeFrom(Group group, uint32_t* dossier);
  void PutInto(Group group, uint32_t dossier);

  std::string code_prefix_;
  std::vector<ProcedureShape> procedures_;
  std::vector<std::string> agencies_;
  std::vector<TrackedDossier> dossiers_;
  std::array<std::vector<uint32_t>, kGroupCount> groups_;
  std::mt19937_64 random_;
  std::discrete_distribution<int> kinds_;
  int64_t open_ = 0;
};

}  // namespace motcua::bench

#endif  // MOTCUA_BENCH_WORKLOAD_H_
