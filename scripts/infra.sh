#!/usr/bin/env bash
# Throwaway Redis and PostgreSQL for tests, benchmarks and `make run`.
#
#   scripts/infra.sh start  [DIR]   start both on free loopback ports, write DIR/env
#   scripts/infra.sh stop   [DIR]   stop both and remove DIR (safe after a failed start)
#   scripts/infra.sh env    [DIR]   print DIR/env (shell exports) of a running set
#   scripts/infra.sh status [DIR]   say whether both answer
#
# DIR defaults to .run/infra in the repository (gitignored).
#
# DIR/env exports:
#   METERING_REDIS            127.0.0.1:PORT
#   METERING_REDIS_PORT       PORT
#   METERING_POSTGRES         Npgsql connection string (user/database `metering`, trust auth)
#   METERING_POSTGRES_PORT    PORT
#   METERING_PG_BIN           PostgreSQL server binaries (initdb, pg_ctl, postgres)
#   METERING_INFRA_DIR        DIR
#   METERING_REDIS_CONF       the redis.conf the server was started with
#   METERING_REDIS_PIDFILE    Redis pid file
#   METERING_REDIS_START_CMD  restarts Redis exactly as started (daemonizes, reloads the AOF)
#   METERING_PG_DATA          PostgreSQL data directory (postmaster.pid inside)
#   METERING_PG_START_CMD     restarts PostgreSQL (waits until it accepts connections)
#   METERING_PG_STOP_CMD      stops PostgreSQL; append a mode: fast (default) | immediate | smart
# Chaos tests may kill the servers (e.g. `kill -9 $(cat "$METERING_REDIS_PIDFILE")`)
# and bring them back with the *_START_CMD commands: `/bin/sh -c "$METERING_REDIS_START_CMD"`.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${METERING_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_OS_USER="${METERING_PG_OS_USER:-postgres}"   # used only when running as root
MARKER=".metering-infra"

