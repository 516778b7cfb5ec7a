#!/usr/bin/env bash
# `make run`: installs what is missing, starts throwaway Redis and PostgreSQL under
# .run/infra, builds and starts the services, and waits. Ctrl-C (or TERM, or any
# service exiting) stops the services and the infrastructure.
#
# Service projects and their arguments are the variables below; each entry of
# SERVICES names one process. The env of scripts/infra.sh (METERING_REDIS,
# METERING_POSTGRES, ...) is exported to every process.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CONFIGURATION="${CONFIGURATION:-Release}"
INFRA_DIR="${METERING_RUN_INFRA_DIR:-$REPO_ROOT/.run/infra}"

# ---- what to run (wired to the real service arguments later) ----------------------
SERVICE_PROJECT="${METERING_SERVICE_PROJECT:-services/Metering.Service}"
SERVICE_ARGS=(--urls "http://127.0.0.1:0")
# One line per process: "name|project|args..." is spelled out in start_all below.
start_all() {
    start_service metering "$SERVICE_PROJECT" "${SERVICE_ARGS[@]}"
    # start_service settlement "$SETTLEMENT_PROJECT" "${SETTLEMENT_ARGS[@]}"
    # start_service demo "$DEMO_PROJECT" "${DEMO_ARGS[@]}"
}
STOP_TIMEOUT_SECONDS="${STOP_TIMEOUT_SECONDS:-15}"
# ------------------------------------------------------------------------------------

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1

log() { printf 'run: %s\n' "$*" >&2; }

PIDS=()
NAMES=()

# Each service runs in its own session (setsid) so that stopping it stops the whole
# process tree (`dotnet run` and the app it launched) with one signal to the group.
start_service() { # start_service NAME PROJECT [ARGS...]
    local name="$1" project="$2"; shift 2
    log "starting $name: dotnet run --no-build -c $CONFIGURATION --project $project -- $*"
    setsid dotnet run --no-build -c "$CONFIGURATION" --project "$project" -- "$@" &
    PIDS+=("$!")
    NAMES+=("$name")
}

alive() { kill -0 "$1" 2>/dev/null; }

stop_services() {
    local i pid deadline
    for pid in "${PIDS[@]}"; do
        alive "$pid" && kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$(( SECONDS + STOP_TIMEOUT_SECONDS ))
    for i in "${!PIDS[@]}"; do
        pid="${PIDS[$i]}"
        while alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
        if alive "$pid"; then
            log "${NAMES[$i]} did not stop in ${STOP_TIMEOUT_SECONDS}s; killing"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

teardown() {
    local rc=$?
    trap - EXIT INT TERM
    stop_services
    bash "$REPO_ROOT/scripts/infra.sh" stop "$INFRA_DIR" || log "warning: infra teardown failed"
    exit "$rc"
}
trap teardown EXIT
trap 'log "interrupted; stopping"; exit 130' INT
trap 'log "terminated; stopping"; exit 143' TERM

bash scripts/install-deps.sh
bash scripts/infra.sh start "$INFRA_DIR"
# shellcheck disable=SC1091
source "$INFRA_DIR/env"

log "building $SERVICE_PROJECT"
dotnet build "$SERVICE_PROJECT" -c "$CONFIGURATION" -v quiet -nologo

start_all
log "running; Ctrl-C stops everything (redis $METERING_REDIS, postgres port $METERING_POSTGRES_PORT)"

# Wait until any service exits (or a signal arrives), then tear everything down.
set +e
wait -n "${PIDS[@]}"
rc=$?
set -e
log "a service exited with code $rc; stopping the rest"
exit "$rc"
