#!/usr/bin/env bash
# Builds the solution and runs every test. The tests start what they need themselves: a throwaway PostgreSQL
# cluster from the machine's binaries, silo and sidecar processes, and Kestrel servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
dotnet build Mesh.sln -c "$configuration" -nologo -clp:ErrorsOnly
# The end-to-end tests run the sidecar as it ships: self-contained and trimmed (scripts/publish-sidecar.sh).
MESH_TEST_SIDECAR="$(scripts/publish-sidecar.sh)"
export MESH_TEST_SIDECAR
dotnet test tests/Mesh.Tests/Mesh.Tests.csproj -c "$configuration" --no-build -nologo \
  --logger "console;verbosity=normal" --blame-hang-timeout 5m "$@"
