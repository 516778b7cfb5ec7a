#!/usr/bin/env bash
# Installs the system packages that `make test|run|bench` need (Debian 12).
# Idempotent and quick when everything is present: nothing touches apt unless a
# package is actually missing, and `apt-get update` then runs once.
#
# Needs:
#   redis-server                      throwaway Redis (scripts/infra.sh)
#   postgresql-15                     throwaway PostgreSQL (only if the binaries are missing)
#   postgresql-client                 psql / pg_isready
#   python3-grpcio python3-grpc-tools Python gRPC interop tests (for /usr/bin/python3)
#   grpc-proto                        well-known .proto files for the interop tests
#   nghttp2-client                    h2load
#   npm (with nodejs)                 buf for `make lint`, grpc-js for the reflection interop test
#   prometheus                        promtool for the alert-rule and metrics checks
#
# Installing redis-server/postgresql/prometheus must not leave system daemons running on the
# standard ports: package start-up is blocked through policy-rc.d while apt runs, and
# any daemon that started anyway is stopped afterwards.
set -euo pipefail

PG_BIN="${METERING_PG_BIN:-/usr/lib/postgresql/15/bin}"

log() { printf 'install-deps: %s\n' "$*" >&2; }

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
need_pkg() { # need_pkg PACKAGE [TEST-COMMAND...]: queue PACKAGE unless the test passes or it is installed
    local pkg="$1"; shift
    if [[ $# -gt 0 ]] && "$@" >/dev/null 2>&1; then return 0; fi
    pkg_installed "$pkg" && return 0
    missing+=("$pkg")
}

need_pkg redis-server       command -v redis-server
need_pkg redis-tools        command -v redis-cli
if [[ ! -x "$PG_BIN/postgres" || ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pg_ctl" ]]; then
    need_pkg postgresql-15
fi
need_pkg postgresql-client  command -v psql
need_pkg nghttp2-client     command -v h2load
need_pkg npm                command -v npm
need_pkg python3-grpcio     /usr/bin/python3 -c 'import grpc'
need_pkg python3-grpc-tools /usr/bin/python3 -c 'import grpc_tools.protoc'
need_pkg grpc-proto         test -f /usr/share/grpc-proto/grpc/health/v1/health.proto
need_pkg prometheus         command -v promtool
command -v runuser >/dev/null 2>&1 || need_pkg util-linux

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

SUDO=()
if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
        log "missing packages (${missing[*]}) and not root; install them by hand"; exit 1
    fi
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# Keep package maintainer scripts from starting redis/postgresql/prometheus on 6379/5432/9090.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, written by metering scripts/install-deps.sh\nexit 101\n' \
        | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    made_policy=1
fi
cleanup_policy() { if [[ $made_policy -eq 1 ]]; then "${SUDO[@]}" rm -f "$policy"; fi; }
trap cleanup_policy EXIT

"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >/dev/null

# Belt and braces: stop any system daemon that started despite policy-rc.d.
if pgrep -x redis-server -u redis >/dev/null 2>&1; then
    log "stopping system redis-server"
    "${SUDO[@]}" service redis-server stop >/dev/null 2>&1 || "${SUDO[@]}" pkill -x -u redis redis-server || true
fi
if [[ -d /etc/postgresql ]] && command -v pg_lsclusters >/dev/null 2>&1; then
    while read -r ver name _port status _rest; do
        if [[ "$status" == online* ]]; then
            log "stopping system postgresql cluster $ver/$name"
            "${SUDO[@]}" pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
        fi
    done < <(pg_lsclusters --no-header 2>/dev/null || true)
fi
if pgrep -x prometheus -u prometheus >/dev/null 2>&1; then
    log "stopping system prometheus"
    "${SUDO[@]}" service prometheus stop >/dev/null 2>&1 || "${SUDO[@]}" pkill -x -u prometheus prometheus || true
fi

# Verify what the rest of the harness relies on.
fail=0
command -v redis-server >/dev/null || { log "redis-server still missing"; fail=1; }
[[ -x "$PG_BIN/postgres" ]]        || { log "$PG_BIN/postgres still missing"; fail=1; }
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { log "/usr/bin/python3 cannot import grpc"; fail=1; }
command -v promtool >/dev/null     || { log "promtool still missing"; fail=1; }
exit $fail
