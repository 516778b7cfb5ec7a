#!/usr/bin/env bash
# `make test`: installs what is missing, starts a throwaway Redis and PostgreSQL in a
# fresh temp folder, runs the whole test suite against them, always tears them down,
# and exits with dotnet test's exit code.
#
#   TEST_FILTER='FullyQualifiedName~Ingest' make test   -> dotnet test --filter ...
#   extra arguments to this script are passed to dotnet test
#   METERING_SOLUTION overrides the solution (default Metering.sln / Metering.slnx)
#   KEEP_INFRA=1 leaves the infrastructure running (prints where) for debugging
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CONFIGURATION="${CONFIGURATION:-Release}"
SOLUTION="${METERING_SOLUTION:-}"
if [[ -z "$SOLUTION" ]]; then
    if [[ -f Metering.sln ]]; then SOLUTION=Metering.sln
    elif [[ -f Metering.slnx ]]; then SOLUTION=Metering.slnx
    else echo "test: Metering.sln not found in $REPO_ROOT" >&2; exit 1; fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Build nodes that outlive the build could hold the output pipe open; don't keep them.
export MSBUILDDISABLENODEREUSE=1

bash scripts/install-deps.sh

# The wire contract first: buf lint of the protos (buf from npm into .tools/).
bash scripts/lint.sh

INFRA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/metering-test.XXXXXXXX")"
LOG="$INFRA_DIR.log"
teardown() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ "${KEEP_INFRA:-}" == 1 ]]; then
        echo "test: KEEP_INFRA=1, leaving infra at $INFRA_DIR (stop: bash scripts/infra.sh stop $INFRA_DIR)" >&2
    else
        bash "$REPO_ROOT/scripts/infra.sh" stop "$INFRA_DIR" >/dev/null 2>&1 \
            || echo "test: warning: teardown of $INFRA_DIR failed" >&2
    fi
    rm -f "$LOG"
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/infra.sh start "$INFRA_DIR"
# shellcheck disable=SC1091
source "$INFRA_DIR/env"

args=(test "$SOLUTION" -c "$CONFIGURATION" --logger "console;verbosity=normal")
if [[ -n "${TEST_FILTER:-}" ]]; then args+=(--filter "$TEST_FILTER"); fi
args+=("$@")

echo "test: dotnet ${args[*]}" >&2
set +e
dotnet "${args[@]}" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

# One summary line across all test projects. Recognised formats, first match wins:
#   VSTest, normal verbosity (per project):  "Total tests: 3" / "     Passed: 2" / "     Failed: 1"
#   VSTest, minimal verbosity (per project): "Passed!  - Failed:     0, Passed:    12, Skipped: ..."
#   Microsoft.Testing.Platform:              "  total: 3" / "  failed: 1" / "  succeeded: 2"
summary="$(awk '
    function num(s) { sub(/^[^0-9]*/, "", s); return s + 0 }
    /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
        l = $0; sub(/.*Failed: +/, "", l); mf += l + 0
        l = $0; sub(/.*Passed: +/, "", l); mp += l + 0
        m = 1; next
    }
    /^Total tests: +[0-9]+/      { b = 1; next }
    /^ +Passed: +[0-9]+ *$/      { bp += num($0); next }
    /^ +Failed: +[0-9]+ *$/      { bf += num($0); next }
    /^ +succeeded: +[0-9]+ *$/   { tp += num($0); t = 1; next }
    /^ +failed: +[0-9]+ *$/      { tf += num($0); t = 1; next }
    END {
        if (b) printf "%d %d\n", bp, bf
        else if (m) printf "%d %d\n", mp, mf
        else if (t) printf "%d %d\n", tp, tf
    }' "$LOG")"
if [[ -n "$summary" ]]; then
    read -r passed failed <<<"$summary"
    echo "tests: $passed passed, $failed failed"
else
    echo "tests: no test totals found (dotnet test exit code $rc)"
fi
exit "$rc"
