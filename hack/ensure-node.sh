#!/usr/bin/env bash
# Prints a directory holding a Node.js >= 22.19 binary. Where the machine's node is older, installs the npm
# registry's `node` package (a binary shipped inside a registry package) into the cache, outside the repo.
set -euo pipefail
want_major=24
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatewright/node-$want_major"
ok() { # $1 = node binary; true when it is 22.19 or newer
  local v; v=$("$1" -p 'process.versions.node' 2>/dev/null) || return 1
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 19 ]; }
}
if command -v node >/dev/null && ok "$(command -v node)"; then dirname "$(command -v node)"; exit 0; fi
if [ ! -x "$cache/node_modules/.bin/node" ] || ! ok "$cache/node_modules/.bin/node"; then
  echo "machine node is older than 22.19; installing node@$want_major from the npm registry into $cache" >&2
  npm install --silent --no-save --no-audit --no-fund --prefix "$cache" "node@$want_major" >&2
fi
echo "$cache/node_modules/.bin"
