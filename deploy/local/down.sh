#!/usr/bin/env bash
# Stops what up.sh started: its processes (by the PIDs it recorded) and its PostgreSQL cluster.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
state="$root/.mesh"
if [ -f "$state/pids" ]; then
  while read -r pid; do kill "$pid" 2>/dev/null; done < "$state/pids"
  rm -f "$state/pids"
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ -f "$state/pg/postmaster.pid" ]; then
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$pgbin/pg_ctl" -D "$state/pg" -m fast stop; else "$pgbin/pg_ctl" -D "$state/pg" -m fast stop; fi
fi
echo "local mesh stopped"
