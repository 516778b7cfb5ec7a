#!/usr/bin/env bash
# `make bench`: installs what is missing, starts throwaway Redis and PostgreSQL in a
# fresh temp folder, runs the benchmarks against them (all, or those named:
# transport, ingest, telemetry, unary, paging, flush, settlement; --seconds N shortens each measure)
# and always tears them down. The benchmark program prints its tables and writes
# its JSON results under .bench/ (docs/benchmarks.md).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CONFIGURATION="${CONFIGURATION:-Release}"
BENCH_PROJECT="${METERING_BENCH_PROJECT:-tests/Metering.Benchmarks}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1

bash scripts/install-deps.sh
mkdir -p "$REPO_ROOT/.bench"

# The ingest benchmark starts the service and the load generator as their own processes, from these builds.
export METERING_BENCH_CONFIGURATION="$CONFIGURATION"
for project in services/Metering.Service/Metering.Service.csproj clients/Metering.LoadGen/Metering.LoadGen.csproj; do
    echo "bench: dotnet build -c $CONFIGURATION $project" >&2
    dotnet build -c "$CONFIGURATION" "$project" -nologo -v q >&2
done

INFRA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/metering-bench.XXXXXXXX")"
teardown() {
    local rc=$?
    trap - EXIT INT TERM
    bash "$REPO_ROOT/scripts/infra.sh" stop "$INFRA_DIR" >/dev/null 2>&1 \
        || echo "bench: warning: teardown of $INFRA_DIR failed" >&2
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/infra.sh start "$INFRA_DIR"
# shellcheck disable=SC1091
source "$INFRA_DIR/env"

echo "bench: dotnet run -c $CONFIGURATION --project $BENCH_PROJECT -- $* (results in $REPO_ROOT/.bench)" >&2
set +e
dotnet run -c "$CONFIGURATION" --project "$BENCH_PROJECT" -- "$@"
rc=$?
set -e
exit "$rc"
