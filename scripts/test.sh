#!/usr/bin/env bash
# npm test: provides what the machine lacks (Node 24, dependencies, PostGIS, nats-server), builds,
# type-checks, then runs every unit and integration test with Jest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "[test] build (tsc -b: every app and lib, as deployed)"
npx tsc -b tsconfig.build.json
echo "[test] type-check (tsc, strict, sources and tests)"
npx tsc -p tsconfig.json
echo "[test] the console (apps/web: API types, type-check, build) and a browser for its tests"
gm_build_web
gm_ensure_browser
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
echo "[test] jest"
exec npx jest --ci --maxWorkers="${JEST_WORKERS:-2}" "$@"
