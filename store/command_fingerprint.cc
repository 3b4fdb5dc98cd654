#include "store/command_fingerprint.h"

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/sha256.h"

namespace motcua::store {
namespace {

// Appends parts as "<length>:<bytes>": no part can run into the next.
class CanonicalParts {
 public:
  CanonicalParts& Add(absl::string_view part) {
    absl::StrAppend(&bytes_, part.size(), ":", part);
    return *this;
  }
  CanonicalParts& Add(int64_t number) { return Add(absl::StrCat(number)); }
  CanonicalParts& Add(absl::Time time) { return Add(absl::ToUnixMicros(time)); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

void AddArguments(const Action& action, CanonicalParts& parts) {
  std::visit(
      [&](const auto& arguments) {
        using T = std::decay_t<decltype(arguments)>;
        if constexpr (std::is_same_v<T, SubmitAction>) {
          parts.Add(arguments.procedure_code)
              .Add(arguments.agency)
              .Add(static_cast<int64_t>(arguments.channel))
              .Add(arguments.received_at)
              .Add(arguments.summary);
        } else if constexpr (std::is_same_v<T, HandOverAction>) {
          parts.Add(arguments.to_step)
              .Add(arguments.to_unit)
              .Add(arguments.note);
        } else if constexpr (std::is_same_v<T, RequestSupplementAction>) {
          parts.Add(static_cast<int64_t>(arguments.missing.size()));
          for (const std::string& item : arguments.missing) parts.Add(item);
        } else if constexpr (std::is_same_v<T,
                                            RequestFinancialObligationAction>) {
          parts.Add(arguments.description);
        } else if constexpr (std::is_same_v<T, StopAction> ||
                             std::is_same_v<T, RejectAction> ||
                             std::is_same_v<T, WithdrawAction> ||
                             std::is_same_v<T, RecomputeDueAction>) {
          parts.Add(arguments.reason);
        } else if constexpr (std::is_same_v<T, ApologiseAction>) {
          parts.Add(arguments.reason).Add(arguments.new_appointment);
        } else if constexpr (std::is_same_v<T, ResolveAction>) {
          parts.Add(arguments.result);
        } else {
          // The actions without arguments.
          static_assert(std::is_empty_v<T>,
                        "an action with arguments needs them in its "
                        "fingerprint");
        }
      },
      action);
}

}  // namespace

std::string CommandFingerprint(const CommandRequest& request) {
  CanonicalParts parts;
  // Names the encoding, so that a later one cannot collide with it.
  parts.Add("motcua command fingerprint 1")
      .Add(request.command.dossier_code)
      .Add(ActionName(request.command.action));
  AddArguments(request.command.action, parts);
  if (request.expected_version.has_value()) {
    parts.Add("expected version").Add(*request.expected_version);
  } else {
    parts.Add("any version");
  }
  const Sha256Digest digest = Sha256Of(parts.bytes());
  return std::string(digest.begin(), digest.end());
}

}  // namespace motcua::store
