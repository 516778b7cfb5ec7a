#!/usr/bin/env bash
# `make chaos`: the fault-injection suite (tests/Metering.Chaos). It starts its own throwaway Redis and
# PostgreSQL (scripts/infra.sh), runs the metering service as a process of its own, and injects faults in
# rotation while SDK gateways stream. CHAOS_CYCLES (default 50) sets the number of cycles.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
CONFIGURATION="${CONFIGURATION:-Release}"

bash scripts/install-deps.sh
dotnet build -c "$CONFIGURATION" services/Metering.Service/Metering.Service.csproj -nologo -v q
dotnet build -c "$CONFIGURATION" tests/Metering.Chaos/Metering.Chaos.csproj -nologo -v q
exec dotnet run -c "$CONFIGURATION" --no-build --project tests/Metering.Chaos -- \
    --cycles "${CHAOS_CYCLES:-50}" --configuration "$CONFIGURATION" "$@"
