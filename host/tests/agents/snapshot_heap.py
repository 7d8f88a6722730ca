"""Run by the tests to check what the build leaves in the snapshot: prints one
JSON line with the cyclic collector's frozen object count and the size of its
young generation as the agent sees them when it starts."""

import gc
import json

ALLOCATED_AT_IMPORT = [{"n": n} for n in range(1000)]


def main() -> None:
    print(json.dumps({"frozen": gc.get_freeze_count(), "young": gc.get_count()[0]}))
