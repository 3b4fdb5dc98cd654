#!/usr/bin/python3
"""Runs every example of README.md and checks what it prints.

Each `sh` block of the README is one of two kinds:
- a transcript: lines starting with `$ ` are commands, the lines after one,
  up to the next, are what it prints;
- a script: every line is a command, run in order (the set-up lines
  `bash deploy/...` are what CI itself runs, so they are skipped).

A command must exit 0. Its expected output is matched line by line: `…`
inside a line stands for any text, a line that is only `…` for any number of
lines, and runs of spaces match runs of spaces (table widths depend on the
data). An expected line that is a JSON object with `…` is matched as a
subset: each `"key": value` written in it must be in the printed object.
A command shown with no output is run and must succeed; what it prints is
not checked.

Each README section (a `##` or `###` heading) runs in a fresh working
directory holding `rules/` and `build/<preset>` (links to the tree), so
`data/`, `demo.db` and the like are new for each. A `motcuad` command starts
the daemon in the background on a free port; `bash deploy/run.sh` in a
script block stands for the same daemon on `data/`. Every daemon is stopped
when its section ends.
"""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.environ["MOTCUA_SOURCE_DIR"]
BINARY_DIR = os.environ["MOTCUA_BINARY_DIR"]
ELLIPSIS = "\u2026"
COMMAND_TIMEOUT_SECONDS = 120
DEFAULT_PORT = "50051"


class Failure(Exception):
    pass


def sections(text):
    """Yields (heading, [blocks]) with each block a list of lines."""
    heading = "(top)"
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#") and not line.startswith("#!"):
            if blocks:
                yield heading, blocks
            heading, blocks = line.lstrip("#").strip(), []
        elif line.strip() == "```sh":
            block = []
            i += 1
            while lines[i].strip() != "```":
                block.append(lines[i])
                i += 1
            blocks.append(block)
        i += 1
    if blocks:
        yield heading, blocks


def join_continuations(lines):
    """Joins lines ending in a backslash with the ones after them."""
    joined, current = [], None
    for line in lines:
        if current is None:
            current = line
        else:
            current = current[:-1] + " " + line.strip()
        if not current.endswith("\\"):
            joined.append(current)
            current = None
    if current is not None:
        joined.append(current)
    return joined


def strip_comment(command):
    """Drops a trailing `# comment`, written after two spaces or more."""
    match = re.search(r"\s{2,}#.*$", command)
    return command[: match.start()].rstrip() if match else command


def parse_block(block):
    """Returns [(command, expected_lines or None)]."""
    if any(line.startswith("$ ") for line in block):
        steps, command_lines, expected = [], None, []
        for line in block:
            if line.startswith("$ "):
                if command_lines is not None:
                    steps.append((command_lines, expected))
                command_lines, expected = [line[2:]], []
            elif command_lines is not None and command_lines[-1].endswith("\\"):
                command_lines.append(line)
            else:
                expected.append(line)
        if command_lines is not None:
            steps.append((command_lines, expected))
        for _, lines in steps:
            while lines and not lines[-1].strip():
                lines.pop()
        return [
            (strip_comment(join_continuations(c)[0]), e or None) for c, e in steps
        ]
    return [(strip_comment(c), None) for c in join_continuations(block) if c.strip()]


def line_pattern(expected):
    parts = [re.escape(p) for p in re.split(r"\s+", expected.strip())]
    pattern = r"\s+".join(parts).replace(re.escape(ELLIPSIS), ".*")
    return re.compile("^" + pattern + "$")


def json_subset_matches(expected, actual):
    try:
        printed = json.loads(actual)
    except ValueError:
        return False
    for key, value in re.findall(r'"([^"]+)"\s*:\s*("[^"]*"|-?[0-9.]+|true|false)',
                                 expected):
        if key not in printed or printed[key] != json.loads(value):
            return False
    return True


