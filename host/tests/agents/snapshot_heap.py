"""Run by the tests to check what the build leaves in the snapshot: prints one
JSON line with the cyclic collector's frozen object count as the agent sees
it when it starts."""

import gc
import json

ALLOCATED_AT_IMPORT = [{"n": n} for n in range(1000)]


def main() -> None:
    print(json.dumps({"frozen": gc.get_freeze_count()}))
