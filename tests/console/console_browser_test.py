#!/usr/bin/python3
"""The console in a real browser: Debian's chromium and chromedriver, driven
by python3-selenium, headless, against motcuad started on a seeded database.

A supervisor of one agency signs in; the overdue list shows exactly the
dossiers the JSON API lists as overdue for that agency and none of another;
a dossier opens with its control sheet; the report downloads as CSV and
XLSX with the API's numbers; a dossier submitted meanwhile appears on the
live page. Screenshots of each page go to the output directory (argv[1]).

Fails, never skips, when chromium or chromedriver is missing.
"""
import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
import xml.etree.ElementTree as ElementTree

SOURCE = os.environ["MOTCUA_SOURCE_DIR"]
BINARY = os.environ["MOTCUA_BINARY_DIR"]
MOTCUAD = os.path.join(BINARY, "services/server/motcuad")
MOTCUA = os.path.join(BINARY, "services/cli/motcua")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

AGENCY = "ubnd-phuong-ben-nghe"
OTHER_AGENCY = "ubnd-phuong-tan-dinh"
TOKENS = {
    "supervisor": ("supervisor.ben-nghe", "supervisor", AGENCY, "token-supervisor-ben-nghe"),
    "admin": ("admin.so", "admin", "*", "token-admin"),
    "intake": ("intake.ben-nghe", "intake", AGENCY, "token-intake-ben-nghe"),
}
WAIT_SECONDS = 20


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


for path in (CHROMIUM, CHROMEDRIVER):
    check(os.access(path, os.X_OK),
          f"{path} is missing: install chromium and chromium-driver "
          "(deploy/install-deps.sh)")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    fail("python3-selenium is missing (deploy/install-deps.sh)")


def hash_token(token):
    import hashlib
    return hashlib.sha256(token.encode()).hexdigest()


def start_server(work):
    data = os.path.join(work, "data")
    os.makedirs(data)
    seeded = subprocess.run(
        [MOTCUA, "demo", "seed", "--db", os.path.join(data, "motcua.db"),
         "--dossiers", "150", "--rules", os.path.join(SOURCE, "rules")],
        capture_output=True, text=True, timeout=120)
    check(seeded.returncode == 0, "demo seed failed: " + seeded.stderr)
    tokens = os.path.join(work, "tokens.yaml")
    with open(tokens, "w") as out:
        out.write("tokens:\n")
        for name, role, agency, token in TOKENS.values():
            out.write(f"  - name: {name}\n    sha256: {hash_token(token)}\n"
                      f"    role: {role}\n    agencies: [\"{agency}\"]\n")
    server = subprocess.Popen(
        [MOTCUAD, "--data-dir", data, "--rules", os.path.join(SOURCE, "rules"),
         "--tokens", tokens, "--listen", "127.0.0.1:0",
         "--console-listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=open(os.path.join(work, "motcuad.log"), "w"),
        text=True)
    grpc_port = console = None
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline and (grpc_port is None or console is None):
        line = server.stdout.readline()
        if not line:
            break
        if line.startswith("listening on port "):
            grpc_port = int(line.split()[-1])
        if line.startswith("console on "):
            console = line.split()[-1].rstrip("/")
    check(console is not None and grpc_port is not None,
          "motcuad did not print its ports; see motcuad.log")
    return server, grpc_port, console


def api(console, path, token):
    request = urllib.request.Request(
        console + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        return response.read()


def api_overdue_codes(console, token, agency=""):
    codes, page_token = [], ""
    while True:
        query = f"/api/v1/overdue?page_size=1000&agency={agency}&page_token={page_token}"
        reply = json.loads(api(console, query, token))
        codes += [entry["dossier"]["code"] for entry in reply["entries"]]
        page_token = reply.get("next_page_token", "")
        if not page_token:
            return codes


def cli(grpc_port, who, *arguments):
    """Runs the motcua client against the server as one of TOKENS."""
    done = subprocess.run(
        [MOTCUA, *arguments, "--address", f"127.0.0.1:{grpc_port}",
         "--token", TOKENS[who][3]],
        capture_output=True, text=True, timeout=WAIT_SECONDS)
    check(done.returncode == 0, f"motcua {' '.join(arguments)}: {done.stderr}")


def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="motcua-chromium-")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage",
                     "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1280,1000",
                     f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": downloads,
        "download.prompt_for_download": False,
    })
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": downloads})
    return driver, profile


def wait_for(driver, css, what):
    try:
        return WebDriverWait(driver, WAIT_SECONDS).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))
    except Exception:
        fail(f"{what}: {css} did not appear; page text: "
             + driver.find_element(By.TAG_NAME, "body").text[:2000])


