#!/usr/bin/env bash
# Serve benchmark, side by side in one run (outside CI): the `hello-proxy`
# example (a WASI 0.2 proxy component) under `wasmtime serve` (wasmtime-cli
# 48, installed here if missing) and under `caracal-host serve`, ungoverned
# (`--as-application`) and governed (every request's bearer verified and
# bound), same component, same machine, same load (wrk).
#
#   host/benches/serve.sh [seconds] [connections]
#
# Prints requests/s and p50/p99 latency per server, and the ratios to
# `wasmtime serve` on its defaults (targets: ungoverned ≥ 0.9× throughput
# with p99 ≤ 1.2×, governed ≥ 0.8×); a second `wasmtime serve` row given
# the pooling options `caracal-host serve` sets shows what that tuning is
# worth by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-16}"
TOOLS="$PWD/target/bench-tools"

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk
fi
if [ ! -x "$TOOLS/bin/wasmtime" ] || ! "$TOOLS/bin/wasmtime" --version | grep -q '^wasmtime 48\.'; then
  echo "installing wasmtime-cli 48 into $TOOLS (a release build; several minutes)…" >&2
  cargo install wasmtime-cli --version '^48' --locked --root "$TOOLS"
fi
rustup target add wasm32-wasip2 >/dev/null
cargo build -q --release -p hello-proxy --target wasm32-wasip2
cargo build -q --release -p caracal-host
WASM="$PWD/target/wasm32-wasip2/release/hello_proxy.wasm"
HOST="$PWD/target/release/caracal-host"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Fails when something already listens on port $1 (a server left over from an
# earlier run would answer in place of the one this run starts).
port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "port $1 is already in use: stop whatever listens there first" >&2
    exit 1
  fi
}

wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}

# Runs wrk against port $1 with optional header $2; prints "rps p50_ms p99_ms".
load() {
  local args=(-t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency)
  if [ -n "${2:-}" ]; then args+=(-H "authorization: $2"); fi
  wrk "${args[@]}" "http://127.0.0.1:$1/hello" >"$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit("wrk saw %s failed responses:\n%s" % (errors.group(1), text))
print(f"{rps:.0f} {ms('50%'):.3f} {ms('99%'):.3f}")
PY
}

# With backtraces on, every dropped store pays for one: wasmtime formats an
# error while tearing down a store's fibers (all three servers alike), and
# that swamps what the servers differ in. Measure as servers usually run.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

# Warm the compiled-component caches (not timed).
export CARACAL_CACHE_DIR="$WORK/cache"

for port in 18081 18082 18083 18084; do port_free "$port"; done

"$TOOLS/bin/wasmtime" serve -S cli --addr 127.0.0.1:18081 "$WASM" >/dev/null 2>&1 &
wait_port 18081
wasmtime=$(load 18081)
kill %1 && wait %1 2>/dev/null || true

# The same, given the pooling options `caracal-host serve` sets (batched
# decommits, the first pages kept resident): what tuning alone is worth.
"$TOOLS/bin/wasmtime" serve -S cli --addr 127.0.0.1:18084 \
  -O pooling-allocator=y,pooling-decommit-batch-size=16,pooling-memory-keep-resident=262144,pooling-table-keep-resident=65536 \
  "$WASM" >/dev/null 2>&1 &
wait_port 18084
wasmtime_tuned=$(load 18084)
kill %2 && wait %2 2>/dev/null || true

(cd "$WORK" && mkdir -p a && cd a && exec "$HOST" serve "$WASM" --as-application --listen 127.0.0.1:18082 >/dev/null 2>&1) &
wait_port 18082
ungoverned=$(load 18082)
kill %3 2>/dev/null && wait %3 2>/dev/null || true

(cd "$WORK" && mkdir -p b && cd b && exec "$HOST" serve "$WASM" --mint-token "$WORK/token" --listen 127.0.0.1:18083 >/dev/null 2>&1) &
wait_port 18083
governed=$(load 18083 "$(cat "$WORK/token")")

python3 - "$wasmtime" "$wasmtime_tuned" "$ungoverned" "$governed" <<'PY'
import sys
rows = [("wasmtime serve", sys.argv[1]), ("wasmtime serve (caracal's pool)", sys.argv[2]), ("caracal-host serve (ungoverned)", sys.argv[3]), ("caracal-host serve (governed)", sys.argv[4])]
base = [float(x) for x in rows[0][1].split()]
print(f"{'server':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'× req/s':>8} {'× p99':>7}")
for name, row in rows:
    rps, p50, p99 = (float(x) for x in row.split())
    print(f"{name:34} {rps:9.0f} {p50:8.3f} {p99:8.3f} {rps / base[0]:8.3f} {p99 / base[2]:7.3f}")
PY
