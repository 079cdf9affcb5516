#!/usr/bin/env bash
source "$TESTLIB"
# hsk client-hello against `gnutls-serv` (an implementation independent of OpenSSL): the
# server's first flight, read up to ServerHelloDone over /dev/tcp, must pick the suite and
# version we offered; for DHE, GnuTLS follows RFC 7919, so the FFDHE group we list in
# supported_groups (ffdhe2048 by default, ffdhe3072 when asked) is the one it sends.
command -v gnutls-serv >/dev/null || fail "gnutls-serv is not installed (scripts/deps installs gnutls-bin)"
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
source "$(dirname "${BASH_SOURCE[0]}")/flight_reader.sh"
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -subj /CN=hsk.test -days 2 -out cert.pem 2>/dev/null ||
  fail "openssl: test certificate"

source "$(dirname "$TESTLIB")/live.sh"
trap 'stop_server; rm -rf "$T"' EXIT

gnutls_serv_start server.out --x509certfile cert.pem --x509keyfile key.pem --disable-client-cert \
  --priority 'NORMAL:+VERS-TLS1.0:+DHE-RSA:+AES-128-CBC:+SHA1'

# offer NAME WANT_VERSION WANT_SUITE ARGS...
offer() {
  local name=$1 want_version=$2 want_suite=$3
  shift 3
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  "$HSK" client-hello --state "$name.json" "$@" >&3 || fail "$name: client-hello failed"
  read_server_flight 3 "$name.reply.tls"
  exec 3>&-
  "$HSK" decode --json "$name.reply.tls" >"$name.reply.json" || fail "$name: hsk decode of the reply failed"
  [ "$(jq '[.inputs[0].records[] | select(.content_type.name == "alert")] | length' "$name.reply.json")" = 0 ] ||
    fail "$name: the server answered with an alert: $(jq -c '.inputs[0].records[].alert' "$name.reply.json")"
  local sh='.inputs[0].records[0].messages[0]'
  [ "$(jq -r "$sh.body.server_version.code" "$name.reply.json")" = "$want_version" ] ||
    fail "$name: server_version $(jq -r "$sh.body.server_version.name" "$name.reply.json"), wanted $want_version"
  [ "$(jq -r "$sh.body.cipher_suite.code" "$name.reply.json")" = "$want_suite" ] ||
    fail "$name: cipher_suite $(jq -r "$sh.body.cipher_suite.name" "$name.reply.json"), wanted $want_suite"
}
ske() { jq -r ".inputs[0].records[].messages[]? | select(.msg_type.name == \"server_key_exchange\") | .body.params.$2" "$1.reply.json"; }
# The RFC 7919 groups share their first 64 bits after the all-ones prefix.
ffdhe_prefix=ffffffffffffffffadf85458a2bb4a9a

offer ecdhe12 771 49199 --suites ECDHE-RSA-AES128-GCM-SHA256 --sni hsk.test
[ "$(ske ecdhe12 named_curve.name)" = x25519 ] || fail "ecdhe12: group $(ske ecdhe12 named_curve.name)"
offer ecdhe12-p256 771 49199 --suites ecdhe-rsa --groups secp256r1
[ "$(ske ecdhe12-p256 named_curve.name)" = secp256r1 ] || fail "ecdhe12-p256: group"
offer dhe12 771 158 --suites dhe-rsa
p=$(ske dhe12 dh_p)
[ ${#p} = 512 ] && [ "${p:0:32}" = "$ffdhe_prefix" ] || fail "dhe12: not ffdhe2048 (p is ${#p} hex digits)"
offer dhe12-3072 771 158 --suites dhe-rsa --groups ffdhe3072
p=$(ske dhe12-3072 dh_p)
[ ${#p} = 768 ] && [ "${p:0:32}" = "$ffdhe_prefix" ] || fail "dhe12-3072: not ffdhe3072 (p is ${#p} hex digits)"
offer rsa12 771 156 --suites rsa
offer dhe10 769 51 --version tls1.0 --suites DHE-RSA-AES128-SHA
offer default12 771 49199 --alpn http/1.1

stop_server
