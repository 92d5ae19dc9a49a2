#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers and validators that take outside input (fuzz/Mesh.Fuzz, docs/reliability.md):
# SharpFuzz instruments the Mesh assemblies, afl-fuzz runs each target for a bounded time.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]     default: 60 s, every target (mesh-fuzz list)
#
# Prints per target: execs, execs/s, corpus entries, crashes, hangs. Exits 1 if any target found a crash (the
# crashing inputs are replayed and their exceptions printed) or if a seed input crashes. When afl-fuzz cannot run on
# this machine (not installed and no root to install it, or it refuses to start), it says so loudly and only replays
# the seed corpus: the environment is not a finding. Output: artifacts/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
seconds="${1:-60}"
shift || true
out="$root/artifacts/fuzz"
bin="$out/bin"
tools="$root/artifacts/tools"
exec_timeout_ms="${MESH_FUZZ_EXEC_TIMEOUT_MS:-5000}"  # -t: one input (afl-fuzz calls it a hang beyond this)
heap_limit_mb="${MESH_FUZZ_HEAP_MB:-1024}"             # the GC's hard heap limit: the memory limit per input

# afl++ from Debian; SharpFuzz's instrumentation tool as a local dotnet tool.
afl=yes
if ! command -v afl-fuzz >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null || true
  fi
  command -v afl-fuzz >/dev/null 2>&1 || { afl=no; echo "fuzz: WARNING afl-fuzz is not installed and cannot be installed here: replaying the seed corpus only" >&2; }
fi
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# A build of its own. The copy afl-fuzz runs has its Mesh assemblies (and the third-party parsers the input goes
# through) instrumented, never System.*, Microsoft.* or SharpFuzz itself; instrumented code only runs under afl-fuzz,
# so inputs are replayed with the plain copy.
rm -rf "$bin" "$bin-afl"
mkdir -p "$out"
dotnet publish fuzz/Mesh.Fuzz/Mesh.Fuzz.csproj -c Release -o "$bin" -nologo -clp:ErrorsOnly -v quiet >/dev/null
cp -r "$bin" "$bin-afl"
for dll in "$bin-afl"/Mesh.*.dll "$bin-afl"/mesh-sidecar.dll "$bin-afl"/YamlDotNet.dll "$bin-afl"/Google.Protobuf.dll; do
  "$tools/sharpfuzz" "$dll" >/dev/null
done

all_targets=$("$bin/mesh-fuzz" list | awk '{print $1}')
targets=("$@")
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$(echo $all_targets)"

# This is a shared VM: no core_pattern or CPU governor tuning, no CPU pinning, no curses UI. The fork server (the
# .NET process) needs longer than afl's default to start on a loaded machine.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=60000
export DOTNET_GCHeapHardLimit="$(printf '0x%x' $((heap_limit_mb * 1024 * 1024)))" DOTNET_TieredPGO=0 DOTNET_gcServer=0

stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$2"; }
failed=0
printf '%-13s %10s %8s %8s %8s %6s %s\n' target execs execs/s corpus crashes hangs note
for target in "${targets[@]}"; do
  seeds="$root/fuzz/corpus/$target"
  dir="$out/$target"
  rm -rf "$dir"
  # Seeds first, uninstrumented: a seed that crashes is a finding even where afl-fuzz cannot run.
  if ! "$bin/mesh-fuzz" "$target" --replay "$seeds" >"$out/$target.seeds.log" 2>&1; then
    echo "fuzz: $target: a seed input crashes:" >&2
    grep -A 20 '^CRASH' "$out/$target.seeds.log" | cut -c1-400 >&2
    failed=1
  fi
  if [ "$afl" = no ]; then
    printf '%-13s %10s %8s %8s %8s %6s %s\n' "$target" - - - - - "seeds replayed only (no afl-fuzz)"
    continue
  fi
  set +e
  timeout --kill-after=10 $((seconds + 120)) afl-fuzz -i "$seeds" -o "$dir" -t "$exec_timeout_ms+" -m none -s 20261203 -V "$seconds" \
    -- "$bin-afl/mesh-fuzz" "$target" >"$out/$target.afl.log" 2>&1
  status=$?
  set -e
  stats="$dir/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "fuzz: WARNING afl-fuzz could not start for $target (exit $status); seeds were replayed instead. Its last words:" >&2
    grep -E 'PROGRAM ABORT|SYSTEM ERROR|Location|\[-\]' "$out/$target.afl.log" | tail -5 >&2 || tail -5 "$out/$target.afl.log" >&2
    printf '%-13s %10s %8s %8s %8s %6s %s\n' "$target" - - - - - "afl-fuzz did not start"
    continue
  fi
  crashes=$(stat saved_crashes "$stats"); hangs=$(stat saved_hangs "$stats")
  printf '%-13s %10s %8s %8s %8s %6s %s\n' "$target" "$(stat execs_done "$stats")" "$(stat execs_per_sec "$stats")" \
    "$(stat corpus_count "$stats")" "$crashes" "$hangs" "$(stat run_time "$stats") s, $(stat bitmap_cvg "$stats") map"
  if [ "${crashes:-0}" -gt 0 ]; then
    failed=1
    echo "==== $target: crashing inputs (in $dir/default/crashes), replayed ====" >&2
    # The first few, each with the top of its stack; the rest are in the directory.
    "$bin/mesh-fuzz" "$target" --replay "$dir/default/crashes" 2>&1 | grep -A 8 '^CRASH' | head -60 | cut -c1-400 >&2 || true
  fi
  if [ "${hangs:-0}" -gt 0 ]; then
    # Timing on a shared machine is noisy: a hang is reported with its replay time, not failed on.
    echo "---- $target: inputs over ${exec_timeout_ms} ms (in $dir/default/hangs), replayed: $("$bin/mesh-fuzz" "$target" --replay "$dir/default/hangs" 2>&1 | tail -1)" >&2
  fi
done
exit "$failed"
