#include "services/cli/audit_commands.h"

#include <filesystem>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "services/cli/offline_commands.h"
#include "services/text/dossier_text.h"
#include "store/audit.h"
#include "store/event_store.h"

namespace motcua::cli {
namespace {

// Audit output is shown at Vietnam's offset; every stored instant is UTC.
const absl::TimeZone kDisplayZone = text::DisplayZone();

int Fail(std::ostream& err, absl::string_view command,
         absl::string_view message) {
  err << "motcua " << command << ": " << message << "\n";
  return kExitBadInput;
}

bool RequireFile(const std::string& database, absl::string_view command,
                 std::ostream& err) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(database, error)) {
    Fail(err, command, absl::StrCat("no database file at ", database));
    return false;
  }
  return true;
}

}  // namespace

int RunAuditVerify(const std::string& database, std::ostream& out,
                   std::ostream& err) {
  if (!RequireFile(database, "audit verify", err)) return kExitBadInput;
  absl::StatusOr<store::VerifyReport> report = store::VerifyLog(database);
  if (!report.ok()) {
    return Fail(err, "audit verify", report.status().message());
  }
  if (!report->ok()) {
    out << "log BROKEN at event " << *report->first_bad_sequence << ": "
        << report->problem << "\n";
    out << report->events_checked << " events checked\n";
    return kExitLogBroken;
  }
  out << "log intact: " << report->events_checked
      << " events, every hash and link verified\n";
  return kExitOk;
}

int RunAuditReplay(const std::string& database,
                   const std::optional<std::string>& dossier,
                   const std::optional<std::string>& as_of, bool json,
                   std::ostream& out, std::ostream& err) {
  if (!RequireFile(database, "audit replay", err)) return kExitBadInput;
  if (dossier.has_value() != as_of.has_value()) {
    return Fail(err, "audit replay",
                "--dossier and --as-of go together (or give neither to "
                "replay the whole log)");
  }
  if (dossier.has_value()) {
    absl::StatusOr<absl::Time> at = ParseInstant(*as_of, kDisplayZone);
    if (!at.ok()) {
      return Fail(err, "audit replay",
                  absl::StrCat("--as-of: ", at.status().message()));
    }
    absl::StatusOr<Dossier> state =
        store::DossierAsOf(database, *dossier, *at);
    if (!state.ok()) return Fail(err, "audit replay", state.status().message());
    if (json) {
      out << text::DossierJson(*state, kDisplayZone).dump(2) << "\n";
    } else {
      out << "as of " << FormatInstant(*at, kDisplayZone) << ":\n";
      text::PrintDossier(*state, kDisplayZone, out);
    }
    return kExitOk;
  }
  // The rebuilt projections go to a scratch file in the temporary directory:
  // an auditor's copy may sit where nothing can be written.
  std::random_device entropy;
  const std::string scratch =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("motcua-replay-", entropy(), "-", entropy(), ".db"))
          .string();
  absl::StatusOr<store::ReplayReport> report =
      store::ReplayAndCompare(database, scratch);
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(scratch + suffix, ignored);
  }
  if (!report.ok()) return Fail(err, "audit replay", report.status().message());
  if (!report->differences.empty()) {
    out << "replay DIFFERS from the live projections ("
        << report->differences.size() << " differences):\n";
    for (const std::string& difference : report->differences) {
      out << "  " << difference << "\n";
    }
    return kExitReplayDiffers;
  }
  out << "replay identical: " << report->events << " events rebuilt "
      << report->dossiers << " dossiers and every projection\n";
  return kExitOk;
}

int RunAuditEvents(const std::string& database, const std::string& dossier,
                   bool json, std::ostream& out, std::ostream& err) {
  if (!RequireFile(database, "audit events", err)) return kExitBadInput;
  absl::StatusOr<Dossier> state =
      store::DossierAsOf(database, dossier, absl::InfiniteFuture());
  if (!state.ok()) return Fail(err, "audit events", state.status().message());
  absl::StatusOr<std::vector<store::StoredEvent>> events =
      store::ReadDossierEventsFromFile(database, dossier);
  if (!events.ok()) return Fail(err, "audit events", events.status().message());
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const store::StoredEvent& stored : *events) {
      list.push_back({{"sequence", stored.sequence},
                      {"version", stored.event.dossier_version},
                      {"type", EventTypeName(stored.event.body)},
                      {"occurred_at",
                       FormatInstant(stored.event.occurred_at, kDisplayZone)},
                      {"actor", stored.event.actor},
                      {"description",
                       text::DescribeEvent(stored.event, kDisplayZone)}});
    }
    nlohmann::ordered_json answer;
    answer["dossier"] = text::DossierJson(*state, kDisplayZone);
    answer["events"] = list;
    out << answer.dump(2) << "\n";
    return kExitOk;
  }
  text::PrintDossier(*state, kDisplayZone, out);
  out << "events:\n";
  for (const store::StoredEvent& stored : *events) {
    out << "  #" << stored.sequence << " v" << stored.event.dossier_version
        << " " << FormatInstant(stored.event.occurred_at, kDisplayZone) << " "
        << stored.event.actor << ": "
        << text::DescribeEvent(stored.event, kDisplayZone) << "\n";
  }
  return kExitOk;
}

}  // namespace motcua::cli
