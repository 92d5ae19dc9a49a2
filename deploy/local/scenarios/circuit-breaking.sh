#!/usr/bin/env bash
# Circuit breaking: v1 and v2 share the traffic; v2 starts failing; outlier detection ejects it; traffic moves to v1.
source "$(dirname "$0")/common.sh"
step "meshctl apply -f circuit-breaking/destination-rule.yaml (outlier detection, both versions in one pool)"
apply "$here/circuit-breaking/destination-rule.yaml"
n=$((requests / 2))
step "healthy: $n requests"
traffic "$n"
step "v2 starts failing (POST /admin/fail?enabled=true on its app port)"
model_fail v2 true
traffic "$n"
step "ejected: the next $n requests all go to v1"
traffic "$n"
curl -s "http://127.0.0.1:$((base + 53))/metrics" | grep -E '^istio_requests_total.*destination_version="v2".*response_code="500"' | head -3 || true
model_fail v2 false
echo "v2 healed; it returns to the pool when its ejection time (30 s) ends."