log() { printf 'infra: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

abs_dir() { # absolute path of $1 without requiring it to exist
    local d="$1"
    [[ "$d" == /* ]] || d="$PWD/$d"
    # normalise trailing slashes and "." components
    d="$(printf '%s' "$d" | sed -e 's#/\./#/#g' -e 's#/\.$##' -e 's#//*#/#g' -e 's#\(.\)/$#\1#')"
    printf '%s' "$d"
}

py() {
    if [[ -x /usr/bin/python3 ]]; then /usr/bin/python3 "$@"; else python3 "$@"; fi
}

# Two distinct free loopback ports below the kernel's ephemeral range, so client
# sockets never take a server's port while a chaos test has the server stopped.
pick_ports() {
    py - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except Exception:
    low = 32768
hi = max(low - 1, 11000)
lo = 10000 if hi > 10000 else 1025
picked, held = [], []
for _ in range(2000):
    p = random.randint(lo, hi)
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

# ---------------------------------------------------------------- PostgreSQL user

pg_user() { if [[ $EUID -eq 0 ]]; then printf '%s' "$PG_OS_USER"; else id -un; fi; }

ensure_pg_os_user() {
    [[ $EUID -eq 0 ]] || return 0
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    log "creating system user $PG_OS_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
        --shell /bin/bash "$PG_OS_USER"
}

as_pg() { # run a command as the PostgreSQL OS user (postgres refuses to run as root)
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# ---------------------------------------------------------------- helpers

redis_answers() { # redis_answers PORT DIR -> our redis (same dir) answers PING
    local port="$1" dir="$2" got
    [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]] || return 1
    got="$(redis-cli -h 127.0.0.1 -p "$port" config get dir 2>/dev/null | sed -n 2p)"
    [[ "$got" == "$dir" ]]
}

pg_answers() { # pg_answers PORT
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 1 >/dev/null 2>&1 \
        || pg_isready -q -h 127.0.0.1 -p "$1" -t 1 >/dev/null 2>&1
}

pid_alive() { # running and not a zombie (an unreaped zombie counts as gone)
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null || true)"
    [[ "$state" != Z && "$state" != X ]]
}

wait_gone() { # wait_gone PID SECONDS
    local pid="$1" n=$(( $2 * 10 ))
    while pid_alive "$pid" && (( n-- > 0 )); do sleep 0.1; done
    ! pid_alive "$pid"
}

q() { # single-quote for the env file
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# ---------------------------------------------------------------- Redis

start_redis() { # start_redis DIR -> sets REDIS_PORT
    local dir="$1" rdir="$1/redis" attempt port
    mkdir -p "$rdir"
    for attempt in 1 2 3 4 5; do
        port="$(pick_ports 1)"
        cat >"$rdir/redis.conf" <<EOF
# written by scripts/infra.sh; start with: redis-server $rdir/redis.conf
port $port
bind 127.0.0.1
protected-mode yes
dir $rdir
daemonize yes
pidfile $rdir/redis.pid
logfile $rdir/redis.log
appendonly yes
appendfsync always
# An evicted counter is lost revenue: a full Redis refuses writes instead (the default, stated here on purpose).
maxmemory-policy noeviction
save ""
databases 16
EOF
        printf '%s\n' "$port" >"$rdir/port"
        rm -f "$rdir/redis.pid"
        if redis-server "$rdir/redis.conf" >>"$rdir/redis.log" 2>&1; then
            local n=100
            while (( n-- > 0 )); do
                if redis_answers "$port" "$rdir"; then REDIS_PORT="$port"; return 0; fi
                [[ -f "$rdir/redis.pid" ]] && ! pid_alive "$(cat "$rdir/redis.pid" 2>/dev/null)" && break
                sleep 0.1
            done
        fi
        log "redis did not start on port $port (attempt $attempt); log tail:"
        tail -n 5 "$rdir/redis.log" >&2 || true
        stop_redis "$dir"
    done
    return 1
}

stop_redis() { # stop_redis DIR
    local rdir="$1/redis" pid="" port=""
    [[ -d "$rdir" ]] || return 0
    [[ -f "$rdir/redis.pid" ]] && pid="$(cat "$rdir/redis.pid" 2>/dev/null || true)"
    [[ -f "$rdir/port" ]] && port="$(cat "$rdir/port" 2>/dev/null || true)"
    if pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
    elif [[ -n "$port" ]] && redis_answers "$port" "$rdir"; then
        # no pid file (e.g. killed mid-start): shut down the instance serving our dir
        redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
    rm -f "$rdir/redis.pid"
}

# ---------------------------------------------------------------- PostgreSQL

# Where the cluster lives: DIR/pg, or (when the postgres user cannot reach DIR, e.g.
# a repo under /root) a directory under /tmp with DIR/pg as a symlink to it.
prepare_pg_root() { # prepare_pg_root DIR -> sets PG_ROOT
    local dir="$1" user
    user="$(pg_user)"
    if [[ -L "$dir/pg" || -d "$dir/pg" ]]; then
        PG_ROOT="$(readlink -f "$dir/pg")"
        return 0
    fi
    mkdir -p "$dir/pg"
    if [[ $EUID -eq 0 ]]; then
        chmod o+x "$dir"   # mktemp -d makes 0700 dirs; postgres must traverse DIR
        chown "$user:" "$dir/pg"
        chmod 700 "$dir/pg"
        if ! runuser -u "$user" -- test -w "$dir/pg" -a -x "$dir/pg" 2>/dev/null; then
            rmdir "$dir/pg"
            local alt
            alt="$(mktemp -d /tmp/metering-pg.XXXXXXXX)"
            chown "$user:" "$alt"
            chmod 700 "$alt"
            ln -s "$alt" "$dir/pg"
            log "user $user cannot reach $dir; PostgreSQL data lives in $alt"
        fi
    fi
    PG_ROOT="$(readlink -f "$dir/pg")"
}

start_pg() { # start_pg DIR -> sets PG_PORT, PG_DATA
    local dir="$1" attempt port sock
    ensure_pg_os_user
    prepare_pg_root "$dir"
    PG_DATA="$PG_ROOT/data"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        as_pg rm -rf "$PG_DATA"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
            --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
            || { tail -n 20 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
        as_pg sh -c "printf '%s\n' \"include_if_exists = 'metering.conf'\" >>'$PG_DATA/postgresql.conf'"
    fi
    # Unix socket inside DIR when the path fits in sun_path (107 bytes); else TCP only.
    sock="$PG_ROOT/sock"
    as_pg mkdir -p "$sock"
    if (( ${#sock} + 20 > 100 )); then sock=""; fi

    for attempt in 1 2 3 4 5; do
        port="$(pick_ports 1)"
        as_pg sh -c "cat >'$PG_DATA/metering.conf'" <<EOF
# written by scripts/infra.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 300
fsync = on
synchronous_commit = on
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
        printf '%s\n' "$port" >"$dir/pg-port"
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_ROOT/postgres.log" -w -t 60 start >/dev/null 2>&1; then
            local n=100
            while (( n-- > 0 )); do
                if pg_answers "$port"; then PG_PORT="$port"; return 0; fi
                sleep 0.1
            done
        fi
        log "postgresql did not start on port $port (attempt $attempt); log tail:"
        tail -n 5 "$PG_ROOT/postgres.log" >&2 || true
        stop_pg "$dir"
    done
    return 1
}

stop_pg() { # stop_pg DIR
    local dir="$1" root data pid
    [[ -e "$dir/pg" ]] || return 0
    root="$(readlink -f "$dir/pg")"
    data="$root/data"
    [[ -f "$data/postmaster.pid" ]] || return 0
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    if pid_alive "$pid"; then
        as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        if pid_alive "$pid"; then
            kill -QUIT "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
        fi
    fi
}

pg_setup_db() { # pg_setup_db PORT
    psql -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
SELECT 'CREATE ROLE metering LOGIN CREATEDB'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metering') \gexec
GRANT pg_signal_backend TO metering;
SELECT 'CREATE DATABASE metering OWNER metering'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'metering') \gexec
EOF
}

# ---------------------------------------------------------------- commands

write_env() { # write_env DIR
    local dir="$1" rdir="$1/redis" me
    me="$REPO_ROOT/scripts/infra.sh"
    # helper that restarts/stops PostgreSQL with the right OS user
    cat >"$dir/pgctl.sh" <<EOF
#!/usr/bin/env bash
# written by scripts/infra.sh: pgctl.sh start | stop [fast|immediate|smart]
set -euo pipefail
cmd="\${1:?start|stop}"
run() { if [[ \$EUID -eq 0 ]]; then (cd / && runuser -u $(q "$(pg_user)") -- "\$@"); else (cd / && "\$@"); fi; }
case "\$cmd" in
    start) run $(q "$PG_BIN/pg_ctl") -D $(q "$PG_DATA") -l $(q "$PG_ROOT/postgres.log") -w -t 60 start >/dev/null ;;
    stop)  run $(q "$PG_BIN/pg_ctl") -D $(q "$PG_DATA") -m "\${2:-fast}" -w -t 60 stop >/dev/null ;;
    *) echo "usage: \$0 start | stop [mode]" >&2; exit 2 ;;
esac
EOF
    chmod +x "$dir/pgctl.sh"

    local tmp="$dir/env.tmp"
    {
        echo "# written by scripts/infra.sh start; stop with: $me stop $dir"
        echo "export METERING_REDIS=$(q "127.0.0.1:$REDIS_PORT")"
        echo "export METERING_REDIS_PORT=$(q "$REDIS_PORT")"
        echo "export METERING_POSTGRES=\"Host=127.0.0.1;Port=$PG_PORT;Username=metering;Database=metering\""
        echo "export METERING_POSTGRES_PORT=$(q "$PG_PORT")"
        echo "# The same database as a libpq URL, for psql and other libpq tools: psql \"\$METERING_POSTGRES_URL\""
        echo "export METERING_POSTGRES_URL=$(q "postgresql://metering@127.0.0.1:$PG_PORT/metering")"
        echo "export METERING_PG_BIN=$(q "$PG_BIN")"
        echo "export METERING_INFRA_DIR=$(q "$dir")"
        echo "export METERING_REDIS_CONF=$(q "$rdir/redis.conf")"
        echo "export METERING_REDIS_PIDFILE=$(q "$rdir/redis.pid")"
        echo "export METERING_REDIS_START_CMD=$(q "redis-server $rdir/redis.conf")"
        echo "export METERING_PG_DATA=$(q "$PG_DATA")"
        echo "export METERING_PG_START_CMD=$(q "bash $dir/pgctl.sh start")"
        echo "export METERING_PG_STOP_CMD=$(q "bash $dir/pgctl.sh stop")"
    } >"$tmp"
    mv "$tmp" "$dir/env"
}

is_running() { # is_running DIR: env present and both servers answer
    local dir="$1"
    [[ -f "$dir/env" ]] || return 1
    local rp pp
    rp="$(cat "$dir/redis/port" 2>/dev/null || true)"
    pp="$(cat "$dir/pg-port" 2>/dev/null || true)"
    [[ -n "$rp" && -n "$pp" ]] || return 1
    redis_answers "$rp" "$dir/redis" && pg_answers "$pp"
}

cmd_start() {
    local dir="$1"
    command -v redis-server >/dev/null || die "redis-server not installed (run scripts/install-deps.sh)"
    [[ -x "$PG_BIN/pg_ctl" ]] || die "$PG_BIN/pg_ctl missing (run scripts/install-deps.sh)"
    if [[ -d "$dir" ]] && is_running "$dir"; then
        log "already running ($dir/env)"
        return 0
    fi
    if [[ -d "$dir" && -n "$(ls -A "$dir" 2>/dev/null)" && ! -f "$dir/$MARKER" ]]; then
        die "$dir exists and was not made by infra.sh; refusing to use it"
    fi
    if [[ -f "$dir/$MARKER" ]]; then   # leftovers of an earlier run: clean slate
        cmd_stop "$dir" quiet
    fi
    mkdir -p "$dir"
    : >"$dir/$MARKER"
    # Any failure (or signal) from here on tears down whatever did start.
    START_DIR="$dir"
    # shellcheck disable=SC2154  # rc is assigned inside the trap
    trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "start failed; cleaning up"; cmd_stop "$START_DIR" quiet || true; fi; exit $rc' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    REDIS_PORT="" PG_PORT="" PG_DATA="" PG_ROOT=""
    start_redis "$dir" || die "could not start redis (log: $dir/redis/redis.log)"
    start_pg "$dir"    || die "could not start postgresql (log: $dir/pg/postgres.log)"
    pg_setup_db "$PG_PORT" || die "could not create database metering"
    write_env "$dir"
    trap - EXIT INT TERM
    log "redis 127.0.0.1:$REDIS_PORT, postgresql 127.0.0.1:$PG_PORT; env: $dir/env"
}

cmd_stop() {
    local dir="$1" quiet="${2:-}"
    if [[ ! -d "$dir" ]]; then
        [[ -n "$quiet" ]] || log "nothing to stop at $dir"
        return 0
    fi
    if [[ ! -f "$dir/$MARKER" ]]; then
        if [[ -z "$(ls -A "$dir" 2>/dev/null)" ]]; then rmdir "$dir"; return 0; fi
        die "$dir was not made by infra.sh; not touching it"
    fi
    stop_redis "$dir"
    stop_pg "$dir"
    if [[ -L "$dir/pg" ]]; then
        local alt
        alt="$(readlink -f "$dir/pg")"
        [[ "$alt" == /tmp/metering-pg.* ]] && rm -rf -- "$alt"
    fi
    rm -rf -- "$dir"
    [[ -n "$quiet" ]] || log "stopped; removed $dir"
}

cmd_env() {
    local dir="$1"
    [[ -f "$dir/env" ]] || die "not running: $dir/env missing"
    cat "$dir/env"
}

cmd_status() {
    local dir="$1"
    if is_running "$dir"; then
        log "running: redis 127.0.0.1:$(cat "$dir/redis/port"), postgresql 127.0.0.1:$(cat "$dir/pg-port")"
    else
        log "not running ($dir)"
        return 1
    fi
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd="$1" dir
    dir="$(abs_dir "${2:-$REPO_ROOT/.run/infra}")"
    case "$dir" in
        /|/tmp|/root|/home|/work|"$REPO_ROOT") die "refusing to use $dir as the state folder" ;;
    esac
    case "$cmd" in
        start)  cmd_start "$dir" ;;
        stop)   cmd_stop "$dir" ;;
        env)    cmd_env "$dir" ;;
        status) cmd_status "$dir" ;;
        *) usage ;;
    esac
}

main "$@"
