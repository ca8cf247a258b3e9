#!/bin/sh
# Container entrypoint.
#   no arguments  -> apply migrations (skip with MIGRATE_ON_START=false), then serve HTTP (with the
#                    in-process job runner) on 0.0.0.0:${PORT:-8000}
#   arguments     -> run them instead, e.g. `python -m web.cli worker` or `python -m web.cli check`
# FORWARDED_ALLOW_IPS lists the proxies whose X-Forwarded-* headers are trusted (default
# 127.0.0.1, i.e. none from outside the container). Set it to the proxy's address, or to '*'
# only when a trusted reverse proxy is the sole way in.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ "${MIGRATE_ON_START:-true}" != "false" ]; then
    python -m web.cli migrate
fi

exec python -m web.cli serve \
    --host 0.0.0.0 \
    --port "${PORT:-8000}" \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
