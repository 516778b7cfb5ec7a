#!/usr/bin/env bash
# `make run`: installs what is missing, starts throwaway Redis and PostgreSQL under
# .run/infra, builds and starts the metering and settlement services on free loopback
# ports with a bootstrap ADMIN key made up for this session, waits until both answer
# SERVING on grpc.health.v1, runs `metering demo`, prints how to use the CLI against
# the running services, and waits. Ctrl-C (or TERM, or a service exiting) stops the
# services and the infrastructure.
#
# Environment (all optional):
#   DEMO_SECONDS=20                 how long the demo's gateways stream
#   DEMO_ARGS="--gateways 4"        more arguments for `metering demo`
#   RUN_DEMO=0                      start the services without the demo
#   METERING_PORT / SETTLEMENT_PORT fixed gRPC ports instead of free ones
#   METERING_BOOTSTRAP_ADMIN_KEY    the ADMIN key (24+ characters) instead of a random one
#   CONFIGURATION=Release           build configuration
# Service logs go to .run/logs/{metering,settlement}.log.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CONFIGURATION="${CONFIGURATION:-Release}"
TFM="${METERING_TFM:-net10.0}"
INFRA_DIR="${METERING_RUN_INFRA_DIR:-$REPO_ROOT/.run/infra}"
LOG_DIR="${METERING_RUN_LOG_DIR:-$REPO_ROOT/.run/logs}"
READY_TIMEOUT_SECONDS="${READY_TIMEOUT_SECONDS:-90}"
STOP_TIMEOUT_SECONDS="${STOP_TIMEOUT_SECONDS:-15}"
DEMO_SECONDS="${DEMO_SECONDS:-20}"

# ---- what to run ---------------------------------------------------------------------
# name | project folder | assembly (bin/$CONFIGURATION/$TFM/<assembly>.dll)
SERVICE_PROJECT="${METERING_SERVICE_PROJECT:-services/Metering.Service}"
SERVICE_ASSEMBLY=Metering.Service
SETTLEMENT_PROJECT="${METERING_SETTLEMENT_PROJECT:-services/Metering.Settlement}"
SETTLEMENT_ASSEMBLY=Metering.Settlement
CLI_PROJECT="${METERING_CLI_PROJECT:-clients/Metering.Cli}"
CLI_ASSEMBLY=metering
# ---------------------------------------------------------------------------------------

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1

log() { printf 'run: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

output_dir() { printf '%s/%s/bin/%s/%s' "$REPO_ROOT" "$1" "$CONFIGURATION" "$TFM"; }

# Refuse early, before anything is started, when a part is missing from the tree.
for project in "$SERVICE_PROJECT" "$SETTLEMENT_PROJECT" "$CLI_PROJECT"; do
    if ! compgen -G "$project/*.csproj" >/dev/null; then
        case "$project" in
            "$SETTLEMENT_PROJECT") die "the settlement service is missing ($project/*.csproj not found): \`make run\` needs it to settle the demo's month" ;;
            *) die "$project/*.csproj not found" ;;
        esac
    fi
done

PIDS=()
NAMES=()

alive() { kill -0 "$1" 2>/dev/null; }

# Each service runs in its own session (setsid), started from its output folder (so it
# reads its appsettings.json), with its log in $LOG_DIR. Ctrl-C in the terminal therefore
# reaches only this script and the demo; the services are stopped by stop_services,
# one signal per process group.
start_service() { # start_service NAME PROJECT ASSEMBLY [VAR=VALUE...]
    local name="$1" dir; dir="$(output_dir "$2")"; local dll="$3.dll"; shift 3
    [[ -f "$dir/$dll" ]] || die "$dir/$dll not found after the build"
    (cd "$dir" && exec env "$@" setsid dotnet "$dll") >"$LOG_DIR/$name.log" 2>&1 &
    PIDS+=("$!")
    NAMES+=("$name")
}

