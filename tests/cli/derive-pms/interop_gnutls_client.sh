#!/usr/bin/env bash
source "$TESTLIB"
# hsk as the client of a live `gnutls-serv` (an implementation independent of OpenSSL), over
# /dev/tcp: gnutls-serv asks for a client certificate by default, so `hsk derive-pms` answers
# the CertificateRequest with an empty Certificate (no --cert) or with our certificate and a
# CertificateVerify (--cert/--key; gnutls-serv --x509cafile checks it). GnuTLS then waits for
# our ChangeCipherSpec: it must send nothing, where a ClientKeyExchange or CertificateVerify
# it cannot use makes it send a fatal alert at once (the negative control below). For RSA key
# exchange OpenSSL decrypts our ClientKeyExchange and derives the master secret, which must
# be ours. Cases: ECDHE-RSA, DHE-RSA (RFC 7919 group), RSA at TLS 1.2; ECDHE-RSA at TLS 1.0;
# client authentication with RSA and ECDSA certificates.
for tool in gnutls-serv openssl xxd jq ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki --seed derive-pms-gnutls >/dev/null 2>&1 || fail "gen-cert --test-pki"

source "$(dirname "$TESTLIB")/live.sh"
trap 'stop_server; rm -rf "$T"' EXIT

gnutls_serv_start server.out --x509certfile pki/server-rsa.pem --x509keyfile pki/server-rsa.key \
  --x509cafile pki/ca.pem --priority 'NORMAL:-VERS-TLS1.3:+VERS-TLS1.0:+RSA:+DHE-RSA'

# run NAME "CLIENT-HELLO ARGS" ["DERIVE-PMS ARGS"] [CORRUPT_FROM_END]: one connection. Without
# CORRUPT, nothing may come back within 2 s; with it, the byte that many bytes from the end of
# our flight is flipped and a fatal alert must come back.
run() {
  local name=$1 cargs=$2 dargs=${3:-} corrupt=${4:-}
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  # shellcheck disable=SC2086
  "$HSK" client-hello --state "$name.json" $cargs >&3 || fail "$name: client-hello"
  # shellcheck disable=SC2086
  "$HSK" derive-pms --no-finished --state "$name.json" --ca pki/ca.pem --server-name localhost --explain $dargs \
    <&3 -o "$name.flight" 2>"$name.err" || { cat "$name.err" >&2; fail "$name: derive-pms"; }
  if [ -z "$corrupt" ]; then
    cat "$name.flight" >&3
  else
    local n byte
    n=$(stat -c %s "$name.flight")
    byte=$(xxd -p -s $((n - corrupt)) -l 1 "$name.flight")
    { head -c $((n - corrupt)) "$name.flight"; printf '%02x' $((0x$byte ^ 0x01)) | xxd -r -p
      tail -c $((corrupt - 1)) "$name.flight"; } >&3
  fi
  local got
  got=$(timeout 2 head -c 7 <&3 | xxd -p || true)
  exec 3>&-
  if [ -z "$corrupt" ]; then
    [ -z "$got" ] || { cat server.out >&2; fail "$name: gnutls-serv answered our flight with $got"; }
  else
    [ "${got:0:2}" = 15 ] && [ "${got:10:2}" = 02 ] || { cat server.out >&2; fail "$name: no fatal alert (got '$got')"; }
  fi
  expect_contains "$name.err" "CertificateRequest"
}

run ecdhe-rsa "--suites ECDHE-RSA-AES128-GCM-SHA256"
expect_contains ecdhe-rsa.err "Certificate: empty"
[ "$(jq -r .values.client_auth ecdhe-rsa.json)" = empty ] || fail "ecdhe-rsa: client_auth"
run dhe-rsa "--suites DHE-RSA-AES128-GCM-SHA256"
run rsa "--suites AES128-GCM-SHA256"
run ecdhe-rsa-tls10 "--version tls1.0 --suites ECDHE-RSA-AES128-SHA"
run auth-rsa "--suites ECDHE-RSA-AES128-GCM-SHA256" "--cert pki/client.pem --key pki/client.key"
[ "$(jq -r .values.client_auth auth-rsa.json)" = certificate_verify ] || fail "auth-rsa: client_auth"
run auth-ecdsa "--suites ECDHE-RSA-AES128-GCM-SHA256" "--cert pki/client-ecdsa.pem --key pki/client-ecdsa.key"

# OpenSSL agrees with the RSA pre-master and master secret we sent GnuTLS.
cke=$(jq -r '.transcript[] | select(.type == "client_key_exchange") | .hex' rsa.json)
xxd -r -p <<<"${cke:12}" >rsa.epms
pms=$(openssl pkeyutl -decrypt -inkey pki/server-rsa.key -pkeyopt rsa_padding_mode:pkcs1 -in rsa.epms | xxd -p | tr -d '\n')
[ "$pms" = "$(jq -r .secrets.pre_master_secret rsa.json)" ] || fail "rsa: OpenSSL decrypts another pre-master secret"
upto='.transcript | (map(.type) | index("client_key_exchange")) as $i | .[0:$i + 1][] | .hex'
hash=$(jq -r "$upto" rsa.json | tr -d '\n' | xxd -r -p | openssl dgst -sha256 -binary | xxd -p | tr -d '\n')
ms=$(openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:"$pms" \
  -kdfopt hexseed:"$(printf 'extended master secret' | xxd -p | tr -d '\n')$hash" TLS1-PRF | tr -d ':\n' | tr 'A-F' 'a-f')
[ "$(jq -r .values.extended_master_secret rsa.json)" = true ] || fail "rsa: EMS not negotiated with GnuTLS"
[ "$ms" = "$(jq -r .secrets.master_secret rsa.json)" ] || fail "rsa: OpenSSL derives another master secret"

# Negative controls: our point with its last byte flipped; our CertificateVerify signature
# with a byte flipped.
run bad-point "--suites ECDHE-RSA-AES128-GCM-SHA256 --groups secp256r1" "" 1
run bad-verify "--suites ECDHE-RSA-AES128-GCM-SHA256" "--cert pki/client.pem --key pki/client.key" 10
stop_server
