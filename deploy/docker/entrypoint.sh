#!/bin/sh
# One image runs any of the seven services: SERVICE names it, the arguments go to its main.js
# (`migrate` applies the service's migrations and exits).
set -eu

: "${SERVICE:?SERVICE is not set: expected one of base-data, system-admin, public-sentiment, service-office, command-centre, mobile-gateway, gis}"

main="/app/apps/${SERVICE}/dist/main.js"
if [ ! -f "$main" ]; then
  echo "entrypoint: unknown SERVICE '${SERVICE}' (no ${main} in this image)" >&2
  exit 64
fi

# exec: node becomes PID 1 and receives SIGTERM itself (Nest's shutdown hooks drain and close).
exec node "$main" "$@"
