#!/usr/bin/env bash
# Runs the admin API fuzzer (tests/Mesh.Tests/Fuzz) longer than the test suite does: several seeds, many cases each.
# Usage: scripts/fuzz-api.sh [iterations-per-seed] [first-seed] [seed-count]
#   defaults: 20000 cases per seed, seeds 1..5 (the suite itself runs 1000 cases of seed 20261202).
# Each seed starts its own PostgreSQL and silo; a failure prints the seed and case number that replay it:
#   MESH_FUZZ_SEED=<seed> MESH_FUZZ_ITERATIONS=<case+1> dotnet test ... --filter FullyQualifiedName~Mesh.Tests.Fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-20000}"
first_seed="${2:-1}"
seeds="${3:-5}"
configuration="${CONFIGURATION:-Release}"
[[ "$iterations" =~ ^[0-9]+$ && "$first_seed" =~ ^[0-9]+$ && "$seeds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [iterations] [first-seed] [seed-count]" >&2; exit 2; }

dotnet build Mesh.sln -c "$configuration" -nologo -clp:ErrorsOnly
failed=0
for ((seed = first_seed; seed < first_seed + seeds; seed++)); do
  echo "== seed $seed, $iterations cases"
  if ! MESH_FUZZ_SEED="$seed" MESH_FUZZ_ITERATIONS="$iterations" \
    dotnet test tests/Mesh.Tests/Mesh.Tests.csproj -c "$configuration" --no-build -nologo \
      --filter "FullyQualifiedName~Mesh.Tests.Fuzz" --logger "console;verbosity=detailed" --blame-hang-timeout 10m; then
    failed=$((failed + 1))
  fi
done
echo "== $seeds seed(s), $failed failed"
[[ "$failed" -eq 0 ]]
