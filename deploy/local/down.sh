#!/usr/bin/env bash
# Stops what an up.sh run left behind (e.g. after kill -9 of up.sh): the processes in its pids file and its PostgreSQL.
# MESH_STATE_DIR as for up.sh.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
state="${MESH_STATE_DIR:-$root/.mesh}"
source "$root/deploy/local/lib.sh"
stop_all
