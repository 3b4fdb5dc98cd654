#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/standing.h"
#include "engine/status_macros.h"
#include "engine/time_limit.h"
#include "services/api/from_proto.h"
#include "services/api/to_proto.h"
#include "services/server/page_token.h"
#include "services/server/reads.h"
#include "services/server/services.h"

namespace motcua::server {
namespace {

// The latest instant whose working time from `now` is `offset` (negative:
// before now) in any calendar of the rules: a bound for an index range that
// every calendar's answer lies within. Each row is then checked exactly in
// its own dossier's calendar.
absl::Time LooseBound(const RuleSet& rules, absl::Time now,
                      absl::Duration offset) {
  absl::Time bound = absl::InfinitePast();
  for (const auto& [name, calendar] : rules.calendars()) {
    absl::StatusOr<absl::Time> at = calendar.AddWorkingTime(now, offset);
    if (at.ok()) bound = std::max(bound, *at);
  }
  return bound == absl::InfinitePast() ? now + offset : bound;
}

// The end of a window written as a limit ("1wd") from `now` in any calendar
// of the rules, the latest of them, as LooseBound; `now` when no calendar
// covers it.
absl::Time LooseWindowEnd(const RuleSet& rules, absl::Time now,
                          const TimeLimit& window) {
  absl::Time bound = now;
  for (const auto& [name, calendar] : rules.calendars()) {
    absl::StatusOr<absl::Time> end = WindowEnd(calendar, window, now);
    if (end.ok()) bound = std::max(bound, *end);
  }
  return bound;
}

// The working time from `now` to the end of a window written as a limit, in
// each calendar: "1wd" is a day of that calendar's working hours. Each
// calendar's length is computed once per request.
class WindowLengths {
 public:
  WindowLengths(TimeLimit window, absl::Time now, absl::Duration loose)
      : window_(window), now_(now), loose_(loose) {}

  // The window's length in `calendar`; the loosest length when the
  // dossier's calendar is unknown. Nullopt when the calendar does not cover
  // the window.
  std::optional<absl::Duration> In(const Calendar* calendar) {
    if (calendar == nullptr) return loose_;
    if (auto it = lengths_.find(calendar); it != lengths_.end()) {
      return it->second;
    }
    std::optional<absl::Duration> length;
    absl::StatusOr<absl::Time> end = WindowEnd(*calendar, window_, now_);
    if (end.ok()) {
      absl::StatusOr<absl::Duration> working =
          calendar->WorkingTimeBetween(now_, *end);
      if (working.ok()) length = *working;
    }
    lengths_.emplace(calendar, length);
    return length;
  }

