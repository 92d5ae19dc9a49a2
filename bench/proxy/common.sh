# Shared by the proxy benchmarks: a work directory removed on exit with every process started (PIDS), and CPU
# accounting. Sourced, not run.
WORK=$(mktemp -d /tmp/mesh-bench-proxy.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as an unprivileged user
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU time (clock ticks) used so far by the given processes and their children (nginx workers). On a shared,
# loaded machine CPU per request is far steadier than req/s, which depends on how much CPU the others left us.
cpu_ticks() {
  local total=0 pid
  for pid in "$@" $(for p in "$@"; do cat /proc/$p/task/*/children 2>/dev/null; done); do
    total=$((total + $(sed 's/.*) //' /proc/$pid/stat | awk '{print $12 + $13}')))
  done
  echo $total
}
