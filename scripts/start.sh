#!/usr/bin/env bash
# npm start: provides what the machine lacks, builds, and runs one tier (see deploy/local/src/run.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "[start] building (tsc -b)" >&2
npx tsc -b tsconfig.build.json
gm_build_web
exec node deploy/local/dist/run.js "$@"
