#include "services/metrics/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace motcua::metrics {

void LatencyHistogram::Observe(absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  size_t bucket = 0;
  while (bucket < bounds_.size() && seconds > bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Microseconds(latency)),
      std::memory_order_relaxed);
}

void LatencyHistogram::Render(const std::string& name, const std::string& help,
                              std::string& out) const {
  AppendHeader(name, help, "histogram", out);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    AppendSample(name + "_bucket", absl::StrFormat("le=\"%g\"", bounds_[i]),
                 static_cast<double>(cumulative), out);
  }
  cumulative += buckets_[bounds_.size()].load(std::memory_order_relaxed);
  AppendSample(name + "_bucket", "le=\"+Inf\"", static_cast<double>(cumulative),
               out);
  AppendSample(name + "_sum", "",
               sum_micros_.load(std::memory_order_relaxed) / 1e6, out);
  AppendSample(name + "_count", "",
               static_cast<double>(count_.load(std::memory_order_relaxed)),
               out);
}

std::string RenderPrometheus(const ServerMetrics& counters,
                             const Snapshot& snapshot) {
  std::string out;
  AppendHeader("motcua_dossiers", "Dossiers per agency and lifecycle state.",
               "gauge", out);
  for (const Snapshot::StateCount& count : snapshot.dossiers) {
    AppendSample("motcua_dossiers",
                 absl::StrCat("agency=\"", EscapeLabel(count.agency),
                              "\",state=\"", count.state, "\""),
                 static_cast<double>(count.count), out);
  }
  AppendHeader("motcua_overdue_dossiers",
               "Running dossiers past their due time, per agency.", "gauge",
               out);
  for (const Snapshot::AgencyCount& count : snapshot.overdue_dossiers) {
    AppendSample("motcua_overdue_dossiers",
                 absl::StrCat("agency=\"", EscapeLabel(count.agency), "\""),
                 static_cast<double>(count.count), out);
  }
  AppendHeader("motcua_commands_total",
               "Commands answered, by outcome (queue_full: refused before "
               "queuing).",
               "counter", out);
  AppendSample("motcua_commands_total", "outcome=\"accepted\"",
               static_cast<double>(counters.commands_accepted.load()), out);
  AppendSample("motcua_commands_total", "outcome=\"refused\"",
               static_cast<double>(counters.commands_refused.load()), out);
  AppendSample(
      "motcua_commands_total", "outcome=\"queue_full\"",
      static_cast<double>(counters.commands_rejected_queue_full.load()), out);
  counters.command_latency.Render(
      "motcua_command_latency_seconds",
      "Time from a command's arrival to its answer (after the commit).", out);
  AppendSingle("motcua_commit_batches_total",
               "Transactions committed by the writer; commands per batch is "
               "motcua_committed_commands_total / this.",
               "counter", static_cast<double>(snapshot.commit_batches), out);
  AppendSingle("motcua_committed_commands_total",
               "Commands decided in committed batches.", "counter",
               static_cast<double>(snapshot.committed_commands), out);
  AppendSingle("motcua_appended_events_total", "Events appended to the log.",
               "counter", static_cast<double>(snapshot.appended_events), out);
  AppendHeader("motcua_store_write_failures_total",
               "Commands the store could not record, by reason (disk_full: "
               "no room on the disk, in the quota or under the file size "
               "limit; each was refused UNAVAILABLE).",
               "counter", out);
  AppendSample("motcua_store_write_failures_total", "reason=\"disk_full\"",
               static_cast<double>(snapshot.storage_full_commands), out);
  AppendSingle("motcua_store_writable",
               "1 while commands are recorded; 0 while the disk is full "
               "(until a write succeeds again).",
               "gauge", snapshot.store_writable ? 1 : 0, out);
  AppendSingle("motcua_thresholds_reached_total",
               "Escalation thresholds the deadline scheduler recorded.",
               "counter",
               static_cast<double>(counters.thresholds_reached.load()), out);
  counters.scheduler_lag.Render(
      "motcua_scheduler_lag_seconds",
      "From the instant a threshold fell due to the instant it was recorded "
      "(hours after a downtime).",
      out);
  AppendSingle("motcua_scheduler_failures_total",
               "Deadline scheduler commands that were refused or not "
               "committed (retried at its next pass).",
               "counter",
               static_cast<double>(counters.scheduler_failures.load()), out);
  AppendSingle("motcua_due_times_changed_total",
               "Due-time-changed events recorded after rules changed.",
               "counter",
               static_cast<double>(counters.due_times_changed.load()), out);
  AppendSingle("motcua_watch_subscribers", "Open WatchEvents streams.", "gauge",
               static_cast<double>(counters.watch_subscribers.load()), out);
  AppendSingle("motcua_slow_subscribers_ended_total",
               "WatchEvents streams ended because the subscriber left an "
               "event untaken for slow_subscriber_timeout.",
               "counter",
               static_cast<double>(counters.slow_subscribers_ended.load()),
               out);
  AppendSingle("motcua_commands_forwarded_total",
               "Commands this server sent on to the leader (it does not hold "
               "the leader lease).",
               "counter",
               static_cast<double>(counters.commands_forwarded.load()), out);
  if (counters.leader_epoch.load() >= 0) {
    AppendSingle("motcua_leader",
                 "1 while this server holds the leader lease and writes; 0 "
                 "while it follows.",
                 "gauge", static_cast<double>(counters.leader.load()), out);
    AppendSingle("motcua_leader_epoch",
                 "The leader lease's epoch as this server last saw it (one "
                 "more with each failover).",
                 "gauge", static_cast<double>(counters.leader_epoch.load()),
                 out);
  }
  AppendSingle("motcua_log_head_sequence", "The last sequence of the log.",
               "gauge", static_cast<double>(snapshot.log_head_sequence), out);
  AppendSingle("motcua_checkpoint_sequence",
               "The last sequence covered by the newest signed checkpoint "
               "(0 when none).",
               "gauge", static_cast<double>(snapshot.checkpoint_sequence), out);
  AppendSingle("motcua_checkpoint_time_seconds",
               "When the newest checkpoint was signed, Unix seconds (0 when "
               "none).",
               "gauge", static_cast<double>(snapshot.checkpoint_time_seconds),
               out);
  AppendSingle("motcua_log_damaged",
               "1 when the log's tail did not verify at start: commands are "
               "refused.",
               "gauge", snapshot.log_damaged ? 1.0 : 0.0, out);
  if (snapshot.postgres_replica) {
    AppendSingle("motcua_postgres_replica_up",
                 "1 when the hot standby of postgres_read_url and the primary "
                 "answered the lag's measure at this scrape.",
                 "gauge", snapshot.replica_up ? 1.0 : 0.0, out);
    if (snapshot.replica_up) {
      AppendSingle("motcua_postgres_replica_lag_bytes",
                   "WAL the primary has written that the standby has not "
                   "replayed.",
                   "gauge", static_cast<double>(snapshot.replica_lag_bytes),
                   out);
      AppendSingle("motcua_postgres_replica_lag_seconds",
                   "0 when the standby has replayed all the primary's WAL; "
                   "else the age of the last transaction it replayed.",
                   "gauge", snapshot.replica_lag_seconds, out);
    }
  }
  AppendHeader("motcua_webhook_backlog",
               "Sequences of the log a webhook has not yet had acknowledged "
               "(head minus its position; filtered-out events count until "
               "passed).",
               "gauge", out);
  for (const Snapshot::Webhook& webhook : snapshot.webhooks) {
    AppendSample("motcua_webhook_backlog",
                 absl::StrCat("webhook=\"", EscapeLabel(webhook.name), "\""),
                 static_cast<double>(webhook.backlog), out);
  }
  AppendHeader("motcua_webhook_failures_total",
               "POSTs to a webhook that were not acknowledged with a 2xx "
               "answer (each is retried).",
               "counter", out);
  for (const Snapshot::Webhook& webhook : snapshot.webhooks) {
    AppendSample("motcua_webhook_failures_total",
                 absl::StrCat("webhook=\"", EscapeLabel(webhook.name), "\""),
                 static_cast<double>(webhook.failures), out);
  }
  return out;
}

void AppendSample(const std::string& name, const std::string& labels,
                  double value, std::string& out) {
  absl::StrAppend(&out, name);
  if (!labels.empty()) absl::StrAppend(&out, "{", labels, "}");
  absl::StrAppend(&out, " ", absl::StrFormat("%.17g", value), "\n");
}

void AppendSingle(const std::string& name, const std::string& help,
                  const std::string& type, double value, std::string& out) {
  AppendHeader(name, help, type, out);
  AppendSample(name, "", value, out);
}

void AppendHeader(const std::string& name, const std::string& help,
                  const std::string& type, std::string& out) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                  type, "\n");
}

std::string EscapeLabel(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped.push_back('\\');
      escaped.push_back(c);
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

}  // namespace motcua::metrics
