#!/usr/bin/env bash
source "$TESTLIB"
# tshark's dissection of hsk server-respond flights (wrapped in a TCP packet from port 443 by
# text2pcap): the handshake types, the version and suite of the ServerHello, the named curve or
# the DH p length and the signature algorithm of the ServerKeyExchange are what we chose, and
# nothing is marked malformed — for ECDHE_RSA (RSA-PSS), ECDHE_ECDSA, DHE_DSS, DH_anon,
# ECDH_anon, RSA, DH_RSA at TLS 1.2, DHE_RSA at TLS 1.0, and a flight with a CertificateRequest.
command -v tshark >/dev/null || fail "tshark is not installed (scripts/deps installs it)"
command -v text2pcap >/dev/null || fail "text2pcap is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed server-respond-tshark >/dev/null 2>&1 || fail "gen-cert --test-pki"
pairs=(--cert pki/server-rsa.pem --key pki/server-rsa.key
  --cert pki/server-dsa.pem --key pki/server-dsa.key
  --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key
  --cert pki/server-dh-rsa.pem --key pki/server-dh-rsa.key)

FIELDS=(tls.record.version tls.handshake.type tls.handshake.version tls.handshake.ciphersuite
  tls.handshake.server_curve_type tls.handshake.server_named_curve tls.handshake.p_len
  tls.handshake.sig_hash_alg tls.handshake.cert_type _ws.malformed _ws.expert.severity)
dissect() {
  od -Ax -tx1 -v "$1" >"$1.od"
  text2pcap -q -T 443,40000 "$1.od" "$1.pcap" >/dev/null 2>&1 || fail "text2pcap $1"
  local args=() f
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  tshark -r "$1.pcap" -d tcp.port==443,tls -T fields -E separator='|' -E aggregator=, "${args[@]}" 2>/dev/null
}
# case NAME WANT SERVER-ARGS -- CLIENT-HELLO-ARGS
case_() {
  local name=$1 want=$2 sargs=() got
  shift 2
  while [ "$1" != -- ]; do sargs+=("$1"); shift; done
  shift
  "$HSK" client-hello --state c.json "$@" >"$name.ch.tls" || fail "$name: client-hello"
  "$HSK" server-respond --state s.json "${pairs[@]}" "${sargs[@]}" <"$name.ch.tls" >"$name.tls" || fail "$name: server-respond"
  got=$(dissect "$name.tls")
  [ "$got" = "$want" ] || fail "$name: tshark reads
  $got
expected
  $want"
}

case_ ecdhe-rsa "0x0303|2,11,12,14|0x0303|0xc02f|0x03|0x001d||0x0804|||" -- --suites ECDHE-RSA-AES128-GCM-SHA256
case_ ecdhe-ecdsa "0x0303|2,11,12,14|0x0303|0xc02b|0x03|0x0017||0x0403|||" -- --suites ECDHE-ECDSA-AES128-GCM-SHA256 --groups secp256r1
case_ dhe-dss "0x0303|2,11,12,14|0x0303|0x00a2|||256|0x0402|||" -- --suites DHE-DSS-AES128-GCM-SHA256
case_ dh-anon "0x0303|2,12,14|0x0303|0x00a6|||384||||" --group ffdhe3072 -- --suites ADH-AES128-GCM-SHA256 --groups none
case_ ecdh-anon "0x0303|2,12,14|0x0303|0xc018|0x03|0x0018|||||" -- --suites AECDH-AES128-SHA --groups secp384r1
case_ rsa "0x0303|2,11,14|0x0303|0x009c|||||||" -- --suites AES128-GCM-SHA256
# tshark warns (severity 0x00600000) that its BER dissector has no dissector for the DH key OID
# inside the certificate (1.2.840.113549.1.3.1): a gap of tshark's, not a malformed flight.
case_ dh-rsa "0x0303|2,11,14|0x0303|0x00a0|||||||6291456" -- --suites TLS_DH_RSA_WITH_AES_128_GCM_SHA256
case_ dhe-rsa-tls10 "0x0301|2,11,12,14|0x0301|0x0033|||256||||" -- --version tls1.0 --suites DHE-RSA-AES128-SHA
case_ cert-request "0x0303|2,11,12,13,14|0x0303|0xc02f|0x03|0x001d||0x0804,0x0403,0x0503,0x0603,0x0804,0x0805,0x0806,0x0401,0x0501,0x0601,0x0402,0x0201,0x0203,0x0202|1,2,64||" \
  --request-cert --client-ca pki/ca.pem -- --suites ECDHE-RSA-AES128-GCM-SHA256
echo ok
