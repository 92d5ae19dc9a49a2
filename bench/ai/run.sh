#!/usr/bin/env bash
# AI traffic benchmark (docs/benchmarks.md, "AI traffic: endpoint picking"): one silo, 8 SimLLM replicas, 4 client
# sidecars; the same prefix-heavy workload (150 groups sharing long prompt prefixes, arrivals rising 10 -> 60 req/s)
# with round robin, least-request and Mesh's picker through the sidecars, and a central oracle calling the replicas
# directly. Prints TTFT p50/p90, output tokens/s and the prefix-cache hit rate per strategy, and the target ratios.
# Usage: bench/ai/run.sh [seconds per rate step=10] [replicas=8] [sidecars=4] [groups=150] [SimLLM time scale=1.0]
# Bounded: 6 steps per strategy, 5 strategies, then (with no arguments) a 20 s capacity run of 3 strategies: about 14
# minutes at the defaults; every process it starts is killed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/Mesh.Bench.Ai -c Release -nologo -clp:ErrorsOnly >&2
scripts/publish-sidecar.sh >/dev/null
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GB, $(date -u +%FT%TZ)"
dotnet bench/Mesh.Bench.Ai/bin/Release/net10.0/Mesh.Bench.Ai.dll "$@"
if [[ $# -eq 0 ]]; then
  # Capacity: the same pool held past what any strategy serves (80 req/s for 20 s). Output tokens/s is then what each
  # strategy can serve, not what the ramp offered (in the ramp above, every strategy that keeps up has the same).
  echo
  echo "capacity run:"
  dotnet bench/Mesh.Bench.Ai/bin/Release/net10.0/Mesh.Bench.Ai.dll 20 8 4 150 1.0 default rr,picker,oracle 80
fi
