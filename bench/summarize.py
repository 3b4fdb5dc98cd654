#!/usr/bin/env python3
"""Summarises one run of bench/run.sh: the medians over the load runs, the
ratios to the ceilings of the same run, and each target met or missed.

Usage: summarize.py RESULTS_DIR REPEAT  (prints Markdown)
"""
import json
import os
import statistics
import sys


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.loads(f.readline())


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "not measured"
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "MISSED"


def main():
    directory, repeat = sys.argv[1], int(sys.argv[2])
    runs = [load(directory, f"load-{i}.json") for i in range(1, repeat + 1)]
    runs = [r for r in runs if r is not None]
    out = []
    out.append("# Benchmark summary\n")
    out.append(f"Medians over {len(runs)} load runs of this run.\n")

    out.append("## Durable commands (durability full: the WAL synced before each answer)\n")
    if runs:
        in_flight = runs[0]["in_flight"]
        target = [r["target"]["overall"] for r in runs]
        ceiling = [r["ceiling"]["overall"] for r in runs]
        ratio = [r.get("ratio_to_ceiling") for r in runs]
        rate = median([t["per_second"] for t in target])
        p99 = median([t["p99_ms"] for t in target])
        out.append("| figure | runs | median |")
        out.append("| --- | --- | --- |")
        out.append("| motcuad commands/s, %d in flight | %s | %.0f |" % (
            in_flight, ", ".join("%.0f" % t["per_second"] for t in target),
            rate))
        for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms"):
            out.append("| motcuad %s | %s | %.2f |" % (
                key, ", ".join("%.2f" % t[key] for t in target),
                median([t[key] for t in target])))
        out.append("| transport ceiling commands/s | %s | %.0f |" % (
            ", ".join("%.0f" % c["per_second"] for c in ceiling),
            median([c["per_second"] for c in ceiling])))
        out.append("| transport ceiling p99_ms | %s | %.2f |" % (
            ", ".join("%.2f" % c["p99_ms"] for c in ceiling),
            median([c["p99_ms"] for c in ceiling])))
        out.append("| motcuad / transport ceiling | %s | %.3f |" % (
            ", ".join("%.3f" % r for r in ratio if r is not None),
            median(ratio)))
        out.append("")
        out.append("Per kind (median over runs):\n")
        out.append("| kind | commands/s | p50 ms | p99 ms | request B | reply B |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for kind in runs[0]["target"]["kinds"]:
            each = [r["target"]["kinds"][kind] for r in runs]
            out.append("| %s | %.0f | %.2f | %.2f | %.0f | %.0f |" % (
                kind, median([e["per_second"] for e in each]),
                median([e["p50_ms"] for e in each]),
                median([e["p99_ms"] for e in each]),
                median([e["request_bytes"] for e in each]),
                median([e["reply_bytes"] for e in each])))
        out.append("")
        out.append("- >= 15,000/s at %d in flight: %s" % (
            in_flight, verdict(rate, 15000)))
        out.append("- p99 <= 20 ms: %s" % verdict(p99, 20, False))
        out.append("- >= 0.4 of the transport ceiling: %s" %
                   verdict(median(ratio), 0.4))
        out.append("")

    # The group commit's batch as observed under perf: commands per
    # fdatasync of motcuad's WAL (checkpoints add a few syncs: an
    # underestimate).
    perf_run = load(directory, "load-perf.json")
    syscalls = os.path.join(directory, "motcuad.syscalls.txt")
    if perf_run and os.path.exists(syscalls):
        counts, elapsed = {}, None
        with open(syscalls) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[1].startswith("syscalls:"):
                    counts[parts[1]] = float(parts[0].replace(",", ""))
                elif "seconds time elapsed" in line:
                    elapsed = float(parts[0])
        syncs = counts.get("syscalls:sys_enter_fdatasync")
        writes = counts.get("syscalls:sys_enter_pwrite64")
        rate = perf_run["target"]["overall"]["per_second"]
        if syncs and elapsed:
            commands = rate * elapsed
            out.append("Under perf: %.0f commands/s; %.0f fdatasync/s, about "
                       "%.0f commands per commit; %.0f pwrite calls per "
                       "command.\n" % (rate, syncs / elapsed, commands / syncs,
                                       (writes or 0) / max(commands, 1)))

    store = load(directory, "store_load.json")
    if store:
        out.append("Store only (EventStore, no gRPC): %.0f commands/s, p50 "
                   "%.2f ms, p99 %.2f ms.\n" % (
                       store["per_second"], store["p50_ms"], store["p99_ms"]))
    sqlite = load(directory, "sqlite_ceiling.json")
    if sqlite:
        out.append("## Storage ceiling (raw SQLite, WAL, synchronous=%s, "
                   "%d-byte rows)\n" % (sqlite["synchronous"],
                                        sqlite["row_bytes"]))
        sync = sqlite.get("disk_write_fdatasync")
        if sync:
            out.append("Disk 4 KiB write+fdatasync: p50 %.2f ms, p99 %.2f "
                       "ms.\n" % (sync["p50_ms"], sync["p99_ms"]))
        out.append("| batch | rows/s | commit p50 ms | commit p99 ms |")
        out.append("| --- | --- | --- | --- |")
        for b in sqlite["batches"]:
            out.append("| %d | %.0f | %.2f | %.2f |" % (
                b["batch"], b["rows_per_second"], b["p50_ms"], b["p99_ms"]))
        out.append("")

    fill = load(directory, "fill.json")
    if fill:
        out.append("## Filled store\n")
        out.append("%d dossiers, %d events in %.1f s: %.0f dossiers/s, %.0f "
                   "events/s; %d past due now; %.0f MiB.\n" % (
                       fill["dossiers"], fill["events"], fill["seconds"],
                       fill["dossiers_per_second"], fill["events_per_second"],
                       fill["overdue_now"], fill["file_bytes"] / 1048576))
    query = load(directory, "query.json")
    if query:
        out.append("## Supervision reads through gRPC\n")
        out.append("| query | p50 ms | p99 ms | max ms | rows |")
        out.append("| --- | --- | --- | --- | --- |")
        for name, q in query["queries"].items():
            out.append("| %s | %.3f | %.3f | %.3f | %.1f |" % (
                name, q["p50_ms"], q["p99_ms"], q["max_ms"], q["mean_rows"]))
        first = query["queries"].get("list_overdue_first_page_agency")
        if first:
            out.append("\n- ListOverdue first page with a filter, p99 <= 2 "
                       "ms: %s" % verdict(first["p99_ms"], 2, False))
        for name in ("count_overdue_one_agency", "count_overdue_all_agencies"):
            count = query["queries"].get(name)
            if count:
                out.append("- overdue counts (%s), p99 <= 1 ms: %s" % (
                    name, verdict(count["p99_ms"], 1, False)))
        out.append("")
    server = load(directory, "server.json")
    if server:
        out.append("## motcuad on the filled store (%d dossiers)\n" %
                   server["dossiers"])
        out.append("- start-up to serving: %.2f s: <= 3 s %s" % (
            server["startup_seconds"],
            verdict(server["startup_seconds"], 3, False)))
        out.append("- resident memory after the reads: %.0f MiB (peak %.0f "
                   "MiB): <= 512 MiB %s\n" % (
                       server["rss_mib"], server["peak_rss_mib"],
                       verdict(server["peak_rss_mib"], 512, False)))
    audit = load(directory, "audit.json")
    if audit:
        out.append("## Audit\n")
        counts = audit.get("overdue_counts_per_agency")
        if counts:
            out.append("- overdue counts per agency (store): p50 %.3f ms, "
                       "p99 %.3f ms" % (counts["p50_ms"], counts["p99_ms"]))
        verify = audit.get("verify")
        if verify:
            out.append("- verify: %.0f events/s (%d events): >= 1M/s %s" % (
                verify["events_per_second"], verify["events"],
                verdict(verify["events_per_second"], 1e6)))
        replay = audit.get("replay")
        if replay:
            out.append("- replay: %.0f events/s (%d events, %d differences):"
                       " >= 300k/s %s" % (
                           replay["events_per_second"], replay["events"],
                           replay["differences"],
                           verdict(replay["events_per_second"], 3e5)))
    burst = load(directory, "tet_burst.json")
    if burst:
        out.append("\n## The morning after Tết\n")
        commands = burst["commands"]
        out.append("- %d thresholds due at one instant recorded durably in "
                   "%.2f s (%.0f/s; a million: %.1f s): within 10 s for a "
                   "million %s" % (
                       burst["thresholds"], burst["burst_seconds"],
                       burst["thresholds_per_second"],
                       burst["million_seconds"],
                       verdict(burst["million_seconds"], 10, False)))
        out.append("- commands meanwhile (%d at %.0f/s): p50 %.3f ms, p99 "
                   "%.3f ms: p99 < 100 ms %s" % (
                       commands["count"], burst["command_rate"],
                       commands["p50_ms"], commands["p99_ms"],
                       verdict(commands["p99_ms"], 100, False)))
    print("\n".join(out))


if __name__ == "__main__":
    main()
