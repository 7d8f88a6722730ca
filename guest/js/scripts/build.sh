#!/usr/bin/env bash
# Builds a JavaScript or TypeScript agent into a `caracal:agent/agent`
# component: esbuild bundles the agent, this SDK and the entry wrapper into
# one ES module; ComponentizeJS turns that into a component. See BUILD.md.
#
#   guest/js/scripts/build.sh <agent.ts|agent.js> <out.wasm>
#
# Tools: $CARACAL_JS_TOOLS/node_modules/.bin/{esbuild,componentize-js}
# (default: guest/js/node_modules, from `npm ci` in guest/js).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <agent.ts|agent.js> <out.wasm>" >&2
  exit 2
fi
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wit="$(cd "$sdk/../../wit" && pwd)"
tools="${CARACAL_JS_TOOLS:-$sdk}/node_modules/.bin"
agent="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$tools/esbuild" "$sdk/src/entry.js" \
  --bundle --format=esm --platform=browser --target=es2022 \
  --external:'caracal:*' --external:'wasi:*' \
  --alias:caracal-agent-main="$agent" \
  --alias:@caracal/agent="$sdk/src/index.js" \
  --log-level=warning \
  --outfile="$work/agent.bundle.js"

"$tools/componentize-js" \
  --wit "$wit" \
  --world-name caracal:agent/agent \
  --out "$out" \
  "$work/agent.bundle.js"
