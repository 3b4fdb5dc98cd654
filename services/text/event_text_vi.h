#ifndef MOTCUA_SERVICES_TEXT_EVENT_TEXT_VI_H_
#define MOTCUA_SERVICES_TEXT_EVENT_TEXT_VI_H_

#include <string>

#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/events.h"

namespace motcua::text {

// DescribeEvent (dossier_text.h) in Vietnamese, for the people the console
// serves: times as people write them here ("16/07/2025 09:00"), working
// time in hours and minutes ("2 giờ 05 phút"), the channel, pause reason
// and classification in words; codes, units and reasons as entered.
// ("chuyển cho phong-tu-phap (bước appraisal), hạn 16/07/2025 09:00; bước
// trước đã dùng 2 giờ 00 phút, trễ hạn").
std::string DescribeEventVi(const Event& event, absl::TimeZone zone);

}  // namespace motcua::text

#endif  // MOTCUA_SERVICES_TEXT_EVENT_TEXT_VI_H_
