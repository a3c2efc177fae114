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
if [ "$#" -gt 0 ]; then
  echo "[test] jest $*"
  exec npx jest --ci --maxWorkers="${JEST_WORKERS:-2}" "$@"
fi
# Two runs: first everything but the browser tests, two suites at a time; then the browser tests one
# at a time, so that what a person would see within a second (the live test) is not measured on a
# machine that a federation suite beside it has taken.
rc=0
echo "[test] jest: libraries, services, federation"
npx jest --ci --maxWorkers="${JEST_WORKERS:-2}" --testPathIgnorePatterns '/node_modules/' '/dist/' '<rootDir>/test/web/' || rc=$?
echo "[test] jest: the console in Chromium (test/web, one suite at a time)"
npx jest --ci --runInBand test/web || rc=$?
exit "$rc"
