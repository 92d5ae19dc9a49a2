#!/usr/bin/env bash
# AI traffic benchmark (docs/benchmarks.md, "AI traffic: endpoint picking"): one silo, 8 SimLLM replicas, 4 client
# sidecars; the same prefix-heavy workload (150 groups sharing long prompt prefixes, arrivals rising 10 -> 60 req/s)
# with round robin, least-request and Mesh's picker through the sidecars, and a central oracle calling the replicas
# directly. Prints TTFT p50/p90, output tokens/s and the prefix-cache hit rate per strategy, and the target ratios.
# Usage: bench/ai/run.sh [seconds per rate step=10] [replicas=8] [sidecars=4] [groups=150] [SimLLM time scale=1.0]
# Bounded: 6 steps per strategy, 4 strategies (about 5 minutes at the defaults); every process it starts is killed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/Mesh.Bench.Ai -c Release -nologo -clp:ErrorsOnly >&2
scripts/publish-sidecar.sh >/dev/null
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GB, $(date -u +%FT%TZ)"
dotnet bench/Mesh.Bench.Ai/bin/Release/net10.0/Mesh.Bench.Ai.dll "$@"
