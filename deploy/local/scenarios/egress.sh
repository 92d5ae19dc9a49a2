#!/usr/bin/env bash
# The model service asks an external model provider (GET /ask on the ingress -> model -> api.provider.example) and
# the mesh controls the exit as Istio's egress tasks do: a ServiceEntry makes the host known, the model's sidecar
# sends the call to the egress gateway over mutual TLS, the gateway originates TLS to the provider (verifying it
# against the provider's own CA), an AuthorizationPolicy on the gateway decides who may leave, and REGISTRY_ONLY
# refuses hosts the mesh does not know. reset.sh undoes it.
source "$(dirname "$0")/common.sh"
provider_port=$((base + 60)) egress_admin=$((base + 73))
[ -s "$state/provider/ca.crt" ] || { echo "the external provider is not running (up.sh starts it when openssl is installed)" >&2; exit 1; }

# The scenario's YAML with this mesh's provider port and CA file in place of up.sh's defaults, kept for reset.sh.
mkdir -p "$state/egress"
for file in provider egress-gateway authorization registry-only; do
  sed -e "s|targetPort: 15460|targetPort: $provider_port|" -e "s|caCertificates: .mesh/provider/ca.crt|caCertificates: $state/provider/ca.crt|" \
    "$here/egress/$file.yaml" >"$state/egress/$file.yaml"
done

# ask [CURL OPTION...]: one question to the provider through the ingress, shown as status and answer.
ask() {
  local out
  out=$(curl -s --max-time 15 -w '\n%{http_code}' "$@" "$ingress/ask?prompt=which+way+out&maxTokens=8" || true)
  echo "  HTTP ${out##*$'\n'}  ${out%$'\n'*}" | cut -c1-220
}
# call_out PORT URL: a call through one sidecar's outbound port, as that workload would make it.
call_out() { curl -s --max-time 15 -o /dev/null -w '  HTTP %{http_code}' -x "http://127.0.0.1:$1" "$2" || true; echo; }

step "before: the mesh does not know api.provider.example, so the model's sidecar has no route (404, flag NR)"
ask
step "meshctl apply -f egress/provider.yaml -f egress/egress-gateway.yaml  (ServiceEntry, TLS origination, egress gateway)"
apply "$state/egress/provider.yaml" "$state/egress/egress-gateway.yaml"
step "ingress -> model -> (mTLS) egress gateway -> (TLS, provider CA verified) provider"
ask
ask
step "the egress gateway's metrics: it reports the external call (destination_service = the provider's host)"
curl -s "http://127.0.0.1:$egress_admin/metrics" | grep '^istio_requests_total' | grep 'destination_service="api.provider.example"' \
  | while read -r series count; do
      echo "  istio_requests_total{$(grep -oE '(reporter|source_workload|destination_service|response_code)="[^"]*"' <<<"$series" | paste -sd,)} $count"
    done
step "the gateway's access log line for the last call"
grep -F '"destination_service":"api.provider.example"' "$state/logs/egressgateway.log" | tail -1 \
  | grep -oE '"(method|authority|path|response_code|route_name|upstream_cluster|upstream_host|model|completion_tokens)":[^,]*' | paste -sd, | sed 's/^/  {/; s/$/}/'


step "meshctl apply -f egress/authorization.yaml  (only spiffe://cluster.local/ns/default/sa/model may leave)"
apply "$state/egress/authorization.yaml"
step "the model asks the provider: allowed"
ask
step "the ranker calls the provider through its own sidecar (identity sa/ranker): refused by the gateway"
call_out $((base + 52)) "http://api.provider.example/v1/models"

step "meshctl apply -f egress/registry-only.yaml  (Sidecar outboundTrafficPolicy REGISTRY_ONLY in namespace default)"
apply "$state/egress/registry-only.yaml"
step "the model calls a host that has no ServiceEntry: refused by its own sidecar (502, flag NR, BlackHoleCluster)"
call_out $((base + 22)) "http://api.unlisted.example/v1/models"
step "the provider has a ServiceEntry, so it is still reachable"
ask
