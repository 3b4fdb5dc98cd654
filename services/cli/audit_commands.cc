#include "services/cli/audit_commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "services/api/to_proto.h"
#include "services/checkpoint/checkpoint.h"
#include "services/cli/offline_commands.h"
#include "services/cli/reply_text.h"
#include "services/text/dossier_text.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "store/hash_chain.h"
#include "store/store_copy.h"
#include "store/types.h"

namespace motcua::cli {
namespace {

// Audit output is shown at Vietnam's offset; every stored instant is UTC.
const absl::TimeZone kDisplayZone = text::DisplayZone();

int Fail(std::ostream& err, absl::string_view command,
         absl::string_view message) {
  err << "motcua " << command << ": " << message << "\n";
  return kExitBadInput;
}

// The database named: a SQLite file that must exist, or a PostgreSQL URL
// (--postgres), which the store connects to.
bool RequireFile(const std::string& database, absl::string_view command,
                 std::ostream& err) {
  if (database.empty()) {
    Fail(err, command, "name the database: --db FILE or --postgres URL");
    return false;
  }
  if (store::IsPostgresUrl(database)) return true;
  std::error_code error;
  if (!std::filesystem::is_regular_file(database, error)) {
    Fail(err, command, absl::StrCat("no database file at ", database));
    return false;
  }
  return true;
}

}  // namespace

namespace {

// One checkpoint as given on the command line, and what was found.
struct GivenCheckpoint {
  std::string file;
  checkpoint::Checkpoint checkpoint;
  bool extended = false;
  std::string signature;  // "valid", "invalid" or "not checked"
  std::string problem;    // empty when extended with a valid signature
};

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Whether the log as checked extends `given`: the event at its sequence
// has its head hash and lies before any break.
void CheckExtends(const store::VerifyReport& report, GivenCheckpoint& given) {
  const checkpoint::Checkpoint& c = given.checkpoint;
  const std::string where =
      absl::StrCat("checkpoint ", given.file, " (event ", c.sequence, ")");
  if (c.sequence > report.head_sequence) {
    given.problem =
        absl::StrCat(where, " is beyond the log's head (event ",
                     report.head_sequence, "): events it covers were removed");
    return;
  }
  if (report.first_bad_sequence.has_value() &&
      *report.first_bad_sequence <= c.sequence) {
    given.problem = absl::StrCat(where,
                                 " is not extended: the chain breaks "
                                 "at event ",
                                 *report.first_bad_sequence, " before it");
    return;
  }
  const std::string& stored =
      c.sequence == 0 ? store::GenesisHash() : report.hashes.at(c.sequence);
  if (stored.empty()) {
    given.problem = absl::StrCat(where,
                                 " is not extended: the log has no "
                                 "event ",
                                 c.sequence);
    return;
  }
  if (stored != c.head_hash) {
    given.problem = absl::StrCat(
        where, " is not extended: event ", c.sequence, " now hashes to ",
        Hex(stored), ", the checkpoint signed ", Hex(c.head_hash),
        ": the log was rewritten at or before event ", c.sequence);
    return;
  }
  given.extended = true;
}

}  // namespace

int RunAuditVerify(const AuditVerifyOptions& options, std::ostream& out,
                   std::ostream& err) {
  constexpr absl::string_view kCommand = "audit verify";
  if (!RequireFile(options.database, kCommand, err)) return kExitBadInput;
  std::optional<checkpoint::PublicKey> key;
  if (!options.public_key.empty()) {
    std::string text = options.public_key;
    std::string origin = "--public-key";
    std::error_code error;
    if (std::filesystem::is_regular_file(options.public_key, error)) {
      absl::StatusOr<std::string> read = ReadWholeFile(options.public_key);
      if (!read.ok()) return Fail(err, kCommand, read.status().message());
      text = *std::move(read);
      origin = options.public_key;
    }
    absl::StatusOr<checkpoint::PublicKey> parsed =
        checkpoint::PublicKey::FromText(text, origin);
    if (!parsed.ok()) return Fail(err, kCommand, parsed.status().message());
    key = *std::move(parsed);
  }
  std::vector<GivenCheckpoint> given;
  store::VerifyOptions verify_options;
  for (const std::string& file : options.checkpoint_files) {
    absl::StatusOr<std::string> text = ReadWholeFile(file);
    if (!text.ok()) {
      return Fail(err, kCommand,
                  absl::StrCat("--checkpoint: ", text.status().message()));
    }
    absl::StatusOr<checkpoint::Checkpoint> parsed =
        checkpoint::Parse(*text, file);
    if (!parsed.ok()) return Fail(err, kCommand, parsed.status().message());
    GivenCheckpoint entry;
    entry.file = file;
    entry.checkpoint = *std::move(parsed);
    given.push_back(std::move(entry));
    verify_options.hashes_wanted.push_back(given.back().checkpoint.sequence);
  }
  // The first checkpoint the log no longer extends is the earliest in the
  // log, whatever the order of the flags.
  std::stable_sort(given.begin(), given.end(),
                   [](const GivenCheckpoint& a, const GivenCheckpoint& b) {
                     return a.checkpoint.sequence < b.checkpoint.sequence;
                   });

  absl::StatusOr<store::VerifyReport> report =
      store::VerifyLog(options.database, verify_options);
  if (!report.ok()) return Fail(err, kCommand, report.status().message());

  const GivenCheckpoint* first_failed = nullptr;
  for (GivenCheckpoint& checkpoint : given) {
    if (key.has_value()) {
      absl::Status signed_by = key->Verify(checkpoint.checkpoint);
      checkpoint.signature = signed_by.ok() ? "valid" : "invalid";
      if (!signed_by.ok()) {
        checkpoint.problem =
            absl::StrCat("checkpoint ", checkpoint.file, " (event ",
                         checkpoint.checkpoint.sequence,
                         ") is refused: ", signed_by.message());
      }
    } else {
      checkpoint.signature = "not checked";
    }
    if (checkpoint.problem.empty()) CheckExtends(*report, checkpoint);
    if (!checkpoint.problem.empty() && first_failed == nullptr) {
      first_failed = &checkpoint;
    }
  }
  const bool ok = report->ok() && first_failed == nullptr;

  if (options.json) {
    nlohmann::ordered_json answer;
    answer["intact"] = report->ok();
    answer["events_checked"] = report->events_checked;
    answer["head_sequence"] = report->head_sequence;
    answer["head_hash"] = Hex(report->head_hash);
    if (!report->ok()) {
      answer["first_bad_sequence"] = *report->first_bad_sequence;
      answer["problem"] = report->problem;
    }
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const GivenCheckpoint& checkpoint : given) {
      nlohmann::ordered_json entry;
      entry["file"] = checkpoint.file;
      entry["log"] = checkpoint.checkpoint.log;
      entry["sequence"] = checkpoint.checkpoint.sequence;
      entry["head_hash"] = Hex(checkpoint.checkpoint.head_hash);
      entry["signed_at"] =
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", checkpoint.checkpoint.time,
                           absl::UTCTimeZone());
      entry["signature"] = checkpoint.signature;
      entry["extended"] = checkpoint.extended;
      if (!checkpoint.problem.empty()) entry["problem"] = checkpoint.problem;
      list.push_back(entry);
    }
    answer["checkpoints"] = list;
    if (first_failed != nullptr) {
      answer["first_failed_checkpoint"] = first_failed->file;
    }
    out << answer.dump(2) << "\n";
    return ok ? kExitOk : kExitLogBroken;
  }

  if (!report->ok()) {
    out << "log BROKEN at event " << *report->first_bad_sequence << ": "
        << report->problem << "\n";
    out << report->events_checked << " events checked\n";
  } else {
    out << "log intact: " << report->events_checked
        << " events, every hash and link verified\n";
  }
  out << "head: event " << report->head_sequence << ", hash "
      << Hex(report->head_hash) << "\n";
  for (const GivenCheckpoint& checkpoint : given) {
    if (!checkpoint.problem.empty()) {
      out << checkpoint.problem << "\n";
    } else {
      out << "checkpoint " << checkpoint.file << " (event "
          << checkpoint.checkpoint.sequence << ", signed "
          << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", checkpoint.checkpoint.time,
                              absl::UTCTimeZone())
          << "): the log extends it; signature " << checkpoint.signature
          << "\n";
    }
  }
  if (!given.empty() && !key.has_value()) {
    out << "signatures NOT checked: give --public-key to check who signed "
           "the checkpoints\n";
  }
  if (first_failed != nullptr) {
    out << "FAILED: the log no longer extends checkpoint " << first_failed->file
        << "\n";
  }
  return ok ? kExitOk : kExitLogBroken;
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
    absl::StatusOr<Dossier> state = store::DossierAsOf(database, *dossier, *at);
    if (!state.ok()) return Fail(err, "audit replay", state.status().message());
    if (json) {
      out << text::DossierJson(*state, kDisplayZone).dump(2) << "\n";
    } else {
      out << "as of " << FormatInstant(*at, kDisplayZone) << ":\n";
      PrintDossier(api::DossierToProto(*state, *at, /*rules_or_null=*/nullptr),
                   out);
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
      list.push_back(
          {{"sequence", stored.sequence},
           {"version", stored.event.dossier_version},
           {"type", EventTypeName(stored.event.body)},
           {"occurred_at",
            FormatInstant(stored.event.occurred_at, kDisplayZone)},
           {"actor", stored.event.actor},
           {"description", text::DescribeEvent(stored.event, kDisplayZone)}});
    }
    nlohmann::ordered_json answer;
    answer["dossier"] = text::DossierJson(*state, kDisplayZone);
    answer["events"] = list;
    out << answer.dump(2) << "\n";
    return kExitOk;
  }
  PrintDossier(
      api::DossierToProto(*state, absl::Now(), /*rules_or_null=*/nullptr), out);
  out << "events:\n";
  for (const store::StoredEvent& stored : *events) {
    out << "  #" << stored.sequence << " v" << stored.event.dossier_version
        << " " << FormatInstant(stored.event.occurred_at, kDisplayZone) << " "
        << stored.event.actor << ": "
        << text::DescribeEvent(stored.event, kDisplayZone) << "\n";
  }
  return kExitOk;
}

int RunStoreCopy(const std::string& from, const std::string& to,
                 std::ostream& out, std::ostream& err) {
  absl::StatusOr<store::CopyReport> report = store::CopyStore(from, to);
  if (!report.ok()) {
    Fail(err, "store copy", report.status().message());
    return report.status().code() == absl::StatusCode::kDataLoss
               ? kExitLogBroken
               : kExitBadInput;
  }
  out << "copied " << report->events << " events and "
      << report->projection_rows << " projection rows\n";
  out << "head: event " << report->head_sequence << ", hash "
      << Hex(report->head_hash) << "\n";
  out << "the copy verifies: the same log, every hash and link, the same "
         "head\n";
  return kExitOk;
}

}  // namespace motcua::cli
