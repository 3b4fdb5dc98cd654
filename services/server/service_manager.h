#ifndef MOTCUA_SERVICES_SERVER_SERVICE_MANAGER_H_
#define MOTCUA_SERVICES_SERVER_SERVICE_MANAGER_H_

#include <functional>

#include "absl/time/time.h"

namespace motcua::server {

// What motcuad tells systemd (sd_notify(3)) when it runs as a Type=notify
// service: READY=1 once it serves, RELOADING=1 and READY=1 around a rules
// reload, STOPPING=1, and WATCHDOG=1 pings while it is healthy. Outside
// systemd (no NOTIFY_SOCKET) every call does nothing.
class ServiceManager {
 public:
  ServiceManager();

  void Ready() const;
  void Reloading() const;
  void Stopping() const;

  // How often to ping the watchdog: half of WatchdogSec, or
  // absl::InfiniteDuration() when the unit sets none.
  absl::Duration watchdog_interval() const { return watchdog_interval_; }
  // Pings the watchdog when `healthy()` answers true. A motcuad whose reads
  // hang (a deadlock, a disk that stopped answering) misses its pings and
  // systemd restarts it.
  void PingWatchdog(const std::function<bool()>& healthy) const;

 private:
  absl::Duration watchdog_interval_ = absl::InfiniteDuration();
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_SERVICE_MANAGER_H_
