// Tests of the stored encoding (store/event_codec.cc) and the hash chain's
// canonical bytes (store/hash_chain.cc): every event type survives the round
// trip, encoding is deterministic, damaged bytes are reported, and the chain
// format stays what the documentation says.
#include "store/event_codec.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "engine/sha256.h"
#include "gtest/gtest.h"
#include "store/hash_chain.h"

namespace motcua::store {
namespace {

absl::Time At(int64_t unix_micros) { return absl::FromUnixMicros(unix_micros); }

// One body of each event type, with every field set (optional ones too).
std::vector<EventBody> EveryEventType() {
  ReceivedEvent received;
  received.procedure_code = "2.000635";
  received.procedure_effective_from = absl::CivilDay(2025, 7, 1);
  received.agency = "ubnd-phuong-ben-nghe";
  received.field = "ho-tich";
  received.channel = Channel::kPostal;
  received.calendar = "vn-public-sector-0700";
  received.summary = "Trích lục khai sinh";
  received.received_at = At(1757296800123456);
  received.clock_started_at = At(1757296800123456);
  received.due_at = At(1757325600000000);
  received.submission_fingerprint = "ab12";
  received.first_step =
      StepStart{"receipt", "bo-phan-mot-cua", At(1757304000000000)};

  HandedOverEvent handed;
  handed.ended = StepEnd{absl::Seconds(5400), true};
  handed.next = StepStart{"appraisal", "phong-tu-phap", At(1757314800000000)};
  handed.note = "đủ hồ sơ";

  PauseEndedEvent pause;
  pause.reason = PauseReason::kFinancialObligation;
  pause.restarted = true;
  pause.paused = absl::Seconds(7200);
  pause.clock_started_at = At(1757400000000000);
  pause.due_at = At(1757500000000000);
  pause.step_due_at = At(1757450000000000);

  ResolvedEvent resolved;
  resolved.classification = Classification::kLate;
  resolved.ended = StepEnd{absl::Seconds(60), false};
  resolved.result = "issued";

  RejectedEvent rejected;
  rejected.ended = StepEnd{absl::Seconds(1), true};
  rejected.reason = "not eligible";

  WithdrawnEvent withdrawn;
  withdrawn.reason = "applicant asked";  // no open step

  ThresholdReachedEvent reached;
  reached.target = ThresholdTarget::kStep;
  reached.index = 2;
  reached.ladder = "standard";
  reached.kind = ThresholdEvent::kOverdue;
  reached.level = 1;
  reached.notify_roles = {"officer", "unit_head"};
  reached.notify_units = {"van-phong-ubnd"};
  reached.due_at = At(1757700000000000);
  reached.deadline = At(1757700000000000);
  reached.step_id = "appraisal";
  reached.unit = "phong-tu-phap";

  DueTimeChangedEvent changed;
  changed.reason = "calendar vn-public-sector changed";
  changed.old_due_at = At(1757800000000000);
  changed.new_due_at = At(1757900000000000);
  changed.old_step_due_at = At(1757810000000000);
  changed.new_step_due_at = At(1757910000000000);

  return {
      received,
      handed,
      SupplementRequestedEvent{{"ID card copy", "land certificate"}},
      pause,
      FinancialObligationRequestedEvent{"registration fee 500,000 VND"},
      StoppedEvent{"court order"},
      ApologisedEvent{"backlog", At(1757600000000000)},
      resolved,
      ResultReturnedEvent{},
      rejected,
      withdrawn,
      reached,
      changed,
  };
}

TEST(EventCodecTest, EveryEventTypeSurvivesTheRoundTrip) {
  const std::vector<EventBody> bodies = EveryEventType();
  ASSERT_EQ(bodies.size(), std::variant_size_v<EventBody>);
  for (size_t index = 0; index < bodies.size(); ++index) {
    const EventBody& body = bodies[index];
    ASSERT_EQ(body.index(), index) << "one body per type, in order";
    SCOPED_TRACE(EventTypeName(body));
    const std::string bytes = EncodeEventPayload(body, "request-7");
    absl::StatusOr<DecodedPayload> decoded = DecodeEventPayload(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->request_id, "request-7");
    EXPECT_EQ(decoded->body.index(), body.index());
    EXPECT_EQ(EventTypeName(decoded->body), EventTypeName(body));
    // Every field is covered: the decoded body encodes to the same bytes.
    EXPECT_EQ(EncodeEventPayload(decoded->body, "request-7"), bytes);
  }
}

TEST(EventCodecTest, ScheduleSurvivesTheRoundTrip) {
  const Schedule schedule{PendingThreshold{3, At(1757000000000000)},
                          PendingThreshold{0, At(1756000000000000)}};
  const std::string bytes =
      EncodeEventPayload(EveryEventType()[1], "", schedule);
  absl::StatusOr<DecodedPayload> decoded = DecodeEventPayload(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->schedule, schedule);

  // An empty schedule (nothing left to reach) is not an absent one.
  decoded = DecodeEventPayload(
      EncodeEventPayload(EveryEventType()[1], "", Schedule{}));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->schedule, Schedule{});
  decoded = DecodeEventPayload(EncodeEventPayload(EveryEventType()[1], ""));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_FALSE(decoded->schedule.has_value());
}

TEST(EventCodecTest, DecodedFieldsEqualTheOriginals) {
  const std::vector<EventBody> bodies = EveryEventType();

  absl::StatusOr<DecodedPayload> received =
      DecodeEventPayload(EncodeEventPayload(bodies[0], ""));
  ASSERT_TRUE(received.ok());
  const auto& r = std::get<ReceivedEvent>(received->body);
  const auto& original = std::get<ReceivedEvent>(bodies[0]);
  EXPECT_EQ(r.procedure_code, "2.000635");
  EXPECT_EQ(r.procedure_effective_from, absl::CivilDay(2025, 7, 1));
  EXPECT_EQ(r.channel, Channel::kPostal);
  EXPECT_EQ(r.summary, "Trích lục khai sinh");
  EXPECT_EQ(r.received_at, original.received_at);
  EXPECT_EQ(r.due_at, original.due_at);
  ASSERT_TRUE(r.first_step.has_value());
  EXPECT_EQ(r.first_step->unit, "bo-phan-mot-cua");
  EXPECT_EQ(r.first_step->due_at, original.first_step->due_at);
  EXPECT_TRUE(received->request_id.empty());

  absl::StatusOr<DecodedPayload> pause =
      DecodeEventPayload(EncodeEventPayload(bodies[3], ""));
  ASSERT_TRUE(pause.ok());
  const auto& p = std::get<PauseEndedEvent>(pause->body);
  EXPECT_EQ(p.reason, PauseReason::kFinancialObligation);
  EXPECT_TRUE(p.restarted);
  EXPECT_EQ(p.paused, absl::Seconds(7200));
  ASSERT_TRUE(p.step_due_at.has_value());
  EXPECT_EQ(*p.step_due_at, At(1757450000000000));

  absl::StatusOr<DecodedPayload> withdrawn =
      DecodeEventPayload(EncodeEventPayload(bodies[10], ""));
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_FALSE(std::get<WithdrawnEvent>(withdrawn->body).ended.has_value());
}

TEST(EventCodecTest, StorageKeepsMicrosecondsAndWholeSeconds) {
  HandedOverEvent handed;
  handed.ended = StepEnd{absl::Milliseconds(90500), false};
  handed.next = StepStart{"s", "u", At(1) + absl::Nanoseconds(999)};
  absl::StatusOr<DecodedPayload> decoded =
      DecodeEventPayload(EncodeEventPayload(handed, ""));
  ASSERT_TRUE(decoded.ok());
  const auto& body = std::get<HandedOverEvent>(decoded->body);
  EXPECT_EQ(body.ended->used, absl::Seconds(90));
  EXPECT_EQ(body.next.due_at, At(1));
  EXPECT_EQ(ToStoredPrecision(At(5) + absl::Nanoseconds(10)), At(5));
}

TEST(EventCodecTest, DamagedBytesAreDataLoss) {
  EXPECT_EQ(DecodeEventPayload("\xff\xff\xff").status().code(),
            absl::StatusCode::kDataLoss);
  // Parses, but carries no body.
  EXPECT_EQ(DecodeEventPayload("").status().code(),
            absl::StatusCode::kDataLoss);
  // A channel number this build does not know.
  ReceivedEvent received;
  received.procedure_effective_from = absl::CivilDay(2025, 7, 1);
  received.channel = static_cast<Channel>(42);
  EXPECT_EQ(
      DecodeEventPayload(EncodeEventPayload(received, "")).status().code(),
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeDossierSnapshot("\x0a\x05").status().code(),
            absl::StatusCode::kDataLoss);
}

Dossier FullDossier() {
  Dossier dossier;
  dossier.code = "HS-001";
  dossier.version = 7;
  dossier.state = LifecycleState::kResolved;
  dossier.procedure_code = "local.dang-ky-bien-dong-dat-dai";
  dossier.procedure_effective_from = absl::CivilDay(2025, 7, 1);
  dossier.rule_version = "cafe";
  dossier.agency = "so-nong-nghiep-moi-truong";
  dossier.field = "dat-dai";
  dossier.channel = Channel::kOnline;
  dossier.calendar = "vn-public-sector";
  dossier.summary = "biến động";
  dossier.received_at = At(1000000);
  dossier.clock_started_at = At(2000000);
  dossier.submission_fingerprint = "f00d";
  dossier.due_at = At(3000000);
  dossier.apology_appointment = At(4000000);
  StepRecord open;
  open.step_id = "receipt";
  open.unit = "bo-phan-mot-cua";
  open.started_at = At(2000000);
  open.counted_from = At(2500000);
  open.due_at = At(2600000);
  open.paused = absl::Seconds(30);
  open.ended_at = At(2700000);
  open.used = absl::Seconds(600);
  open.late = true;
  open.handed_over_by = "intake";
  dossier.steps = {open, open};
  dossier.steps[1].step_id = "";
  dossier.steps[1].ended_at.reset();
  dossier.paused_since = At(5000000);
  dossier.pause_reason = PauseReason::kStopped;
  dossier.paused_by_reason = {absl::Seconds(1), absl::Seconds(2),
                              absl::Seconds(3)};
  dossier.supplement_missing = {"a", "b"};
  dossier.classification = Classification::kOnTime;
  dossier.resolved_at = At(6000000);
  dossier.returned_at = At(7000000);
  dossier.closed_at = At(8000000);
  dossier.closing_reason = "why";
  dossier.clock_paused = absl::Seconds(90);
  dossier.dossier_watch =
      ThresholdWatch{0b1011, PendingThreshold{2, At(9000000)}};
  dossier.step_watch = ThresholdWatch{0b1, std::nullopt};
  return dossier;
}

TEST(EventCodecTest, DossierSnapshotSurvivesTheRoundTrip) {
  const Dossier original = FullDossier();
  const std::string bytes = EncodeDossierSnapshot(original);
  absl::StatusOr<Dossier> decoded = DecodeDossierSnapshot(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeDossierSnapshot(*decoded), bytes);
  EXPECT_EQ(decoded->code, "HS-001");
  EXPECT_EQ(decoded->version, 7);
  EXPECT_EQ(decoded->state, LifecycleState::kResolved);
  EXPECT_EQ(decoded->procedure_effective_from, absl::CivilDay(2025, 7, 1));
  EXPECT_EQ(decoded->apology_appointment, At(4000000));
  ASSERT_EQ(decoded->steps.size(), 2u);
  EXPECT_EQ(decoded->steps[0].paused, absl::Seconds(30));
  EXPECT_EQ(decoded->steps[0].ended_at, At(2700000));
  EXPECT_TRUE(decoded->steps[0].late);
  EXPECT_FALSE(decoded->steps[1].ended_at.has_value());
  EXPECT_NE(decoded->current_step(), nullptr);
  EXPECT_EQ(decoded->paused_since, At(5000000));
  EXPECT_EQ(decoded->pause_reason, PauseReason::kStopped);
  EXPECT_EQ(decoded->paused_by_reason[2], absl::Seconds(3));
  EXPECT_EQ(decoded->supplement_missing, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(decoded->classification, Classification::kOnTime);
  EXPECT_EQ(decoded->closed_at, At(8000000));
  EXPECT_EQ(decoded->closing_reason, "why");

  // Absent optionals stay absent.
  Dossier bare;
  bare.code = "HS-002";
  absl::StatusOr<Dossier> bare_decoded =
      DecodeDossierSnapshot(EncodeDossierSnapshot(bare));
  ASSERT_TRUE(bare_decoded.ok()) << bare_decoded.status();
  EXPECT_FALSE(bare_decoded->apology_appointment.has_value());
  EXPECT_FALSE(bare_decoded->paused_since.has_value());
  EXPECT_FALSE(bare_decoded->resolved_at.has_value());
}

TEST(EventCodecTest, EncodingIsDeterministic) {
  for (const EventBody& body : EveryEventType()) {
    EXPECT_EQ(EncodeEventPayload(body, "r"), EncodeEventPayload(body, "r"));
  }
  EXPECT_EQ(EncodeDossierSnapshot(FullDossier()),
            EncodeDossierSnapshot(FullDossier()));
}

TEST(EventCodecTest, RequestOutcomeSurvivesTheRoundTrip) {
  absl::StatusOr<RequestRecord> record = DecodeRequestOutcome(
      EncodeRequestOutcome(RequestRecord{"HS-9", 4, 1234, ""}));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->dossier_code, "HS-9");
  EXPECT_EQ(record->dossier_version, 4);
  EXPECT_EQ(record->last_sequence, 1234);
}

TEST(EventCodecTest, TheCommandFingerprintTravelsInThePayload) {
  const std::string fingerprint(32, '\x5a');
  absl::StatusOr<DecodedPayload> decoded =
      DecodeEventPayload(EncodeEventPayload(EveryEventType()[1], "r-1",
                                            std::nullopt, fingerprint));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->request_id, "r-1");
  EXPECT_EQ(decoded->command_fingerprint, fingerprint);
  // Payloads written before fingerprints were kept decode without one, and
  // encode to the same bytes as before (the hash chain covers them).
  decoded = DecodeEventPayload(EncodeEventPayload(EveryEventType()[1], "r-1"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->command_fingerprint, "");
}

// The chain's layout is a stored format: this pins it. If this test fails,
// every existing log would fail verification.
TEST(HashChainTest, CanonicalBytesAreLengthPrefixedFields) {
  ChainedFields fields;
  fields.sequence = 1;
  fields.dossier_code = "D";
  fields.dossier_version = 2;
  fields.type = "received";
  fields.occurred_at_micros = 3;
  fields.recorded_at_micros = 4;
  fields.actor = "a";
  fields.rule_version = "";
  fields.payload = "p";
  std::string bytes;
  AppendCanonicalBytes(fields, bytes);
  const std::string expected = absl::HexStringToBytes(
      "0000000000000008"
      "0000000000000001"
      "0000000000000001"
      "44"
      "0000000000000008"
      "0000000000000002"
      "0000000000000008"
      "7265636569766564"
      "0000000000000008"
      "0000000000000003"
      "0000000000000008"
      "0000000000000004"
      "0000000000000001"
      "61"
      "0000000000000000"
      "0000000000000001"
      "70");
  EXPECT_EQ(absl::BytesToHexString(bytes), absl::BytesToHexString(expected));

  std::string scratch;
  const std::string hash = ChainHash(GenesisHash(), fields, scratch);
  const Sha256Digest digest = Sha256Of(GenesisHash() + expected);
  EXPECT_EQ(hash, std::string(digest.begin(), digest.end()));
  EXPECT_EQ(hash.size(), kHashSize);
}

}  // namespace
}  // namespace motcua::store
