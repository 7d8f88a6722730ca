"""The guests benchmark's Python agent: `start` spawns a labelled session and
projects its headers once (what a start costs); `calls N` times N `headers()`
calls and N `status` calls (the cheapest import, the baseline) in the guest
and prints both in nanoseconds per call."""

import sys
import time

from caracalai import Caracal

caracal = Caracal()


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else "start"
    with caracal.spawn(labels=["bench"]) as session:
        session.headers()
        if mode == "start":
            return 0
        n = int(sys.argv[2])
        began = time.perf_counter_ns()
        for _ in range(n):
            session.headers()
        headers_ns = (time.perf_counter_ns() - began) / n
        began = time.perf_counter_ns()
        for _ in range(n):
            _ = session.status
        noop_ns = (time.perf_counter_ns() - began) / n
        print(f"headers_ns={headers_ns:.0f} noop_ns={noop_ns:.0f}")
    return 0