stop_services() {
    local i pid deadline
    for pid in "${PIDS[@]}"; do
        if alive "$pid"; then kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; fi
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

# A stop asked for (Ctrl-C, TERM) that tears everything down cleanly is a success: exit 0, so `make run` does not
# report "Error 130/143". A service that dies on its own, or a failed teardown, is a failure.
STOP_REQUESTED=0
teardown() {
    local rc=$?
    trap - EXIT INT TERM
    if (( ${#PIDS[@]} > 0 )); then log "stopping the services"; fi
    stop_services
    if ! bash "$REPO_ROOT/scripts/infra.sh" stop "$INFRA_DIR"; then
        log "warning: infra teardown failed"
        exit 1
    fi
    if (( STOP_REQUESTED )); then
        log "stopped"
        exit 0
    fi
    exit "$rc"
}
trap teardown EXIT
trap 'STOP_REQUESTED=1; log "interrupted; stopping"; exit 130' INT
trap 'STOP_REQUESTED=1; log "terminated; stopping"; exit 143' TERM

# Two distinct free loopback ports below the ephemeral range (so no client socket takes them).
free_ports() {
    python3 - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    low = 32768
hi = max(low - 1, 11000)
picked, held = [], []
for _ in range(2000):
    p = random.randint(10000, hi)
    if p in picked:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    held.append(s)
    picked.append(p)
    if len(picked) == n:
        break
for s in held:
    s.close()
if len(picked) < n:
    sys.exit("no free port found")
print(" ".join(map(str, picked)))
EOF
}

CLI_DLL="$(output_dir "$CLI_PROJECT")/$CLI_ASSEMBLY.dll"
metering() { dotnet "$CLI_DLL" "$@"; }

# wait_serving NAME PID ADDRESS: grpc.health.v1 Check until SERVING; fails when the
# process exits or READY_TIMEOUT_SECONDS pass, showing the end of its log.
wait_serving() {
    local name="$1" pid="$2" address="$3" deadline=$(( SECONDS + READY_TIMEOUT_SECONDS ))
    while :; do
        if ! alive "$pid"; then
            log "$name exited during start-up; the end of $LOG_DIR/$name.log:"
            tail -n 30 "$LOG_DIR/$name.log" >&2 || true
            exit 1
        fi
        if metering health --service "$name" --address "$address" --settlement-address "$address" >/dev/null 2>&1; then
            log "$name is SERVING at $address (log: $LOG_DIR/$name.log)"
            return 0
        fi
        if (( SECONDS >= deadline )); then
            log "$name is not SERVING after ${READY_TIMEOUT_SECONDS}s; the end of $LOG_DIR/$name.log:"
            tail -n 30 "$LOG_DIR/$name.log" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
}

bash scripts/install-deps.sh
bash scripts/infra.sh start "$INFRA_DIR"
# shellcheck disable=SC1091
source "$INFRA_DIR/env"

# One line per project; the build's own output only when it fails.
mkdir -p "$LOG_DIR"
for project in "$SERVICE_PROJECT" "$SETTLEMENT_PROJECT" "$CLI_PROJECT"; do
    started=$SECONDS
    if ! dotnet build "$project" -c "$CONFIGURATION" -v quiet -nologo -tl:off >"$LOG_DIR/build.log" 2>&1; then
        cat "$LOG_DIR/build.log" >&2
        die "building $project failed (the output above, also in $LOG_DIR/build.log)"
    fi
    log "built $project ($(( SECONDS - started )) s)"
done

read -r -a ports <<<"$(free_ports 4)"
if [[ -n "${METERING_PORT:-}" && -n "${SETTLEMENT_PORT:-}" ]]; then
    ports[0]="$METERING_PORT"
    ports[1]="$SETTLEMENT_PORT"
fi
METERING_URL="http://127.0.0.1:${ports[0]}"
SETTLEMENT_URL="http://127.0.0.1:${ports[1]}"
# The HTTP/1.1 endpoints (/healthz for load balancers, /metrics for Prometheus).
METERING_HTTP_URL="http://127.0.0.1:${ports[2]}"
SETTLEMENT_HTTP_URL="http://127.0.0.1:${ports[3]}"
ADMIN_KEY="${METERING_BOOTSTRAP_ADMIN_KEY:-admin-$(python3 -c 'import secrets; print(secrets.token_hex(20))')}"
(( ${#ADMIN_KEY} >= 24 )) || die "METERING_BOOTSTRAP_ADMIN_KEY must be at least 24 characters"

common_env=(
    "Postgres__ConnectionString=$METERING_POSTGRES"
    "Security__BootstrapAdminKey=$ADMIN_KEY"
)
# The metering service first: it applies the database migrations the settlement service also runs.
start_service metering "$SERVICE_PROJECT" "$SERVICE_ASSEMBLY" "${common_env[@]}" \
    "Redis__Configuration=$METERING_REDIS" "Kestrel__Endpoints__Grpc__Url=$METERING_URL" "Kestrel__Endpoints__Http__Url=$METERING_HTTP_URL"
wait_serving metering "${PIDS[0]}" "$METERING_URL"
start_service settlement "$SETTLEMENT_PROJECT" "$SETTLEMENT_ASSEMBLY" "${common_env[@]}" \
    "Kestrel__Endpoints__Grpc__Url=$SETTLEMENT_URL" "Kestrel__Endpoints__Http__Url=$SETTLEMENT_HTTP_URL"
wait_serving settlement "${PIDS[1]}" "$SETTLEMENT_URL"

export METERING_ADDRESS="$METERING_URL" METERING_SETTLEMENT_ADDRESS="$SETTLEMENT_URL" METERING_API_KEY="$ADMIN_KEY"
log "metering service   $METERING_URL   (IngestService, UsageService, AdminService; flushes to PostgreSQL every 5 s); health $METERING_HTTP_URL/healthz, metrics $METERING_HTTP_URL/metrics"
log "settlement service $SETTLEMENT_URL   (SettlementService); health $SETTLEMENT_HTTP_URL/healthz, metrics $SETTLEMENT_HTTP_URL/metrics"
log "bootstrap ADMIN key for this session: $ADMIN_KEY"

if [[ "${RUN_DEMO:-1}" != 0 ]]; then
    log "running the demo: metering demo --seconds $DEMO_SECONDS --metrics $METERING_HTTP_URL/metrics ${DEMO_ARGS:-}"
    echo
    # shellcheck disable=SC2086  # DEMO_ARGS is a list of words on purpose
    set +e
    metering demo --seconds "$DEMO_SECONDS" --metrics "$METERING_HTTP_URL/metrics" ${DEMO_ARGS:-}
    demo_rc=$?
    set -e
    echo
    if (( demo_rc != 0 )); then
        log "warning: the demo exited with code $demo_rc; the services keep running for a look (logs in $LOG_DIR)"
    fi
fi

MONTH="$(date -u +%Y-%m)"
NEXT_MONTH="$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m)"
if [[ "${RUN_DEMO:-1}" != 0 ]]; then
    # The demo created these hosts and settled this month.
    EXAMPLES="  metering hosts list
  metering usage --from $MONTH --to $NEXT_MONTH --by host,model
  metering statements list --period $MONTH
  metering statements show --host aws --period $MONTH
  metering statements export --period $MONTH --format csv"
else
    # No demo ran: nothing exists yet but the bootstrap ADMIN key.
    EXAMPLES="  metering hosts create acme --name 'Acme Cloud'
  metering keys create --role host --host acme      # the secret is shown once
  metering hosts list
  metering usage --from $MONTH --to $NEXT_MONTH --by host,model"
fi

cat <<EOF
The services keep running. To use the CLI against them, in another shell:

  export METERING_ADDRESS=$METERING_URL
  export METERING_SETTLEMENT_ADDRESS=$SETTLEMENT_URL
  export METERING_API_KEY=$ADMIN_KEY
  alias metering='dotnet $CLI_DLL'

$EXAMPLES
  metering --help

Health for load balancers: $METERING_HTTP_URL/healthz, $SETTLEMENT_HTTP_URL/healthz
Prometheus metrics: $METERING_HTTP_URL/metrics, $SETTLEMENT_HTTP_URL/metrics (alert rules and a Grafana dashboard in ops/; docs/runbook.md)
Redis $METERING_REDIS; PostgreSQL: psql "$METERING_POSTGRES_URL" (source $INFRA_DIR/env for both); service logs in $LOG_DIR.
Ctrl-C stops everything.
EOF

# Wait until a service exits (or a signal arrives), then tear everything down.
set +e
wait -n "${PIDS[@]}"
rc=$?
set -e
for i in "${!PIDS[@]}"; do
    alive "${PIDS[$i]}" || log "${NAMES[$i]} exited with code $rc (log: $LOG_DIR/${NAMES[$i]}.log)"
done
log "stopping the rest"
exit "$rc"
