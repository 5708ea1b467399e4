#!/usr/bin/env bash
# Creates the webhook's TLS Secret and puts its CA into the MutatingWebhookConfiguration, with openssl
# and kubectl only. Run after `kubectl apply -k deploy/k8s/webhook`; run again to rotate (valid 1 year).
# With cert-manager, use a Certificate for the Secret and the cert-manager.io/inject-ca-from annotation
# instead (docs/kubernetes.md).
set -euo pipefail
NAMESPACE="${NAMESPACE:-thriftgate-system}"
SERVICE="${SERVICE:-thriftgate-webhook}"
SECRET="${SECRET:-thriftgate-webhook-tls}"
WEBHOOK_CONFIG="${WEBHOOK_CONFIG:-thriftgate-sidecar-injector}"
DAYS="${DAYS:-365}"

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
dns="${SERVICE}.${NAMESPACE}.svc"

openssl req -x509 -newkey rsa:2048 -nodes -days "$DAYS" -subj "/CN=thriftgate-webhook-ca" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=${dns}" -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.%s,DNS:%s\nextendedKeyUsage=serverAuth\n' \
  "$dns" "$SERVICE" "$NAMESPACE" "${dns}.cluster.local" > "$dir/ext.cnf"
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days "$DAYS" -extfile "$dir/ext.cnf" -out "$dir/tls.crt" 2>/dev/null

# OUT_DIR=dir: only write ca.crt, tls.crt and tls.key there (for cert-manager-less GitOps, and for tests).
if [ -n "${OUT_DIR:-}" ]; then
  mkdir -p "$OUT_DIR"
  cp "$dir/ca.crt" "$dir/tls.crt" "$dir/tls.key" "$OUT_DIR/"
  echo "wrote ${OUT_DIR}/ca.crt, tls.crt, tls.key for ${dns}"
  exit 0
fi

kubectl -n "$NAMESPACE" create secret tls "$SECRET" --cert="$dir/tls.crt" --key="$dir/tls.key" \
  --dry-run=client -o yaml | kubectl apply -f -

ca="$(base64 < "$dir/ca.crt" | tr -d '\n')"
count="$(kubectl get mutatingwebhookconfiguration "$WEBHOOK_CONFIG" -o jsonpath='{range .webhooks[*]}x{end}')"
patch="["
for ((i = 0; i < ${#count}; i++)); do
  [ "$i" -gt 0 ] && patch+=","
  patch+="{\"op\":\"add\",\"path\":\"/webhooks/${i}/clientConfig/caBundle\",\"value\":\"${ca}\"}"
done
patch+="]"
kubectl patch mutatingwebhookconfiguration "$WEBHOOK_CONFIG" --type=json -p "$patch"
# Pods mount Secrets as files; the webhook notices the new ones within 30 s, a restart makes it immediate.
kubectl -n "$NAMESPACE" rollout restart deployment/"$SERVICE"
echo "webhook TLS ready: Secret ${NAMESPACE}/${SECRET}, CA in ${WEBHOOK_CONFIG}"
