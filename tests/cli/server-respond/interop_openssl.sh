#!/usr/bin/env bash
source "$TESTLIB"
# `openssl s_client` against hsk server-respond (behind socat, one connection per case): with
# -msg, s_client must show that it received ServerHello, Certificate, ServerKeyExchange (when
# the suite has one) and ServerHelloDone, and that it then sent its ClientKeyExchange — which it
# does only after verifying the certificate chain (-CAfile ca.pem -verify_return_error) and the
# ServerKeyExchange signature. The record it sent next is also captured on our side and must be
# a ClientKeyExchange (or, when a certificate was requested, its Certificate). Cases: ECDHE-RSA
# with OpenSSL's default sigalgs (RSA-PSS) and with -sigalgs RSA+SHA256 (PKCS#1 v1.5),
# ECDHE-ECDSA, DHE-RSA, DHE-DSS, RSA, ADH, AECDH at TLS 1.2; DHE-RSA and ECDHE-ECDSA at TLS 1.0
# (MD5+SHA-1 and SHA-1 signatures); client authentication. s_client fails afterwards (hsk stops
# after the flight): only what it printed before counts.
for tool in openssl socat xxd jq ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki >/dev/null 2>&1 || fail "gen-cert --test-pki"
trap 'stop_server; rm -rf "$T"' EXIT

pairs=(--cert pki/server-rsa.pem --key pki/server-rsa.key
  --cert pki/server-dsa.pem --key pki/server-dsa.key
  --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key)

# run NAME "RECEIVED MESSAGES" SERVER-ARGS -- S_CLIENT-ARGS
run() {
  local name=$1 want=$2 sargs=() m v
  shift 2
  while [ "$1" != -- ]; do sargs+=("$1"); shift; done
  shift
  serve "$name" "${pairs[@]}" "${sargs[@]}"
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -msg "$@" </dev/null >"$name.sc.out" 2>&1 || true
  stop_server
  [ -s "$name.srv.err" ] && { cat "$name.srv.err" >&2; fail "$name: hsk server-respond failed"; }
  v=$(jq -r .negotiated_version "$name.s.json")
  case $v in 0x0303) v="TLS 1.2" ;; 0x0301) v="TLS 1.0" ;; *) v="?" ;; esac
  for m in $want; do
    grep -Eq "^<<< $v, Handshake \[length [0-9a-f]+\], $m\$" "$name.sc.out" ||
      { cat "$name.sc.out" >&2; fail "$name: s_client did not show it received $m ($v)"; }
  done
  grep -Eq "^>>> $v, Handshake \[length [0-9a-f]+\], ClientKeyExchange\$" "$name.sc.out" ||
    { cat "$name.sc.out" >&2; fail "$name: s_client did not send its ClientKeyExchange"; }
  ! grep -q "verify error" "$name.sc.out" || { cat "$name.sc.out" >&2; fail "$name: verify error"; }
}
flight="ServerHello Certificate ServerKeyExchange ServerHelloDone"
nokx="ServerHello Certificate ServerHelloDone"
anon="ServerHello ServerKeyExchange ServerHelloDone"
ca=(-CAfile pki/ca.pem -verify_return_error)

run ecdhe-rsa-pss "$flight" -- "${ca[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
[ "$(jq -r .values.signature_scheme ecdhe-rsa-pss.s.json)" = 0x0804 ] || fail "default sigalgs: not rsa_pss_rsae_sha256"
[ "$(client_record_type ecdhe-rsa-pss)" = 10 ] || fail "ecdhe-rsa-pss: no ClientKeyExchange captured"
run ecdhe-rsa-pkcs1 "$flight" -- "${ca[@]}" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -sigalgs RSA+SHA256
[ "$(jq -r .values.signature_scheme ecdhe-rsa-pkcs1.s.json)" = 0x0401 ] || fail "-sigalgs RSA+SHA256: not rsa_pkcs1_sha256"
run ecdhe-ecdsa "$flight" -- "${ca[@]}" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
[ "$(jq -r .values.signature_scheme ecdhe-ecdsa.s.json)" = 0x0403 ] || fail "ecdhe-ecdsa: scheme"
run ecdhe-p384 "$flight" -- "${ca[@]}" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -groups P-384
[ "$(jq -r .values.kex_group ecdhe-p384.s.json)" = secp384r1 ] || fail "ecdhe-p384: group"
run dhe-rsa "$flight" -- "${ca[@]}" -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
run dhe-dss "$flight" -- "${ca[@]}" -tls1_2 -cipher 'DHE-DSS-AES128-GCM-SHA256:@SECLEVEL=1'
[ "$(jq -r .values.signature_scheme dhe-dss.s.json)" = 0x0402 ] || fail "dhe-dss: scheme"
run rsa "$nokx" -- "${ca[@]}" -tls1_2 -cipher AES128-GCM-SHA256
[ "$(client_record_type rsa)" = 10 ] || fail "rsa: no ClientKeyExchange captured"
run adh "$anon" -- -tls1_2 -cipher 'ADH-AES128-SHA256:@SECLEVEL=0'
grep -q '^<<< TLS 1.2, Handshake \[length [0-9a-f]*\], Certificate$' adh.sc.out && fail "adh: a Certificate was sent"
run aecdh "$anon" -- -tls1_2 -cipher 'AECDH-AES128-SHA:@SECLEVEL=0'
run dhe-rsa-tls10 "$flight" -- "${ca[@]}" -tls1 -cipher 'DHE-RSA-AES128-SHA:@SECLEVEL=0'
[ "$(jq -r .negotiated_version dhe-rsa-tls10.s.json)" = 0x0301 ] || fail "tls1.0: version"
run ecdhe-ecdsa-tls10 "$flight" -- "${ca[@]}" -tls1 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
# Client authentication: s_client answers the CertificateRequest with its certificate.
run client-auth "ServerHello Certificate ServerKeyExchange CertificateRequest ServerHelloDone" \
  --request-cert --client-ca pki/ca.pem -- "${ca[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 \
  -cert pki/client.pem -key pki/client.key
[ "$(client_record_type client-auth)" = 0b ] || fail "client-auth: the client's Certificate was not captured"
grep -q '^>>> TLS 1.2, Handshake \[length [0-9a-f]*\], CertificateVerify$' client-auth.sc.out ||
  fail "client-auth: no CertificateVerify from s_client"
echo ok
