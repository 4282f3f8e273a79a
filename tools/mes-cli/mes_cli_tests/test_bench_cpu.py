"""The bench's CPU meter: nanosecond scheduler time for live processes (an idle stack's
share of a core is below the 10 ms tick of user+system times), children included."""

from __future__ import annotations

import subprocess
import sys
import time

from mes_cli.bench_cpu import CpuMeter

SPIN_THEN_WAIT = """
import sys, time
end = time.process_time() + 0.3
while time.process_time() < end:
    pass
print("spun", flush=True)
sys.stdin.readline()
"""


def test_a_child_spinning_for_300_ms_is_metered_to_within_a_few_ms() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", SPIN_THEN_WAIT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        meter = CpuMeter({"child": lambda: child.pid})
        before = meter.snapshot()
        assert child.stdout is not None and child.stdout.readline().strip() == "spun"
        after = meter.snapshot()
        spent = after["child"] - before["child"]
        assert 0.25 < spent < 0.6, spent
        # Waiting on stdin costs nothing: two readings a moment apart are (almost) equal,
        # at a resolution finer than the 10 ms clock tick.
        time.sleep(0.2)
        still = meter.snapshot()["child"] - meter.snapshot()["child"]
        assert abs(still) < 0.002
    finally:
        child.kill()
        child.wait()
