// Supervision/Report: the periodic report from the store's per-day counts.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/api/from_proto.h"
#include "services/server/reads.h"
#include "services/server/services.h"

namespace motcua::server {
namespace {

void CopyRow(const ReportRow& row, v1::ReportRow* out) {
  out->set_group(row.group);
  out->set_received(row.received);
  out->set_carried_over(row.carried_over);
  out->set_new_online(row.new_online);
  out->set_new_in_person_or_postal(row.new_in_person_or_postal);
  out->set_resolved(row.resolved);
  out->set_resolved_early(row.resolved_early);
  out->set_resolved_on_time(row.resolved_on_time);
  out->set_resolved_late(row.resolved_late);
  out->set_rejected(row.rejected);
  out->set_withdrawn(row.withdrawn);
  out->set_pending(row.pending);
  out->set_pending_within(row.pending_within);
  out->set_pending_overdue(row.pending_overdue);
  out->set_paused(row.paused);
  out->set_paused_within(row.paused_within);
  out->set_paused_overdue(row.paused_overdue);
  out->set_online_rate(row.online_rate);
  out->set_entered_late(row.entered_late);
}

void AddTo(const ReportRow& row, ReportRow& total) {
  total.received += row.received;
  total.carried_over += row.carried_over;
  total.new_online += row.new_online;
  total.new_in_person_or_postal += row.new_in_person_or_postal;
  total.resolved += row.resolved;
  total.resolved_early += row.resolved_early;
  total.resolved_on_time += row.resolved_on_time;
  total.resolved_late += row.resolved_late;
  total.rejected += row.rejected;
  total.withdrawn += row.withdrawn;
  total.pending += row.pending;
  total.pending_within += row.pending_within;
  total.pending_overdue += row.pending_overdue;
  total.paused += row.paused;
  total.paused_within += row.paused_within;
  total.paused_overdue += row.paused_overdue;
  total.entered_late += row.entered_late;
}

}  // namespace

absl::Status Report(const ServiceContext& context,
                    const access::Principal& principal,
                    const v1::ReportRequest& request, v1::ReportReply* reply) {
  absl::StatusOr<store::ReportQuery> query = api::ReportQueryFromProto(request);
  if (!query.ok()) return query.status();
  absl::StatusOr<std::string> agency =
      ScopeAgency(principal, access::Operation::kSupervise, request.agency());
  if (!agency.ok()) return agency.status();
  query->agency = *agency;

  absl::StatusOr<std::vector<ReportRow>> rows =
      context.read_model->Report(*query);
  if (!rows.ok()) return rows.status();
  ReportRow total;
  total.group = "total";
  for (const ReportRow& row : *rows) {
    CopyRow(row, reply->add_rows());
    AddTo(row, total);
  }
  const int64_t new_total = total.new_online + total.new_in_person_or_postal;
  total.online_rate =
      new_total == 0 ? 0 : static_cast<double>(total.new_online) / new_total;
  CopyRow(total, reply->mutable_total());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* SupervisionService::Report(
    grpc::CallbackServerContext* call, const v1::ReportRequest* request,
    v1::ReportReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  return Refuse(reactor, server::Report(context_, *principal, *request, reply));
}

}  // namespace motcua::server
