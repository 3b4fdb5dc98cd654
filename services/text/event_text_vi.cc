#include "services/text/event_text_vi.h"

#include <optional>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/rules.h"

namespace motcua::text {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

absl::string_view ChannelVi(Channel channel) {
  switch (channel) {
    case Channel::kInPerson:
      return "trực tiếp";
    case Channel::kOnline:
      return "trực tuyến";
    case Channel::kPostal:
      return "qua bưu chính công ích";
  }
  return "";
}

absl::string_view PauseVi(PauseReason reason) {
  switch (reason) {
    case PauseReason::kSupplement:
      return "chờ bổ sung hồ sơ";
    case PauseReason::kFinancialObligation:
      return "chờ thực hiện nghĩa vụ tài chính";
    case PauseReason::kStopped:
      return "dừng xử lý";
  }
  return "";
}

absl::string_view ClassificationVi(Classification classification) {
  switch (classification) {
    case Classification::kEarly:
      return "trước hạn";
    case Classification::kOnTime:
      return "đúng hạn";
    case Classification::kLate:
      return "quá hạn";
    case Classification::kUnclassified:
      break;
  }
  return "chưa phân loại";
}

absl::string_view ThresholdVi(ThresholdEvent kind) {
  switch (kind) {
    case ThresholdEvent::kDeadlineApproaching:
      return "sắp đến hạn";
    case ThresholdEvent::kOverdue:
      return "quá hạn";
    case ThresholdEvent::kEscalated:
      return "báo cáo cấp trên";
  }
  return "";
}

// Working time as hours and minutes ("26 giờ 05 phút"): the length of a
// working day is the calendar's, which a text of one event does not know.
std::string WorkingVi(absl::Duration duration) {
  const int64_t minutes = absl::ToInt64Minutes(duration);
  return absl::StrFormat("%d giờ %02d phút", minutes / 60, minutes % 60);
}

std::string StepEndVi(const std::optional<StepEnd>& end) {
  if (!end.has_value()) return "";
  return absl::StrCat("; bước trước đã dùng ", WorkingVi(end->used),
                      end->late ? ", trễ hạn" : ", trong hạn");
}

}  // namespace

std::string DescribeEventVi(const Event& event, absl::TimeZone zone) {
  auto time = [&](absl::Time t) {
    return absl::FormatTime("%d/%m/%Y %H:%M", t, zone);
  };
  auto day = [](absl::CivilDay d) {
    return absl::StrFormat("%02d/%02d/%04d", d.day(), d.month(), d.year());
  };
  return std::visit(
      Overloaded{
          [&](const ReceivedEvent& e) {
            std::string text = absl::StrCat(
                "tiếp nhận (", ChannelVi(e.channel), ") thủ tục ",
                e.procedure_code, " (áp dụng từ ",
                day(e.procedure_effective_from), ") tại ", e.agency,
                "; tính thời hạn từ ", time(e.clock_started_at), ", hẹn trả ",
                time(e.due_at));
            if (e.first_step.has_value()) {
              absl::StrAppend(&text, "; bước ", e.first_step->step_id, " do ",
                              e.first_step->unit, " xử lý, hạn ",
                              time(e.first_step->due_at));
            }
            if (e.entered_late.has_value()) {
              absl::StrAppend(&text, "; nhận lúc ", time(e.received_at),
                              ", nhập muộn bởi ", e.entered_late->by, " lúc ",
                              time(e.entered_late->recorded_at), ": ",
                              e.entered_late->reason);
            }
            return text;
          },
          [&](const HandedOverEvent& e) {
            return absl::StrCat(
                "chuyển cho ", e.next.unit,
                e.next.step_id.empty()
                    ? ""
                    : absl::StrCat(" (bước ", e.next.step_id, ")"),
                ", hạn ", time(e.next.due_at), StepEndVi(e.ended),
                e.note.empty() ? "" : absl::StrCat("; ghi chú: ", e.note));
          },
          [&](const SupplementRequestedEvent& e) {
            return absl::StrCat(
                "yêu cầu bổ sung, tạm dừng tính thời hạn; còn thiếu: ",
                absl::StrJoin(e.missing, ", "));
          },
          [&](const PauseEndedEvent& e) {
            return absl::StrCat(
                "hết tạm dừng (", PauseVi(e.reason), ") sau ",
                WorkingVi(e.paused), " thời gian làm việc; ",
                e.restarted ? absl::StrCat("tính lại thời hạn từ ",
                                           time(e.clock_started_at), ", ")
                            : "",
                "hẹn trả ", time(e.due_at),
                e.step_due_at.has_value()
                    ? absl::StrCat(", hạn bước ", time(*e.step_due_at))
                    : "");
          },
          [&](const FinancialObligationRequestedEvent& e) {
            return absl::StrCat(
                "yêu cầu thực hiện nghĩa vụ tài chính, tạm dừng tính thời "
                "hạn: ",
                e.description);
          },
          [&](const StoppedEvent& e) {
            return absl::StrCat("dừng xử lý, tạm dừng tính thời hạn: ",
                                e.reason);
          },
          [&](const ApologisedEvent& e) {
            return absl::StrCat("xin lỗi, hẹn lại ngày trả ",
                                time(e.new_appointment), ": ", e.reason);
          },
          [&](const ResolvedEvent& e) {
            return absl::StrCat("có kết quả, ",
                                ClassificationVi(e.classification),
                                StepEndVi(e.ended));
          },
          [&](const ResultReturnedEvent&) {
            return std::string("đã trả kết quả cho người nộp");
          },
          [&](const RejectedEvent& e) {
            return absl::StrCat("không đủ điều kiện giải quyết: ", e.reason,
                                StepEndVi(e.ended));
          },
          [&](const WithdrawnEvent& e) {
            return absl::StrCat("rút hồ sơ: ", e.reason, StepEndVi(e.ended));
          },
          [&](const ThresholdReachedEvent& e) {
            std::string text = absl::StrCat(
                e.target == ThresholdTarget::kStep &&
                        e.kind == ThresholdEvent::kOverdue
                    ? "bước xử lý quá hạn"
                    : ThresholdVi(e.kind),
                " (",
                e.target == ThresholdTarget::kStep
                    ? absl::StrCat("bước ", e.step_id.empty() ? "-" : e.step_id)
                    : std::string("hồ sơ"),
                ", mức ", e.level, ") lúc ", time(e.due_at), " so với hạn ",
                time(e.deadline));
            if (!e.unit.empty()) absl::StrAppend(&text, "; đang ở ", e.unit);
            std::vector<std::string> notified = e.notify_roles;
            notified.insert(notified.end(), e.notify_units.begin(),
                            e.notify_units.end());
            if (!notified.empty()) {
              absl::StrAppend(&text, "; thông báo ",
                              absl::StrJoin(notified, ", "));
            }
            return text;
          },
          [&](const DueTimeChangedEvent& e) {
            std::string text =
                absl::StrCat("đổi hẹn trả từ ", time(e.old_due_at), " sang ",
                             time(e.new_due_at));
            if (e.old_step_due_at.has_value() &&
                e.new_step_due_at.has_value()) {
              absl::StrAppend(&text, "; hạn bước từ ", time(*e.old_step_due_at),
                              " sang ", time(*e.new_step_due_at));
            }
            return absl::StrCat(text, ": ", e.reason);
          },
      },
      event.body);
}

}  // namespace motcua::text
