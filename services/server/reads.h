#ifndef MOTCUA_SERVICES_SERVER_READS_H_
#define MOTCUA_SERVICES_SERVER_READS_H_

// The reads of the API, apart from any transport: the gRPC handlers and the
// console's JSON API (services/console) call these same functions with the
// caller they authenticated, so both answer the same request alike, refuse
// it alike (the same status, code and message) and check access alike.
//
// Each function checks the request (INVALID_ARGUMENT naming the field),
// authorizes the caller (PERMISSION_DENIED; another agency's dossier is
// NOT_FOUND, as a code that names none) and fills `reply`. Nothing is
// written.

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "motcua/v1/service.pb.h"
#include "services/access/access.h"
#include "services/server/service_context.h"

namespace motcua::server {

// Dossiers/Get.
absl::Status GetDossier(const ServiceContext& context,
                        const access::Principal& principal,
                        const v1::GetRequest& request, v1::Dossier* reply);

// Supervision/ListOverdue, ListDueSoon, CountOverdue, Report.
absl::Status ListOverdue(const ServiceContext& context,
                         const access::Principal& principal,
                         const v1::OverdueRequest& request,
                         v1::OverdueReply* reply);
absl::Status ListDueSoon(const ServiceContext& context,
                         const access::Principal& principal,
                         const v1::DueSoonRequest& request,
                         v1::DueSoonReply* reply);
absl::Status CountOverdue(const ServiceContext& context,
                          const access::Principal& principal,
                          const v1::CountOverdueRequest& request,
                          v1::CountOverdueReply* reply);
absl::Status Report(const ServiceContext& context,
                    const access::Principal& principal,
                    const v1::ReportRequest& request, v1::ReportReply* reply);

// Audit/ReadEvents.
absl::Status ReadEvents(const ServiceContext& context,
                        const access::Principal& principal,
                        const v1::ReadEventsRequest& request,
                        v1::ReadEventsReply* reply);

// Work too slow for a request thread: checked and authorized now, run later
// on context.slow_reads (it fills the reply then).
using SlowRead = std::function<absl::Status()>;

// Audit/GetDossierAsOf: `reply` must outlive the returned work.
absl::StatusOr<SlowRead> PrepareDossierAsOf(const ServiceContext& context,
                                            const access::Principal& principal,
                                            const v1::AsOfRequest& request,
                                            v1::Dossier* reply);
// Audit/VerifyLog: `reply` must outlive the returned work.
absl::StatusOr<SlowRead> PrepareVerifyLog(const ServiceContext& context,
                                          const access::Principal& principal,
                                          v1::VerifyReply* reply);

// Supervision/WatchEvents: what a subscriber follows.
struct WatchScope {
  int64_t after_sequence = 0;
  absl::flat_hash_set<std::string> types;  // empty: every type
  std::string agency;                      // empty: the principal's own
  access::Principal principal;
};
// The request checked and authorized (anyone who may list an agency's
// dossiers may follow its events).
absl::StatusOr<WatchScope> ScopeWatch(const access::Principal& principal,
                                      const v1::WatchRequest& request);
// Reads the log after `after` (moving it on past what was read) until an
// event in `scope` is found or the log's end, appending those found to
// `out`. The events before a damaged one are appended and OK returned;
// the next read starts at the damage and returns DATA_LOSS.
absl::Status ReadWatched(const ServiceContext& context, const WatchScope& scope,
                         int64_t& after, std::deque<v1::Event>& out);

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_READS_H_
