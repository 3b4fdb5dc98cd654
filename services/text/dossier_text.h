#ifndef MOTCUA_SERVICES_TEXT_DOSSIER_TEXT_H_
#define MOTCUA_SERVICES_TEXT_DOSSIER_TEXT_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"

namespace motcua::text {

// Human-readable and JSON renderings of dossiers and events, shared by the
// command-line client and the daemon (event descriptions in the API). Pure
// formatting: no rules, no clock.

// The zone times are shown in when the caller has no better one: UTC+07:00,
// Vietnam's offset (no daylight saving).
absl::TimeZone DisplayZone();

// One line: what the event decided ("handed over to phong-tu-phap (step
// appraisal, due 2025-07-16T09:00:00+07:00); step receipt used 2h00m, late").
std::string DescribeEvent(const Event& event, absl::TimeZone zone);

// The dossier with its control sheet and pause accounting, as JSON (the
// offline audit commands'; for people, cli::PrintDossier prints the API's
// dossier, into which the engine's converts).
nlohmann::ordered_json DossierJson(const Dossier& dossier, absl::TimeZone zone);

}  // namespace motcua::text

#endif  // MOTCUA_SERVICES_TEXT_DOSSIER_TEXT_H_