def wait_download(directory, suffix):
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline:
        done = [name for name in os.listdir(directory)
                if name.endswith(suffix) and not name.endswith(".crdownload")]
        if done:
            return os.path.join(directory, done[0])
        time.sleep(0.2)
    fail(f"no {suffix} downloaded into {directory}")


def xlsx_rows(path):
    """The workbook's first sheet as lists of cell texts (shared strings read)."""
    namespace = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            for item in root.findall("m:si", namespace):
                shared.append("".join(t.text or "" for t in item.iter(
                    "{%s}t" % namespace["m"])))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter("{%s}row" % namespace["m"]):
        cells = []
        for cell in row.findall("m:c", namespace):
            value = cell.find("m:v", namespace)
            text = value.text if value is not None else ""
            if cell.get("t") == "s":
                text = shared[int(text)]
            elif text and re.fullmatch(r"-?\d+(\.0+)?", text):
                text = str(int(float(text)))
            cells.append(text)
        rows.append(cells)
    return rows


REPORT_FIELDS = ["received", "new_online", "new_in_person_or_postal",
                 "carried_over", "resolved", "resolved_early",
                 "resolved_on_time", "resolved_late", "pending",
                 "pending_within", "pending_overdue", "paused",
                 "paused_within", "paused_overdue"]


