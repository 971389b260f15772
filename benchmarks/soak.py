"""`make soak`: the fault tests, one after another, each in its own process and on its own
databases, each printing one line with its counts. Exits 1 when any count is wrong.

Loopback only, bounded: every test has a fixed number of requests and rounds.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = [
    ["soak_rsvp.py", "postgresql"],
    ["soak_rsvp.py", "sqlite"],
    ["soak_webhooks.py"],
    ["soak_outbox.py"],
    ["soak_scanner.py"],
]
TIMEOUT = 15 * 60  # per test: a hung test fails rather than holding CI


def main() -> int:
    started = time.monotonic()
    failed = []
    for test in TESTS:
        if not (HERE / test[0]).exists():
            print(f"FAIL {test[0]} is missing", flush=True)
            failed.append(test)
            continue
        try:
            result = subprocess.run([sys.executable, str(HERE / test[0]), *test[1:]], timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            print(f"FAIL {' '.join(test)} did not finish in {TIMEOUT} s", flush=True)
            failed.append(test)
            continue
        if result.returncode != 0:
            failed.append(test)
    elapsed = time.monotonic() - started
    print(f"soak: {len(TESTS) - len(failed)} of {len(TESTS)} fault tests passed in {elapsed / 60:.1f} min", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
