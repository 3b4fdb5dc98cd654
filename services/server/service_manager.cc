#include "services/server/service_manager.h"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace motcua::server {

ServiceManager::ServiceManager() {
  uint64_t microseconds = 0;
  // 0: keep WATCHDOG_USEC in the environment (the value does not change).
  if (sd_watchdog_enabled(0, &microseconds) > 0 && microseconds > 0) {
    watchdog_interval_ = absl::Microseconds(microseconds) / 2;
  }
}

void ServiceManager::Ready() const { sd_notify(0, "READY=1"); }

void ServiceManager::Reloading() const { sd_notify(0, "RELOADING=1"); }

void ServiceManager::Stopping() const { sd_notify(0, "STOPPING=1"); }

void ServiceManager::PingWatchdog(const std::function<bool()>& healthy) const {
  if (watchdog_interval_ == absl::InfiniteDuration()) return;
  if (healthy()) sd_notify(0, "WATCHDOG=1");
}

}  // namespace motcua::server
