#include "services/server/write_health.h"

#include <spdlog/spdlog.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace motcua::server {

void WriteHealth::Observe(const store::BatchResult& result) {
  bool changed = false;
  bool serving = true;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    if (result.storage_full > 0) {
      storage_full_.fetch_add(result.storage_full);
      last_failure_ = result.storage_full_status;
      refused_while_failing_ += result.storage_full;
      const std::string cause(result.storage_full_status.message());
      if (!failing_) {
        failing_ = true;
        failing_since_ = now;
        changed = true;
        serving = false;
        last_logged_ = now;
        unlogged_ = 0;
        spdlog::error(
            "writes failing: the disk is full; {} command(s) refused "
            "UNAVAILABLE, and every command will be until there is room "
            "(health: NOT_SERVING for writes; reads are served): {}",
            result.storage_full, cause);
      } else {
        unlogged_ += result.storage_full;
        if (now - last_logged_ >= kLogInterval) {
          spdlog::error(
              "writes still failing: the disk is full; {} more command(s) "
              "refused in the last {} ({} since {}): {}",
              unlogged_, absl::FormatDuration(now - last_logged_),
              refused_while_failing_,
              absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", failing_since_,
                               absl::UTCTimeZone()),
              cause);
          last_logged_ = now;
          unlogged_ = 0;
        }
      }
    } else if (result.wrote && failing_) {
      failing_ = false;
      changed = true;
      serving = true;
      spdlog::warn(
          "writes succeed again after {} with the disk full; {} command(s) "
          "were refused meanwhile (health: SERVING)",
          absl::FormatDuration(now - failing_since_), refused_while_failing_);
      refused_while_failing_ = 0;
      unlogged_ = 0;
    }
  }
  if (changed && on_change_) on_change_(serving);
}

absl::Status WriteHealth::Status() const {
  absl::MutexLock lock(&mu_);
  if (!failing_) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "writes failing since ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", failing_since_,
                       absl::UTCTimeZone()),
      ": the disk is full (", last_failure_.message(), "); ",
      refused_while_failing_, " command(s) refused; reads are served"));
}

}  // namespace motcua::server
