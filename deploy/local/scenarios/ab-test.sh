#!/usr/bin/env bash
# Header-based A/B test: x-user-group: beta -> v2, everyone else -> v1.
source "$(dirname "$0")/common.sh"
step "meshctl apply -f ab-test/virtual-service.yaml"
apply "$here/ab-test/virtual-service.yaml"
step "without the header ($((requests / 2)) requests)"
traffic $((requests / 2))
step "with x-user-group: beta ($((requests / 2)) requests)"
traffic $((requests / 2)) -H 'x-user-group: beta'
step "a ranked completion for a beta user"
curl -s -H 'x-user-group: beta' "$ingress/complete?prompt=the+new+model&candidates=2&maxTokens=10"; echo
