#!/usr/bin/env bash
# Self-signed PKI for the local control plane (openssl only):
#   gen-pki.sh DIR -> ca.{crt,key} apiserver.{crt,key} admin.{crt,key} sa.{key,pub} admin.kubeconfig
# APISERVER_PORT (default 16443) goes into the kubeconfig. Existing files are kept (idempotent),
# so a restarted control plane keeps accepting the tokens and certs it handed out before.
set -euo pipefail
D=${1:?dir}
mkdir -p "$D"
cd "$D"
days=3650
if [[ ! -s ca.crt || ! -s admin.crt || ! -s apiserver.crt || ! -s sa.pub ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $days -keyout ca.key -out ca.crt \
    -subj "/CN=osmo-tui-kubernetes-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  leaf() { # name subject ext
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -sha256 -days $days -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out "$1.crt" -extfile <(printf '%s\n' "$3" "subjectKeyIdentifier=hash" \
        "authorityKeyIdentifier=keyid,issuer" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment") 2>/dev/null
    rm -f "$1.csr"
  }
  leaf apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
  leaf admin "/O=system:masters/CN=osmo-tui-admin" "extendedKeyUsage=clientAuth"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
fi
b64() { base64 -w0 "$1"; }
cat >admin.kubeconfig <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: osmo-tui-local
  cluster: {server: "https://127.0.0.1:${APISERVER_PORT:-16443}", certificate-authority-data: $(b64 ca.crt)}
users:
- name: osmo-tui-admin
  user: {client-certificate-data: $(b64 admin.crt), client-key-data: $(b64 admin.key)}
contexts:
- name: osmo-tui-local
  context: {cluster: osmo-tui-local, user: osmo-tui-admin, namespace: default}
current-context: osmo-tui-local
KCFG
chmod 600 ./*.key admin.kubeconfig
