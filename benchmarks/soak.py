"""`make soak`: the fault tests, one after another, each in its own process and on its own
databases, each printing one line with its counts. Exits 1 when any count is wrong.

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
]
TIMEOUT = 15 * 60  # per test: a hung test fails rather than holding CI


def run(test: list[str]) -> tuple[bool, str]:
    """One fault test in its own process: passed?, and the lines it printed."""
    if not (HERE / test[0]).exists():
        return False, f"FAIL {test[0]} is missing"
    try:
        result = subprocess.run(
            [sys.executable, str(HERE / test[0]), *test[1:]], timeout=TIMEOUT, capture_output=True, text=True
        )
    except subprocess.TimeoutExpired:
        return False, f"FAIL {' '.join(test)} did not finish in {TIMEOUT} s"
    if result.returncode != 0 and not result.stdout.strip():
        return False, f"FAIL {' '.join(test)} stopped: {result.stderr.strip()[-2000:]}"
    return result.returncode == 0, result.stdout.strip()


def main(names: list[str]) -> int:
    """Every test, or (with names: `soak.py soak_money.py`) only those, not written to the README."""
    started = time.monotonic()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = harness.machine()
    tests = [test for test in TESTS if not names or test[0] in names]
    lines, failed = [], 0
    for test in tests:
        passed, output = run(test)
        print(output, flush=True)
        lines.append(output)
        failed += not passed
    elapsed = time.monotonic() - started
    summary = f"soak: {len(tests) - failed} of {len(tests)} fault tests passed in {elapsed / 60:.1f} min"
    print(summary, flush=True)
    if names:
        return 1 if failed or not tests else 0
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
