"""Run by the tests to check what the build leaves in the snapshot: prints one
JSON line with the cyclic collector's frozen object count and how many objects
it still tracks outside the frozen set, as the agent sees them when it
starts, and a random number (which must differ from run to run: the snapshot
must not fix it)."""

import gc
import json
import random

ALLOCATED_AT_IMPORT = [{"n": n} for n in range(1000)]


def main() -> None:
    counts = {"frozen": gc.get_freeze_count(), "unfrozen": len(gc.get_objects())}
    print(json.dumps({**counts, "random": random.random()}))