def lines_match(expected, actual):
    """Matches expected lines against actual ones; `…` lines are gaps."""
    if not expected:
        return not [a for a in actual if a.strip()]
    head, rest = expected[0], expected[1:]
    if head.strip() == ELLIPSIS:
        return any(lines_match(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    if head.lstrip().startswith("{") and ELLIPSIS in head and not rest:
        # One object, printed on one line or pretty-printed over the rest.
        return json_subset_matches(head, "\n".join(actual))
    ok = bool(line_pattern(head).match(actual[0].strip()))
    return ok and lines_match(rest, actual[1:])


class Section:
    def __init__(self, heading):
        self.heading = heading
        self.directory = tempfile.mkdtemp(prefix="motcua-readme-")
        os.symlink(os.path.join(SOURCE_DIR, "rules"),
                   os.path.join(self.directory, "rules"))
        os.makedirs(os.path.join(self.directory, "build"))
        os.symlink(BINARY_DIR, os.path.join(self.directory, "build", "release"))
        self.env = dict(os.environ)
        self.env["PATH"] = (os.path.join(BINARY_DIR, "services", "cli") + ":" +
                            os.path.join(BINARY_DIR, "services", "server") + ":" +
                            self.env["PATH"])
        self.env.pop("MOTCUA_TOKEN", None)
        self.env.pop("MOTCUA_ADDRESS", None)
        self.daemons = []
        self.port = None

    def close(self):
        for daemon in self.daemons:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    def start_daemon(self, arguments):
        """Starts motcuad with ARGUMENTS on a free port; returns its output."""
        arguments = [a for a in arguments]
        if "--listen" in arguments:
            arguments[arguments.index("--listen") + 1] = "127.0.0.1:0"
        else:
            arguments += ["--listen", "127.0.0.1:0"]
        output = open(os.path.join(self.directory, "motcuad.out"), "w+")
        daemon = subprocess.Popen(
            [os.path.join(BINARY_DIR, "services", "server", "motcuad")] + arguments,
            cwd=self.directory, env=self.env, stdout=output,
            stderr=subprocess.DEVNULL)
        self.daemons.append(daemon)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            output.seek(0)
            printed = output.read()
            match = re.search(r"listening on port (\d+)", printed)
            if match and "MOTCUA_ADDRESS" in printed:
                self.port = match.group(1)
                self.env["MOTCUA_ADDRESS"] = "127.0.0.1:" + self.port
                return printed
            if match and "--tokens" in arguments:
                self.port = match.group(1)
                self.env["MOTCUA_ADDRESS"] = "127.0.0.1:" + self.port
                return printed
            if daemon.poll() is not None:
                raise Failure("motcuad exited with %d:\n%s" % (daemon.returncode, printed))
            time.sleep(0.05)
        raise Failure("motcuad did not start listening")

    def run(self, command, expected):
        words = shlex.split(command)
        if words[:2] == ["bash", "deploy/run.sh"] and len(words) == 2:
            self.start_daemon(["--data-dir", "data", "--rules", "rules"])
            return
        if words[:1] == ["bash"]:
            return  # set-up: what CI itself runs
        if words[:1] == ["motcuad"] and "--listen" in words:
            printed = self.start_daemon(words[1:])
            # What it tells the reader to export, the reader exports.
            for name, value in re.findall(r"^\s*export (MOTCUA_TOKEN)=(\S+)$",
                                          printed, re.MULTILINE):
                self.env[name] = value
            actual = printed.replace(self.port, DEFAULT_PORT)
            self.check(command, expected, actual)
            return
        if words[:1] == ["export"]:
            name, _, value = command[len("export "):].partition("=")
            result = subprocess.run(["bash", "-c", "printf %s " + value],
                                    cwd=self.directory, env=self.env,
                                    capture_output=True, text=True, check=True)
            self.env[name] = result.stdout
            return
        result = subprocess.run(["bash", "-c", command], cwd=self.directory,
                                env=self.env, capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT_SECONDS)
        if result.returncode != 0:
            raise Failure("`%s` exited %d\nstdout:\n%s\nstderr:\n%s" % (
                command, result.returncode, result.stdout, result.stderr))
        self.check(command, expected, result.stdout)

    def check(self, command, expected, actual):
        if expected is None:
            return
        actual_lines = actual.splitlines()
        if not lines_match(expected, actual_lines):
            raise Failure("`%s` printed:\n%s\nwhere the README shows:\n%s" % (
                command, actual, "\n".join(expected)))


def main():
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as readme:
        text = readme.read()
    passed = failed = 0
    for heading, blocks in sections(text):
        section = Section(heading)
        try:
            for block in blocks:
                for command, expected in parse_block(block):
                    try:
                        section.run(command, expected)
                        passed += 1
                    except (Failure, subprocess.SubprocessError) as error:
                        failed += 1
                        print("FAIL [%s] %s" % (heading, error))
        finally:
            section.close()
    print("README examples: %d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