def main():
    output = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "console-screenshots")
    os.makedirs(output, exist_ok=True)
    work = tempfile.mkdtemp(prefix="motcua-browser-test-")
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    server, grpc_port, console = start_server(work)
    driver = profile = None
    supervisor_token = TOKENS["supervisor"][3]
    try:
        driver, profile = browser(downloads)
        shot = lambda name: driver.save_screenshot(os.path.join(output, name + ".png"))

        # Sign in as the supervisor of one agency.
        driver.get(console + "/")
        wait_for(driver, "#token", "the sign-in form").send_keys(supervisor_token)
        driver.find_element(By.ID, "sign-in-button").click()
        wait_for(driver, "#overdue-total", "the overview's overdue count")
        wait_for(driver, "#paused-overdue", "the paused-overdue count")
        check("Quá hạn" in driver.find_element(By.TAG_NAME, "nav").text,
              "the navigation is not in Vietnamese")
        # The seeded history ends in 2025: nothing resolved in the last twelve
        # months, which the chart says instead of drawing an empty frame.
        empty = wait_for(driver, "#rate-empty", "the on-time chart's note on no data")
        check("Chưa có hồ sơ nào được giải quyết" in empty.text,
              "the on-time chart does not say it has no data: " + empty.text)

        # A dossier paused twice and resolved now: the chart has a month.
        paused_code = "PAUSED-0001"
        cli(grpc_port, "intake", "submit", "--code", paused_code, "--procedure",
            "2.000635", "--agency", AGENCY, "--channel", "online")
        for action in (["request-supplement", "--missing", "to-khai"],
                       ["receive-supplement"], ["stop", "--reason", "kiem tra"],
                       ["resume"], ["resolve", "--result", "ban sao"]):
            cli(grpc_port, "admin", "act", paused_code, *action)
        driver.get(console + "/#/overdue")
        driver.get(console + "/#/overview")
        chart = wait_for(driver, "#rate-card svg", "the on-time chart")
        labels = [label.text for label in
                  chart.find_elements(By.CSS_SELECTOR, "text.month")]
        now = json.loads(api(console, "/api/v1/session", supervisor_token))["now"]
        check(len(labels) == 12 and labels[-1] == f"{now[5:7]}/{now[:4]}",
              f"the chart's months are {labels}, not 12 ending {now[5:7]}/{now[:4]}")
        # Every label inside the chart (the last not clipped at its right
        # edge), in order.
        boxes, frame = driver.execute_script(
            "const svg = document.querySelector('#rate-card svg');"
            "const box = (e) => { const r = e.getBoundingClientRect();"
            " return [r.left, r.right, r.top, r.bottom]; };"
            "return [[...svg.querySelectorAll('text.month')].map(box), box(svg)];")
        check(all(frame[0] <= b[0] and b[1] <= frame[1] and b[3] <= frame[3] for b in boxes),
              f"a month's label lies outside the chart {frame}: {boxes}")
        check(all(boxes[i][1] < boxes[i + 1][1] for i in range(len(boxes) - 1)),
              f"the months' labels are out of order: {boxes}")
        shot("overview")

        # The overdue list: exactly what the API says for the agency.
        expected = set(api_overdue_codes(console, supervisor_token))
        check(expected, "the seeded database has no overdue dossier of " + AGENCY)
        others = set(api_overdue_codes(console, TOKENS["admin"][3], OTHER_AGENCY))
        check(others, "the seeded database has no overdue dossier of " + OTHER_AGENCY)
        driver.get(console + "/#/overdue?page_size=500")
        wait_for(driver, "#deadline-table tbody tr", "the overdue list")
        shown = {row.get_attribute("data-code") for row in
                 driver.find_elements(By.CSS_SELECTOR, "#deadline-table tbody tr")}
        check(shown == expected,
              f"the overdue list shows {sorted(shown)}, the API {sorted(expected)}")
        check(not shown & others, "the list shows another agency's dossiers")
        page_text = driver.find_element(By.ID, "deadline-table").text
        check(OTHER_AGENCY not in page_text, "another agency named in the list")
        check(re.search(r"trễ \d+ ngày", page_text) is not None,
              "lateness is not written as 'trễ N ngày ...'")
        check(re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", page_text) is not None,
              "dates are not written as dd/mm/yyyy hh:mm")
        shot("overdue")

        # Open a dossier from the list: its control sheet.
        with_steps = [entry["dossier"]["code"] for entry in json.loads(api(
            console, "/api/v1/overdue?page_size=1000", supervisor_token))["entries"]
            if len(entry["dossier"]["control_sheet"]) >= 2]
        check(with_steps, "no overdue dossier has been handed over")
        code = with_steps[0]
        driver.find_element(
            By.CSS_SELECTOR, f'#deadline-table tr[data-code="{code}"] a').click()
        sheet = wait_for(driver, "#control-sheet svg", "the control sheet")
        check(code in driver.find_element(By.CSS_SELECTOR, "#view h1").text,
              "the dossier page is not the dossier clicked")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#control-sheet tbody tr")) >= 2,
              "the control sheet has no step")
        shot("dossier")
        # Every pause of the clock is shaded, not only one under way.
        driver.get(console + f"/#/dossier/{paused_code}")
        # The page before (another dossier's) has a control sheet too: wait
        # for this dossier's.
        try:
            WebDriverWait(driver, WAIT_SECONDS).until(lambda d: paused_code in d.execute_script(
                "const h = document.querySelector('#view h1');"
                "return document.querySelector('#control-sheet svg') && h ? h.textContent : '';"))
        except Exception:
            fail("the paused dossier's control sheet did not appear; page text: "
                 + driver.find_element(By.TAG_NAME, "body").text[:2000])
        pauses = driver.find_elements(By.CSS_SELECTOR, "#control-sheet svg rect.pause title")
        check(len(pauses) == 2 and all(p.get_attribute("textContent").startswith("Tạm dừng")
                                       for p in pauses),
              "the timeline does not shade both pauses: "
              + str([p.get_attribute("textContent") for p in pauses]))
        shot("dossier-pauses")
        # Out of hours a step starts at the next working instant, after the
        # pauses made before it: the same dossier with its pauses moved to
        # the night before is still shaded twice, on the first step's row.
        night = driver.execute_script(
            "const d = JSON.parse(arguments[0]);"
            "const first = Date.parse(d.control_sheet[0].started_at);"
            "d.pauses.forEach((p, k) => {"
            "  p.started_at = new Date(first - (10 - 2 * k) * 3600e3).toISOString();"
            "  p.ended_at = new Date(first - (9 - 2 * k) * 3600e3).toISOString(); });"
            "const box = document.createElement('div'); box.innerHTML = timeline(d);"
            "return [...box.querySelectorAll('rect.pause')].map((r) => r.getAttribute('y'));",
            api(console, f"/api/v1/dossiers/{paused_code}?with_pauses=true",
                supervisor_token).decode())
        check(night == ["6", "6"],
              f"pauses made out of hours are not shaded on the first step: {night}")

        # The report, downloaded, with the API's numbers.
        period = "from_day=2025-07-01&to_day=2025-10-15&group_by=GROUP_BY_PROCEDURE&count_at=COUNT_AT_RESOLUTION&agency=" + AGENCY
        driver.get(console + "/#/report?" + period)
        wait_for(driver, "#report-table tbody tr", "the report table")
        shot("report")
        report = json.loads(api(console, "/api/v1/report?" + period, supervisor_token))
        api_rows = [[row["group"]] + [str(int(row[f])) for f in REPORT_FIELDS]
                    for row in report["rows"]]
        api_rows.append(["Tổng cộng"] + [str(int(report["total"][f])) for f in REPORT_FIELDS])
        driver.find_element(By.ID, "report-csv").click()
        csv_path = wait_download(downloads, ".csv")
        with open(csv_path, encoding="utf-8-sig") as handle:
            csv_rows = list(csv.reader(handle))
        check(csv_rows[0][2] == "Số hồ sơ nhận giải quyết - Tổng số",
              "the CSV's headers are not the form's: " + ",".join(csv_rows[0]))
        check([row[1:] for row in csv_rows[1:]] == api_rows,
              f"the CSV's numbers {csv_rows[1:]} are not the API's {api_rows}")
        driver.find_element(By.ID, "report-xlsx").click()
        xlsx_path = wait_download(downloads, ".xlsx")
        sheet_rows = xlsx_rows(xlsx_path)
        check(sheet_rows[0][0].startswith("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC"),
              "the workbook's title is not the form's")
        body = [row[1:] for row in sheet_rows if row and row[0] and row[0].isdigit()]
        total = [row[1:] for row in sheet_rows if len(row) > 1 and row[1] == "Tổng cộng"]
        check(body + total == api_rows,
              f"the workbook's numbers {body + total} are not the API's {api_rows}")

        # The due-soon list, for its screenshot.
        driver.get(console + "/#/due-soon?hours=800")
        wait_for(driver, "#list-body table, #no-rows", "the due-soon list")
        shot("due-soon")

        # Live: a dossier submitted now appears.
        driver.get(console + "/#/live")
        wait_for(driver, "#live-status", "the live page")
        time.sleep(1)  # the stream opens after the page asks for the head
        new_code = "LIVE-0001"
        submitted = subprocess.run(
            [MOTCUA, "submit", "--code", new_code, "--procedure", "2.000635",
             "--agency", AGENCY, "--channel", "online",
             "--address", f"127.0.0.1:{grpc_port}", "--token", TOKENS["intake"][3]],
            capture_output=True, text=True, timeout=WAIT_SECONDS)
        check(submitted.returncode == 0, "submit failed: " + submitted.stderr)
        item = wait_for(driver, f'#live-list li[data-code="{new_code}"]', "the new dossier on the live page")
        check("Tiếp nhận" in item.text and "tiếp nhận (trực tuyến) thủ tục 2.000635" in item.text
              and re.search(r"hẹn trả \d\d/\d\d/\d{4} \d\d:\d\d", item.text),
              "the live event is not in Vietnamese: " + item.text)
        shot("live")

        # The English switch, on the live page too.
        driver.find_element(By.ID, "lang").click()
        wait_for(driver, "#live-status", "the live page in English")
        check("Overdue" in driver.find_element(By.TAG_NAME, "nav").text,
              "the English switch did not translate the navigation")
        time.sleep(1)  # the stream opens after the page asks for the head
        cli(grpc_port, "intake", "submit", "--code", "LIVE-0002", "--procedure",
            "2.000635", "--agency", AGENCY, "--channel", "online")
        item = wait_for(driver, '#live-list li[data-code="LIVE-0002"]', "the English live event")
        check("Received" in item.text and "received (online) for procedure" in item.text,
              "the live event is not in English: " + item.text)
        driver.find_element(By.ID, "lang").click()

        # Audit, signed in as the admin; and an intake token is refused.
        driver.find_element(By.ID, "sign-out").click()
        wait_for(driver, "#token", "the sign-in form after signing out")
        driver.find_element(By.ID, "token").send_keys(TOKENS["intake"][3])
        driver.find_element(By.ID, "sign-in-button").click()
        WebDriverWait(driver, WAIT_SECONDS).until(
            lambda d: "intake" in d.find_element(By.ID, "sign-in-error").text)
        driver.find_element(By.ID, "token").send_keys(TOKENS["admin"][3])
        driver.find_element(By.ID, "sign-in-button").click()
        wait_for(driver, "#live-status", "the admin signed in, back on the live page")
        driver.get(console + "/#/audit")
        wait_for(driver, "#verify", "the audit page").click()
        result = wait_for(driver, "#verify-result", "the verify result")
        check("toàn vẹn" in result.text, "the log did not verify: " + result.text)
        shot("audit")
        # A control sheet, printed, fits one A4 page.
        driver.get(console + f"/#/dossier/{code}")
        wait_for(driver, "#control-sheet svg", "the control sheet again")
        events = wait_for(driver, "#events-body ol", "the dossier's events")
        check("Tiếp nhận" in events.text and "tiếp nhận (" in events.text,
              "the dossier's events are not in Vietnamese: " + events.text[:300])
        pdf = base64.b64decode(driver.execute_cdp_cmd(
            "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})["data"])
        with open(os.path.join(output, "control-sheet.pdf"), "wb") as out:
            out.write(pdf)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        check(pages == 1, f"the control sheet prints on {pages} A4 pages, not one")
        print(f"ok: {len(expected)} overdue dossiers of {AGENCY} shown, report files "
              f"match, live event seen; screenshots in {output}")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
