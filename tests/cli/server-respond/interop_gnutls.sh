#!/usr/bin/env bash
source "$TESTLIB"
# `gnutls-cli` (an implementation independent of OpenSSL) against hsk server-respond behind
# socat: it must accept our flight — verify the certificate against ca.pem ("The certificate
# is trusted"), the ServerKeyExchange signature and the DH group or curve — and get as far as
# sending its key exchange: the record it sends next, captured on our side, is a
# ClientKeyExchange (for ECDHE its body is the 1-byte-length point, for DHE the 2-byte-length
# Yc of |p| bytes). Cases: ECDHE-RSA, ECDHE-ECDSA, DHE-RSA (GnuTLS lists RFC 7919 groups:
# the group we pick is the first of them), RSA at TLS 1.2; DHE-RSA and ECDHE-RSA at
# TLS 1.0; anonymous DH. DHE-DSS: GnuTLS offers no DSA scheme, and gets handshake_failure.
for tool in gnutls-cli socat xxd jq ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs gnutls-bin, socat)"
done
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"
cd "$T"
"$HSK" gen-cert --test-pki pki >/dev/null 2>&1 || fail "gen-cert --test-pki"
trap 'stop_server; rm -rf "$T"' EXIT

pairs=(--cert pki/server-rsa.pem --key pki/server-rsa.key
  --cert pki/server-dsa.pem --key pki/server-dsa.key
  --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key)

# run NAME PRIORITY [SERVER-ARGS...]
run() {
  local name=$1 prio=$2
  shift 2
  serve "$name" "${pairs[@]}" "$@"
  timeout 20 gnutls-cli --x509cafile pki/ca.pem -p "$port" 127.0.0.1 --priority "$prio" -d 4 </dev/null >"$name.gc.out" 2>&1 || true
  stop_server
  [ -s "$name.srv.err" ] && { cat "$name.srv.err" >&2; fail "$name: hsk server-respond failed"; }
  [ "$(client_record_type "$name")" = 10 ] ||
    { grep -v '^|' "$name.gc.out" >&2; fail "$name: gnutls-cli did not send a ClientKeyExchange"; }
}
trusted() { grep -q 'Status: The certificate is trusted' "$1.gc.out" || { cat "$1.gc.out" >&2; fail "$1: certificate not trusted"; }; }
# cke_len NAME: the ClientKeyExchange body length.
cke_len() { echo $((16#$(xxd -p -s 6 -l 3 "$1.client.tls"))); }

base='NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL'
run ecdhe-rsa "$base:+ECDHE-RSA"
trusted ecdhe-rsa
[ "$(jq -r .values.signature_scheme ecdhe-rsa.s.json)" = 0x0401 ] || fail "ecdhe-rsa: GnuTLS lists rsa_pkcs1_sha256 first"
run ecdhe-ecdsa "$base:+ECDHE-ECDSA"
trusted ecdhe-ecdsa
[ "$(jq -r .values.signature_scheme ecdhe-ecdsa.s.json)" = 0x0403 ] || fail "ecdhe-ecdsa: scheme"
run ecdhe-rsa-pkcs1 "$base:+ECDHE-RSA:-SIGN-ALL:+SIGN-RSA-SHA384"
[ "$(jq -r .values.signature_scheme ecdhe-rsa-pkcs1.s.json)" = 0x0501 ] || fail "ecdhe-rsa-pkcs1: scheme"
run ecdhe-rsa-pss "$base:+ECDHE-RSA:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256"
[ "$(jq -r .values.signature_scheme ecdhe-rsa-pss.s.json)" = 0x0804 ] || fail "ecdhe-rsa-pss: scheme"
run dhe-rsa "$base:+DHE-RSA"
trusted dhe-rsa
[ "$(jq -r .values.kex_group dhe-rsa.s.json)" = ffdhe2048 ] || fail "dhe-rsa: group $(jq -r .values.kex_group dhe-rsa.s.json)"
[ "$(cke_len dhe-rsa)" = 258 ] || fail "dhe-rsa: ClientKeyExchange is $(cke_len dhe-rsa) bytes, not 2 + 256"
run dhe-rsa-3072 "$base:+DHE-RSA:-GROUP-ALL:+GROUP-FFDHE3072"
[ "$(jq -r .values.kex_group dhe-rsa-3072.s.json)" = ffdhe3072 ] || fail "dhe-rsa-3072: group"
[ "$(cke_len dhe-rsa-3072)" = 386 ] || fail "dhe-rsa-3072: ClientKeyExchange is $(cke_len dhe-rsa-3072) bytes"
# (No DHE-DSS case: GnuTLS 3.7 lists no DSA scheme in signature_algorithms even with
# +SIGN-DSA-SHA256, so the server rightly refuses it — that refusal is checked instead.)
serve dhe-dss "${pairs[@]}"
timeout 20 gnutls-cli --x509cafile pki/ca.pem -p "$port" 127.0.0.1 --priority "$base:+DHE-DSS:+SIGN-DSA-SHA256" </dev/null >dhe-dss.gc.out 2>&1 || true
stop_server
grep -q "DSA.*(alert handshake_failure)" dhe-dss.srv.err ||
  { cat dhe-dss.srv.err >&2; fail "dhe-dss: not refused for want of a DSA scheme"; }
grep -q "Received alert \[40\]" dhe-dss.gc.out || { cat dhe-dss.gc.out >&2; fail "dhe-dss: gnutls-cli did not see the handshake_failure alert"; }
run rsa "$base:+RSA"
trusted rsa
run anon-dh "$base:+ANON-DH"
run dhe-rsa-tls10 'NORMAL:-VERS-ALL:+VERS-TLS1.0:-KX-ALL:+DHE-RSA'
[ "$(jq -r .negotiated_version dhe-rsa-tls10.s.json)" = 0x0301 ] || fail "dhe-rsa-tls10: version"
run ecdhe-rsa-tls10 'NORMAL:-VERS-ALL:+VERS-TLS1.0:-KX-ALL:+ECDHE-RSA'
[ "$(xxd -p -l 3 ecdhe-rsa-tls10.client.tls)" = 160301 ] || fail "ecdhe-rsa-tls10: client record version"
echo ok
