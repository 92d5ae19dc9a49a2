#!/usr/bin/env bash
# Builds the solution and runs every test. The tests start what they need themselves: a throwaway PostgreSQL
# cluster from the machine's binaries, silo and sidecar processes, and Kestrel servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
dotnet build Mesh.sln -c "$configuration" -nologo -clp:ErrorsOnly
# The end-to-end tests run the sidecar as it ships: the NativeAOT executable (scripts/publish-sidecar.sh).
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
  # A few failures among ~1,400 tests that start real processes on a loaded 2-core machine are most often timing:
  # those tests (and only those) run once more on their own. Each one is still named here as FLAKY, so it gets
  # fixed; more than a few failures, or a failure that repeats, fails the run.
  failed=$(grep -E '^\s+Failed Mesh\.' "$log" | sed -E 's/^\s+Failed ([^ (]+).*/\1/' | sort -u)
  count=$(printf '%s\n' "$failed" | grep -c . || true)
  if [ "$count" -ge 1 ] && [ "$count" -le "${MESH_TEST_RERUN_LIMIT:-5}" ]; then
    filter=$(printf '%s\n' "$failed" | sed 's/^/FullyQualifiedName=/' | paste -sd'|')
    echo "==== running the $count failed test(s) once more, alone ===="
    if dotnet test tests/Mesh.Tests/Mesh.Tests.csproj -c "$configuration" --no-build -nologo \
        --logger "console;verbosity=normal" --blame-hang-timeout 5m --filter "$filter"; then
      printf 'FLAKY (failed in the full run, passed alone): %s\n' $failed
      status=0
    fi
  fi
fi
# A short coverage-guided fuzz run of every target after the tests pass (docs/reliability.md): 8 targets x 10 s plus
# the publish and instrumentation, about 2 minutes. It fails only for a crash (an input whose exception escapes a
# parser or validator), never because afl-fuzz cannot run on the machine. MESH_CI_FUZZ_SECONDS=0 skips it.
fuzz_seconds="${MESH_CI_FUZZ_SECONDS:-10}"
if [ "$status" -eq 0 ] && [ "$fuzz_seconds" -gt 0 ]; then
  echo "==== fuzz: scripts/fuzz.sh $fuzz_seconds (SharpFuzz + afl++, every target) ===="
  fuzz_start=$SECONDS
  scripts/fuzz.sh "$fuzz_seconds" || status=$?
  if [ "$status" -eq 0 ]; then
    echo "==== fuzz: ran every target, no crash found, $((SECONDS - fuzz_start)) s ===="
  fi
fi
exit "$status"
