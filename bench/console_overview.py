#!/usr/bin/python3
"""The console's overview page on a filled store: the requests the page makes
(services/console/assets/app.js, views.overview), timed over HTTP.

    console_overview.py --console http://127.0.0.1:8080 --token-file DIR/dev-token

Signs in with the token (a token of every agency, as the filled store's
development token is), then loads the overview --loads times as a browser
does: every request of the page at once, six connections at a time
(HTTP/1.1), timed until the last answer. Prints the median and p90 of the
whole load and the median of each kind of request, as JSON.
"""
import argparse
import concurrent.futures
import json
import statistics
import time
import urllib.request


def get(console, path, token):
    request = urllib.request.Request(
        console + path, headers={"Authorization": "Bearer " + token})
    begun = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    return time.perf_counter() - begun


def overview_requests(session):
    """The page's requests for a principal of every agency (agency "")."""
    today = session["now"][:10]
    year, month = int(today[:4]), int(today[5:7])
    requests = [("overdue-counts", "/api/v1/overdue-counts"),
                ("due-soon", f"/api/v1/due-soon?within={session['working_day_seconds']}s&page_size=100")]
    report = "/api/v1/report?group_by=GROUP_BY_AGENCY&count_at=COUNT_AT_RESOLUTION"
    for i in range(12):
        last = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        first_day = f"{year}-{month:02d}-01"
        last_day = today if i == 0 else f"{year}-{month:02d}-{last}"
        requests.append(("report-month", f"{report}&from_day={first_day}&to_day={last_day}"))
        month -= 1
        if month == 0:
            month, year = 12, year - 1
    requests.append(("report-today", f"{report}&from_day={today}&to_day={today}"))
    return requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--console", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--loads", type=int, default=21)
    args = parser.parse_args()
    token = open(args.token_file).read().strip()
    session = json.loads(urllib.request.urlopen(urllib.request.Request(
        args.console + "/api/v1/session",
        headers={"Authorization": "Bearer " + token}), timeout=60).read())
    requests = overview_requests(session)
    get(args.console, requests[0][1], token)  # warm up
    loads, per_kind = [], {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(args.loads):
            begun = time.perf_counter()
            futures = [(kind, pool.submit(get, args.console, path, token))
                       for kind, path in requests]
            for kind, future in futures:
                per_kind.setdefault(kind, []).append(future.result())
            loads.append(time.perf_counter() - begun)
    loads.sort()
    print(json.dumps({
        "requests_per_load": len(requests),
        "loads": len(loads),
        "load_median_ms": round(statistics.median(loads) * 1000, 1),
        "load_p90_ms": round(loads[int(0.9 * (len(loads) - 1))] * 1000, 1),
        "request_median_ms": {kind: round(statistics.median(times) * 1000, 1)
                              for kind, times in per_kind.items()},
    }, indent=2))


if __name__ == "__main__":
    main()
