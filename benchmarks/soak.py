"""`make soak`: the fault tests, one after another (and the one that mostly waits beside
them), each in its own process and on its own databases, each printing one line with its
counts. Exits 1 when any count is wrong.

Loopback only, bounded: every test has a fixed number of requests and rounds.
"""

import datetime
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import harness  # noqa: E402
from benchmarks.web import README, write_readme  # noqa: E402

TESTS = [
    ["soak_rsvp.py", "postgresql"],
    ["soak_rsvp.py", "sqlite"],
    ["soak_webhooks.py"],
    ["soak_outbox.py"],
    ["soak_scanner.py"],
    ["soak_money.py"],
    ["soak_tickets.py", "postgresql"],
    ["soak_tickets.py", "sqlite"],
    ["soak_workers.py", "kills"],
    ["soak_workers.py", "clones"],
]
# Mostly waiting (two beats side by side for five minutes, on a Redis database and ports of
# its own), so it runs beside the others instead of adding its five minutes to the run.
ALONGSIDE = [
    ["soak_beats.py"],
]
TIMEOUT = 15 * 60  # per test: a hung test fails rather than holding CI


def start(test: list[str]) -> subprocess.Popen | str:
    """One fault test started in its own process, or why it could not be."""
    if not (HERE / test[0]).exists():
        return f"FAIL {test[0]} is missing"
    return subprocess.Popen(
        [sys.executable, str(HERE / test[0]), *test[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(test: list[str], process: subprocess.Popen | str, *, deadline: float) -> tuple[bool, str]:
    """Wait for a started test: passed?, and the lines it printed."""
    if isinstance(process, str):
        return False, process
    try:
        stdout, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return False, f"FAIL {' '.join(test)} did not finish in {TIMEOUT} s"
    if process.returncode != 0 and not stdout.strip():
        return False, f"FAIL {' '.join(test)} stopped: {stderr.strip()[-2000:]}"
    return process.returncode == 0, stdout.strip()


def run(test: list[str]) -> tuple[bool, str]:
    """One fault test in its own process: passed?, and the lines it printed."""
    return finish(test, start(test), deadline=time.monotonic() + TIMEOUT)


def main(names: list[str]) -> int:
    """Every test, or (with names: `soak.py soak_money.py`) only those, not written to the README."""
    started = time.monotonic()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = harness.machine()
    tests = [test for test in TESTS if not names or test[0] in names]
    lines, failed = [], 0
    beside = [(test, start(test), time.monotonic() + TIMEOUT) for test in ALONGSIDE if not names or test[0] in names]
    for test in tests:
        passed, output = run(test)
        print(output, flush=True)
        lines.append(output)
        failed += not passed
    for test, process, deadline in beside:
        passed, output = finish(test, process, deadline=deadline)
        print(output, flush=True)
        lines.append(output)
        failed += not passed
    elapsed = time.monotonic() - started
    total = len(tests) + len(beside)
    summary = f"soak: {total - failed} of {total} fault tests passed in {elapsed / 60:.1f} min"
    print(summary, flush=True)
    if names:
        return 1 if failed or not total else 0
    report = "\n".join(f"    {line}" for line in "\n".join(lines).splitlines())
    write_readme(
        f"Last run: {when}, {elapsed / 60:.1f} min in all. Machine: {machine}.\n\n{report}\n    {summary}",
        start="<!-- soak:start -->",
        end="<!-- soak:end -->",
    )
    print(f"(written to {README.relative_to(harness.ROOT)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