 private:
  const TimeLimit window_;
  const absl::Time now_;
  const absl::Duration loose_;
  std::map<const Calendar*, std::optional<absl::Duration>> lengths_;
};

struct DeadlineListRequest {
  std::string agency;
  std::string unit;
  std::string procedure_code;
  // The kinds of deadline listed, in the order a dossier's rows come.
  std::vector<store::DeadlineKind> kinds;
  int32_t page_size = 0;
  std::optional<store::DeadlineCursor> after;
  // What the page tokens are bound to (PageTokens::Query).
  std::string token_query;
};

absl::StatusOr<std::vector<store::DeadlineKind>> KindsFromProto(
    v1::DeadlineKind kind) {
  switch (kind) {
    case v1::DEADLINE_KIND_UNSPECIFIED:
    case v1::DEADLINE_KIND_DOSSIER:
      return std::vector<store::DeadlineKind>{store::DeadlineKind::kDossier};
    case v1::DEADLINE_KIND_STEP:
      return std::vector<store::DeadlineKind>{store::DeadlineKind::kStep};
    case v1::DEADLINE_KIND_ALL:
      return std::vector<store::DeadlineKind>{store::DeadlineKind::kDossier,
                                              store::DeadlineKind::kStep};
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("kind: ", static_cast<int>(kind),
                       " is not a deadline kind (DOSSIER, STEP or ALL)"));
  }
}

// Checks what ListOverdue and ListDueSoon share, and scopes the agency.
// `list` names the RPC and `window` its own filter (min_lateness, within) for
// the page tokens.
absl::StatusOr<DeadlineListRequest> ParseDeadlineList(
    const ServiceContext& context, const access::Principal& principal,
    absl::string_view list, absl::string_view window, const std::string& agency,
    const std::string& unit, const std::string& procedure_code,
    v1::DeadlineKind kind, int32_t page_size, const std::string& page_token) {
  DeadlineListRequest parsed;
  for (const auto& [value, field] :
       {std::pair{&agency, "agency"}, std::pair{&unit, "unit"},
        std::pair{&procedure_code, "procedure_code"}}) {
    if (absl::Status checked =
            api::CheckCode(*value, field, api::Presence::kOptional);
        !checked.ok()) {
      return checked;
    }
  }
  absl::StatusOr<std::vector<store::DeadlineKind>> kinds = KindsFromProto(kind);
  if (!kinds.ok()) return kinds.status();
  absl::StatusOr<int32_t> size = api::PageSizeFromProto(page_size, "page_size");
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> scoped =
      ScopeAgency(principal, access::Operation::kSupervise, agency);
  if (!scoped.ok()) return scoped.status();
  parsed.token_query =
      PageTokens::Query({list, *scoped, unit, procedure_code, window,
                         absl::StrCat(static_cast<int>(kind))});
  absl::StatusOr<std::optional<store::DeadlineCursor>> after =
      context.page_tokens->ParseDeadlines(page_token, parsed.token_query);
  if (!after.ok()) return after.status();
  parsed.agency = *scoped;
  parsed.unit = unit;
  parsed.procedure_code = procedure_code;
  parsed.kinds = *std::move(kinds);
  parsed.page_size = *size;
  parsed.after = *after;
  return parsed;
}

// Where a deadline lies in the order of pages: due time, dossier code, the
// dossier's own deadline before its step's.
std::tuple<absl::Time, absl::string_view, int> PlaceOf(
    const store::Deadline& deadline) {
  return {deadline.due_at, deadline.dossier_code,
          static_cast<int>(deadline.kind)};
}

// The page-token key of a window given as a Duration.
std::string WindowKey(const google::protobuf::Duration& window) {
  return absl::StrCat(window.seconds(), ".", window.nanos());
}

// Reads deadlines of the asked kinds in [due_from, due_before) and keeps
// those `accept` takes (given the working time left before the row's due
// time: the dossier's, or its open step's as the engine counts it, and the
// calendar it is counted in, null when unknown), until a page is full. Each
// kind is one index range from the cursor on, the ranges merged in page order.
template <typename Reply>
absl::Status FillDeadlinePage(
    const ServiceContext& context, const DeadlineListRequest& request,
    absl::Time due_from, absl::Time due_before,
    const std::function<bool(absl::Duration left, const Calendar* calendar)>&
        accept,
    Reply* reply) {
  const std::shared_ptr<const RuleSet> rules = context.rules->Current();
  const absl::Time now = context.clock->Now();
  store::DeadlineQuery query;
  query.agency = request.agency;
  query.unit = request.unit;
  query.procedure_code = request.procedure_code;
  query.due_from = due_from;
  query.due_before = due_before;
  query.after = request.after;
  query.limit = request.page_size + 1;
  query.with_dossiers = true;
  std::vector<std::vector<store::Deadline>> ranges;
  // A range that filled its limit may go on past its last row: rows of the
  // other range beyond that row wait for the next page, or the page would
  // skip the first range's rows between them.
  std::optional<std::tuple<absl::Time, absl::string_view, int>> horizon;
  for (store::DeadlineKind kind : request.kinds) {
    query.kind = kind;
    absl::StatusOr<std::vector<store::Deadline>> deadlines =
        context.read_model->ListDeadlines(query);
    if (!deadlines.ok()) return deadlines.status();
    ranges.push_back(*std::move(deadlines));
  }
  for (const std::vector<store::Deadline>& range : ranges) {
    if (static_cast<int>(range.size()) < query.limit) continue;
    if (!horizon.has_value() || PlaceOf(range.back()) < *horizon) {
      horizon = PlaceOf(range.back());
    }
  }
  std::vector<size_t> next(ranges.size(), 0);
  std::optional<store::DeadlineCursor> last;
  int32_t taken = 0;
  bool rows_remain = false;
  for (;;) {
    const store::Deadline* deadline = nullptr;
    size_t from = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (next[i] == ranges[i].size()) continue;
      const store::Deadline& candidate = ranges[i][next[i]];
      if (deadline == nullptr || PlaceOf(candidate) < PlaceOf(*deadline)) {
        deadline = &candidate;
        from = i;
      }
    }
    if (deadline == nullptr) break;
    if (horizon.has_value() && PlaceOf(*deadline) > *horizon) {
      rows_remain = true;
      break;
    }
    if (taken == request.page_size) {
      rows_remain = true;  // rows remain unexamined
      break;
    }
    ++next[from];
    last = store::DeadlineCursor{deadline->due_at, deadline->dossier_code,
                                 deadline->kind};
    if (!deadline->dossier.has_value()) continue;
    const Dossier* dossier = &*deadline->dossier;
    const std::optional<StepStanding> step =
        api::OpenStepStandingOf(*dossier, now, rules.get());
    const bool is_step = deadline->kind == store::DeadlineKind::kStep;
    const Calendar* calendar = CalendarOf(*dossier, *rules);
    // The engine counts how late: in the dossier's calendar, up to a pause.
    const std::optional<TimeLeft> left = DueTimeLeft(
        *dossier, is_step ? DueTimeOf::kOpenStep : DueTimeOf::kDossier,
        calendar, now);
    if (!left.has_value() || !accept(left->working, calendar)) continue;
    v1::OverdueEntry* entry = reply->add_entries();
    *entry->mutable_dossier() = api::DossierToProto(*dossier, now, rules.get());
    *entry->mutable_lateness() = api::DurationToProto(-left->working);
    *entry->mutable_calendar_lateness() = api::DurationToProto(-left->calendar);
    entry->set_unit(deadline->unit);
    entry->set_step_late(step.has_value() && step->late);
    entry->set_kind(is_step ? v1::DEADLINE_KIND_STEP
                            : v1::DEADLINE_KIND_DOSSIER);
    entry->set_step_id(deadline->step_id);
    *entry->mutable_due_at() = api::TimeToProto(deadline->due_at);
    entry->set_step_budget(api::OpenStepBudget(*dossier, rules.get()));
    ++taken;
  }
  // Go on after the last row examined when rows remain, or when a range
  // may hold more than was read (rows the exact check refused can leave a
  // page short).
  if ((rows_remain || horizon.has_value()) && last.has_value()) {
    reply->set_next_page_token(
        context.page_tokens->ForDeadlines(request.token_query, *last));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ListOverdue(const ServiceContext& context,
                         const access::Principal& principal,
                         const v1::OverdueRequest& request,
                         v1::OverdueReply* reply) {
  absl::StatusOr<DeadlineListRequest> parsed = ParseDeadlineList(
      context, principal, "overdue", WindowKey(request.min_lateness()),
      request.agency(), request.unit(), request.procedure_code(),
      request.kind(), request.page_size(), request.page_token());
  if (!parsed.ok()) return parsed.status();
  absl::Duration min_lateness = absl::ZeroDuration();
  if (request.has_min_lateness()) {
    absl::StatusOr<absl::Duration> parsed_lateness =
        api::DurationFromProto(request.min_lateness(), "min_lateness");
    if (!parsed_lateness.ok()) return parsed_lateness.status();
    if (*parsed_lateness < absl::ZeroDuration()) {
      return absl::InvalidArgumentError("min_lateness: must not be negative");
    }
    min_lateness = *parsed_lateness;
  }
  const absl::Time now = context.clock->Now();
  // Due at or before the bound: lateness of at least min_lateness in some
  // calendar; the exact check is per dossier.
  const absl::Time bound =
      min_lateness == absl::ZeroDuration()
          ? now
          : LooseBound(*context.rules->Current(), now, -min_lateness) +
                absl::Microseconds(1);
  absl::Status filled = FillDeadlinePage(
      context, *parsed, absl::InfinitePast(), bound,
      [min_lateness](absl::Duration left, const Calendar*) {
        return left <= absl::ZeroDuration() && -left >= min_lateness;
      },
      reply);
  return filled;
}

absl::Status CountOverdue(const ServiceContext& context,
                          const access::Principal& principal,
                          const v1::CountOverdueRequest& request,
                          v1::CountOverdueReply* reply) {
  if (absl::Status checked =
          api::CheckCode(request.agency(), "agency", api::Presence::kOptional);
      !checked.ok()) {
    return checked;
  }
  absl::StatusOr<std::string> agency =
      ScopeAgency(principal, access::Operation::kSupervise, request.agency());
  if (!agency.ok()) return agency.status();
  const absl::Time now = context.clock->Now();
  // The dossiers' and the steps' counts, one row per agency, in agency
  // order.
  std::map<std::string, v1::AgencyOverdue> merged;
  for (store::DeadlineKind kind :
       {store::DeadlineKind::kDossier, store::DeadlineKind::kStep}) {
    absl::StatusOr<std::vector<store::AgencyCount>> counts =
        context.read_model->CountDeadlinesByAgency(kind, now, *agency);
    if (!counts.ok()) return counts.status();
    for (const store::AgencyCount& count : *counts) {
      v1::AgencyOverdue& row = merged[count.agency];
      row.set_agency(count.agency);
      if (kind == store::DeadlineKind::kDossier) {
        row.set_dossiers(count.count);
        reply->set_dossiers(reply->dossiers() + count.count);
      } else {
        row.set_steps(count.count);
        reply->set_steps(reply->steps() + count.count);
      }
    }
  }
  for (auto& [name, row] : merged) *reply->add_agencies() = std::move(row);
  return absl::OkStatus();
}

absl::Status ListDueSoon(const ServiceContext& context,
                         const access::Principal& principal,
                         const v1::DueSoonRequest& request,
                         v1::DueSoonReply* reply) {
  // The window: working time (within), or written as a limit
  // (within_limit, "1wd"), whose length is each dossier's calendar's.
  const bool has_limit = !request.within_limit().empty();
  std::optional<TimeLimit> window_limit;
  if (has_limit) {
    if (request.within_limit().size() > 16) {
      return absl::InvalidArgumentError(
          "within_limit: at most 16 characters (a limit such as 1wd, 4wh or "
          "30wm)");
    }
    absl::StatusOr<TimeLimit> limit = ParseTimeLimit(request.within_limit());
    if (!limit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("within_limit: ", limit.status().message()));
    }
    if (request.has_within()) {
      return absl::InvalidArgumentError(
          "within_limit: give one window, within or within_limit, not both");
    }
    window_limit = *limit;
  }
  ASSIGN_OR_RETURN(
      const DeadlineListRequest parsed,
      ParseDeadlineList(
          context, principal, "due_soon",
          has_limit ? absl::StrCat("limit:", request.within_limit())
                    : WindowKey(request.within()),
          request.agency(), request.unit(), request.procedure_code(),
          request.kind(), request.page_size(), request.page_token()));
  const absl::Time now = context.clock->Now();
  const std::shared_ptr<const RuleSet> rules = context.rules->Current();
  if (window_limit.has_value()) {
    const absl::Time end = LooseWindowEnd(*rules, now, *window_limit);
    auto lengths =
        std::make_shared<WindowLengths>(*window_limit, now, end - now);
    return FillDeadlinePage(
        context, parsed, now, end + absl::Microseconds(1),
        [lengths](absl::Duration left, const Calendar* calendar) {
          const std::optional<absl::Duration> length = lengths->In(calendar);
          return length.has_value() && left > absl::ZeroDuration() &&
                 left <= *length;
        },
        reply);
  }
  if (!request.has_within()) {
    return absl::InvalidArgumentError(
        "within: required (a window of working time, e.g. 4h, or "
        "within_limit, e.g. 1wd)");
  }
  ASSIGN_OR_RETURN(const absl::Duration window,
                   api::DurationFromProto(request.within(), "within"));
  if (window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("within: must be positive");
  }
  const absl::Time bound =
      LooseBound(*rules, now, window) + absl::Microseconds(1);
  return FillDeadlinePage(
      context, parsed, now, bound,
      [window](absl::Duration left, const Calendar*) {
        return left > absl::ZeroDuration() && left <= window;
      },
      reply);
}

grpc::ServerUnaryReactor* SupervisionService::ListOverdue(
    grpc::CallbackServerContext* call, const v1::OverdueRequest* request,
    v1::OverdueReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  return Refuse(reactor,
                server::ListOverdue(context_, *principal, *request, reply));
}

grpc::ServerUnaryReactor* SupervisionService::CountOverdue(
    grpc::CallbackServerContext* call, const v1::CountOverdueRequest* request,
    v1::CountOverdueReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  return Refuse(reactor,
                server::CountOverdue(context_, *principal, *request, reply));
}

grpc::ServerUnaryReactor* SupervisionService::ListDueSoon(
    grpc::CallbackServerContext* call, const v1::DueSoonRequest* request,
    v1::DueSoonReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  return Refuse(reactor,
                server::ListDueSoon(context_, *principal, *request, reply));
}

}  // namespace motcua::server
