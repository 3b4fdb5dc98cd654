#include "engine/dossier.h"

namespace motcua {

absl::string_view LifecycleStateName(LifecycleState state) {
  switch (state) {
    case LifecycleState::kReceived:
      return "RECEIVED";
    case LifecycleState::kProcessing:
      return "PROCESSING";
    case LifecycleState::kSupplementRequested:
      return "SUPPLEMENT_REQUESTED";
    case LifecycleState::kAwaitingFinancialObligation:
      return "AWAITING_FINANCIAL_OBLIGATION";
    case LifecycleState::kStopped:
      return "STOPPED";
    case LifecycleState::kResolved:
      return "RESOLVED";
    case LifecycleState::kReturned:
      return "RETURNED";
    case LifecycleState::kRejected:
      return "REJECTED";
    case LifecycleState::kWithdrawn:
      return "WITHDRAWN";
  }
  return "UNKNOWN";
}

int PortalStatusCode(LifecycleState state) {
  switch (state) {
    case LifecycleState::kReceived:
      return 2;
    case LifecycleState::kProcessing:
      return 4;
    case LifecycleState::kSupplementRequested:
      return 5;
    case LifecycleState::kAwaitingFinancialObligation:
      return 6;
    case LifecycleState::kStopped:
      return 8;
    case LifecycleState::kResolved:
      return 9;
    case LifecycleState::kReturned:
      return 10;
    case LifecycleState::kRejected:
      return 3;
    case LifecycleState::kWithdrawn:
      return 7;
  }
  return 0;
}

bool IsTerminal(LifecycleState state) {
  return state == LifecycleState::kReturned ||
         state == LifecycleState::kRejected ||
         state == LifecycleState::kWithdrawn;
}

bool IsPaused(LifecycleState state) {
  return state == LifecycleState::kSupplementRequested ||
         state == LifecycleState::kAwaitingFinancialObligation ||
         state == LifecycleState::kStopped;
}

bool ClockRuns(LifecycleState state) {
  return state == LifecycleState::kReceived ||
         state == LifecycleState::kProcessing;
}

absl::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kInPerson:
      return "in_person";
    case Channel::kOnline:
      return "online";
    case Channel::kPostal:
      return "postal";
  }
  return "unknown";
}

absl::string_view PauseReasonName(PauseReason reason) {
  switch (reason) {
    case PauseReason::kSupplement:
      return "supplement";
    case PauseReason::kFinancialObligation:
      return "financial_obligation";
    case PauseReason::kStopped:
      return "stopped";
  }
  return "unknown";
}

absl::string_view ClassificationName(Classification classification) {
  switch (classification) {
    case Classification::kUnclassified:
      return "unclassified";
    case Classification::kEarly:
      return "early";
    case Classification::kOnTime:
      return "on_time";
    case Classification::kLate:
      return "late";
  }
  return "unknown";
}

}  // namespace motcua
