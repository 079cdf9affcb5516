#!/usr/bin/env bash
source "$TESTLIB"
# DHE_DSS with GnuTLS: hsk's client steps against `gnutls-serv --echo` serving the DSA
# 2048/256 server certificate of `hsk gen-cert --test-pki` (server-dsa.pem, issued by the RSA
# CA), over /dev/tcp: client-hello --suites DHE-DSS-..., derive-pms (checks the chain and the
# DSA signature of the ServerKeyExchange), finish, app-data --send LINE, app-data --recv
# --records 1 must give LINE back, app-data --close.
# GnuTLS 3.7 has no TLS code point for DSA with SHA-256 ("rcvd signature algo (4.2) (null)" in
# its debug log): with only +SIGN-DSA-SHA256 it refuses the handshake ("Signature algorithm
# DSA-SHA1 is not enabled", then "No supported cipher suites have been found", alert
# handshake_failure). So the priority below enables +SIGN-DSA-SHA1, and GnuTLS signs the
# ServerKeyExchange with dsa_sha1 (0x0202), which hsk offers last.
# Asserted per case: every hsk step exited 0 and finish said "handshake complete: both
# Finished verified"; the echo came back; the hsk client state says
# server_certificate_verified = handshake_complete = true; gnutls-serv's own log of the
# connection names the version, "Key Exchange: DHE-DSS", "Server Signature: DSA-SHA1", the
# cipher, and "extended master secret".
# Cases: DHE-DSS AES-128-GCM and AES-256-CBC-SHA256 at TLS 1.2, AES-128-CBC-SHA at TLS 1.1
# and 1.0 (DSA over SHA-1 there by definition); client authentication at TLS 1.2
# (gnutls-serv --require-client-cert --x509cafile, hsk derive-pms --cert): the RSA client
# certificate (gnutls-serv logs "Client Signature: RSA-SHA256") and the DSA one ("Client
# Signature: DSA-SHA1"); the client state says client_auth = certificate_verify.
for tool in gnutls-serv socat jq ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
"$HSK" gen-cert --test-pki pki --seed finish-gnutls-dhe-dss >/dev/null 2>&1 || fail "gen-cert --test-pki"

source "$(dirname "$TESTLIB")/live.sh"
trap 'stop_server; rm -rf "$T"' EXIT

prio='NORMAL:-VERS-TLS1.3:+VERS-TLS1.1:+VERS-TLS1.0:+DHE-DSS:+SIGN-DSA-SHA256:+SIGN-DSA-SHA1:+AES-256-CBC:+SHA256'

# serve NAME ARGS...: gnutls-serv --echo on a random free port (it takes no port 0).
serve() {
  local name=$1
  shift
  gnutls_serv_start "$name.server.out" --echo --x509certfile pki/server-dsa.pem \
    --x509keyfile pki/server-dsa.key --priority "$prio" "$@"
}

step() {
  local name=$1 what=$2
  shift 2
  timeout 20 "$@" 2>>"$name.err" || { cat "$name.err" >&2; fail "$name: $what"; }
}

cases=0
# client NAME SERVER-NAME VERSION SUITE GNUTLS-CIPHER ["DERIVE-PMS ARGS"]: one connection to
# the running server (whose log is SERVER-NAME.server.out); VERSION is 1.0, 1.1 or 1.2.
client() {
  local name=$1 server=$2 version=$3 suite=$4 cipher=$5 dargs=${6:-}
  : >"$name.err"
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  step "$name" client-hello "$HSK" client-hello --state "$name.json" --version "tls$version" --suites "$suite" >&3
  # shellcheck disable=SC2086
  step "$name" derive-pms "$HSK" derive-pms --state "$name.json" --ca pki/ca.pem --server-name localhost $dargs <&3 >&3
  step "$name" finish "$HSK" finish --state "$name.json" <&3
  expect_contains "$name.err" "handshake complete: both Finished verified"
  echo "hello gnutls, from hsk: $name" | step "$name" "app-data --send" "$HSK" app-data --send --state "$name.json" >&3
  step "$name" "app-data --recv" "$HSK" app-data --recv --state "$name.json" --records 1 <&3 >"$name.reply"
  [ "$(cat "$name.reply")" = "hello gnutls, from hsk: $name" ] || fail "$name: gnutls-serv echoed '$(cat "$name.reply")'"
  step "$name" "app-data --close" "$HSK" app-data --close --state "$name.json" >&3
  exec 3>&-
  local v
  for v in server_certificate_verified handshake_complete; do
    [ "$(jq -r ".values.$v" "$name.json")" = true ] || { jq .values "$name.json" >&2; fail "$name: values.$v is not true"; }
  done
  # gnutls-serv's log of this connection (from its last "Accepted connection" line).
  for _ in $(seq 50); do
    awk '/Accepted connection/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$server.server.out" >"$name.seen"
    grep -q "Description: " "$name.seen" && break
    sleep 0.1
  done
  expect_contains "$name.seen" "Version: TLS$version"
  expect_contains "$name.seen" "Key Exchange: DHE-DSS"
  expect_contains "$name.seen" "Server Signature: DSA-SHA1"
  expect_contains "$name.seen" "Cipher: $cipher"
  expect_contains "$name.seen" "extended master secret"
  cases=$((cases + 1))
}

serve plain
client dhe-dss-gcm plain 1.2 DHE-DSS-AES128-GCM-SHA256 AES-128-GCM
client dhe-dss-cbc plain 1.2 DHE-DSS-AES256-SHA256 AES-256-CBC
client dhe-dss-tls11 plain 1.1 DHE-DSS-AES128-SHA AES-128-CBC
client dhe-dss-tls10 plain 1.0 DHE-DSS-AES128-SHA AES-128-CBC
stop_server
serve auth --require-client-cert --x509cafile pki/ca.pem
client auth-rsa auth 1.2 DHE-DSS-AES128-GCM-SHA256 AES-128-GCM "--cert pki/client.pem --key pki/client.key"
[ "$(jq -r .values.client_auth auth-rsa.json)" = certificate_verify ] || fail "auth-rsa: client_auth"
expect_contains auth-rsa.seen "Client Signature: RSA-SHA256"
client auth-dsa auth 1.2 DHE-DSS-AES128-GCM-SHA256 AES-128-GCM "--cert pki/client-dsa.pem --key pki/client-dsa.key"
[ "$(jq -r .values.client_auth auth-dsa.json)" = certificate_verify ] || fail "auth-dsa: client_auth"
expect_contains auth-dsa.seen "Client Signature: DSA-SHA1"
stop_server
echo "$cases DHE-DSS connections to gnutls-serv"
