#!/usr/bin/env bash
# Packages a caracal-host binary as the Spin CLI plugin `caracal`.
#
#   plugin/package.sh <caracal-host-binary> <out-dir> [--url-base URL] [--os OS] [--arch ARCH]
#
# Writes <out-dir>/caracal-<version>-<os>-<arch>.tar.gz (the binary renamed
# to `caracal`, plus the repository LICENSE as `caracal.license` if there is
# one) and <out-dir>/caracal.json, the Spin plugin manifest pointing at it:
# a file:// URL of the tarball, or <URL>/<tarball> with --url-base.
# --os (linux|macos|windows) and --arch (amd64|aarch64) describe the binary
# when it was built for another platform; they default to this machine.
# Then: spin plugins install --file <out-dir>/caracal.json --yes
set -euo pipefail

usage() {
  echo "usage: $0 <caracal-host-binary> <out-dir> [--url-base URL] [--os OS] [--arch ARCH]" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
binary=$1 out_dir=$2
shift 2
url_base="" os="" arch=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --url-base) [[ $# -ge 2 ]] || usage; url_base=$2; shift 2 ;;
    --os) [[ $# -ge 2 ]] || usage; os=$2; shift 2 ;;
    --arch) [[ $# -ge 2 ]] || usage; arch=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ -f $binary ]] || { echo "error: no binary at $binary" >&2; exit 1; }

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# A key of [workspace.package] in the root Cargo.toml.
workspace_key() {
  awk -v key="$1" '
    /^\[/ { section = $0 }
    section == "[workspace.package]" && $1 == key {
      line = $0; sub(/^[^=]*=[ \t]*"/, "", line); sub(/".*$/, "", line); print line; exit
    }' "$repo_root/Cargo.toml"
}
version=$(workspace_key version)
homepage=$(workspace_key repository)
[[ -n $version ]] || { echo "error: no [workspace.package] version in $repo_root/Cargo.toml" >&2; exit 1; }

# Spin's spelling of this platform (its plugin manifest schema: os
# linux|macos|windows, arch amd64|aarch64).
if [[ -z $os ]]; then
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=macos ;;
    MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) echo "error: unknown OS $(uname -s); pass --os" >&2; exit 1 ;;
  esac
fi
if [[ -z $arch ]]; then
  case $(uname -m) in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) echo "error: unknown architecture $(uname -m); pass --arch" >&2; exit 1 ;;
  esac
fi
case $os in linux | macos | windows) ;; *) echo "error: --os must be linux, macos or windows" >&2; exit 1 ;; esac
case $arch in amd64 | aarch64) ;; *) echo "error: --arch must be amd64 or aarch64" >&2; exit 1 ;; esac

# Spin runs <plugins>/caracal/caracal (caracal.exe on Windows).
exe=caracal
[[ $os == windows ]] && exe=caracal.exe

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp "$binary" "$staging/$exe"
chmod 0755 "$staging/$exe"
files=("$exe")
if [[ -f $repo_root/LICENSE ]]; then
  cp "$repo_root/LICENSE" "$staging/caracal.license"
  files+=(caracal.license)
fi

tarball="caracal-$version-$os-$arch.tar.gz"
tar -czf "$out_dir/$tarball" -C "$staging" "${files[@]}"

if command -v sha256sum >/dev/null; then
  sha256=$(sha256sum "$out_dir/$tarball" | cut -d' ' -f1)
else
  sha256=$(shasum -a 256 "$out_dir/$tarball" | cut -d' ' -f1)
fi

if [[ -n $url_base ]]; then
  url="${url_base%/}/$tarball"
else
  url="file://$out_dir/$tarball"
fi

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

cat >"$out_dir/caracal.json" <<EOF
{
  "name": "caracal",
  "description": "Serve Spin applications on Caracal's Wasmtime host (caracal-host serve)",
  "homepage": $(json_string "$homepage"),
  "version": $(json_string "$version"),
  "spinCompatibility": ">=2.0",
  "license": "Apache-2.0",
  "packages": [
    {
      "os": "$os",
      "arch": "$arch",
      "url": $(json_string "$url"),
      "sha256": "$sha256"
    }
  ]
}
EOF

echo "wrote $out_dir/$tarball and $out_dir/caracal.json" >&2
