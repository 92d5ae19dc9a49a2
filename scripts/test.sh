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
# The run's output is kept so that a failure can be repeated at the very end: CI shows only the tail of a long log.
log="$(mktemp -t mesh-test-XXXXXX.log)"
set +e
dotnet test tests/Mesh.Tests/Mesh.Tests.csproj -c "$configuration" --no-build -nologo \
  --logger "console;verbosity=normal" --blame-hang-timeout 5m "$@" 2>&1 | tee "$log"
status="${PIPESTATUS[0]}"
set -e
if [ "$status" -ne 0 ]; then
  echo
  echo "==== failed tests (repeated from above; full log: $log) ===="
  grep -E -A 12 '^\s+Failed [A-Za-z]' "$log" | cut -c1-400 || true
fi
exit "$status"
