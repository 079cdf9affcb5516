#!/usr/bin/env bash
source "$TESTLIB"
# hsk verify-sig --cert: the printed chain and verdict (text and JSON), exit codes 0/1/2/3/4,
# malformed certificates (truncated DER, trailing bytes, a key file, an empty file) as exit 3.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed verify-sig --not-before 2030-01-01 --not-after 2031-01-01 2>/dev/null
at=2030-06-01T00:00:00Z

expect_exit 0 "$HSK" verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --at $at --purpose server
expect_contains "$T/out" "depth 0: CN=localhost,OU=RSA server,O=hsk,C=XX"
expect_contains "$T/out" "depth 1: CN=hsk test CA,O=hsk,C=XX  [trust anchor]"
expect_contains "$T/out" "  issuer:    CN=hsk test CA,O=hsk,C=XX"
expect_contains "$T/out" "  validity:  2030-01-01T00:00:00Z to 2031-01-01T00:00:00Z"
expect_contains "$T/out" "  key:       RSA 2048"
expect_contains "$T/out" "  signature: sha256WithRSAEncryption"
expect_contains "$T/out" "verdict: OK"
[ ! -s "$T/err" ] || fail "stderr not empty on success"
expect_exit 0 "$HSK" verify-sig --cert pki/server-dh-dss.pem --ca pki/dsa-ca.pem --at $at
expect_contains "$T/out" "  key:       DH 2048 (X9.42)"
expect_contains "$T/out" "  signature: dsa_with_SHA256"
expect_exit 0 "$HSK" verify-sig --cert pki/server-dh-rsa.pem --ca pki/ca.pem --ca pki/dsa-ca.pem --at $at
expect_contains "$T/out" "  key:       DH 2048 (PKCS#3)"

# Invalid: exit 1, one line on stderr, the verdict on stdout.
expect_exit 1 "$HSK" verify-sig --cert pki/server-ecdsa.pem --ca pki/ca.pem --at 2031-06-01
expect_lines "$T/err" 1
expect_contains "$T/err" "hsk: pki/server-ecdsa.pem: verification failed: depth 1 (CN=hsk test CA,O=hsk,C=XX): certificate has expired"
expect_contains "$T/out" "verdict: invalid: depth 1"
expect_contains "$T/out" "problems:"
expect_exit 1 "$HSK" verify-sig --cert pki/server-dh-dss.pem --ca pki/ca.pem --at $at
expect_contains "$T/err" "issuer not found (openssl: unable to get local issuer certificate)"
expect_exit 1 "$HSK" verify-sig --cert pki/client.pem --ca pki/ca.pem --at $at --purpose server
expect_contains "$T/err" "unsuitable purpose"

# JSON.
expect_exit 1 "$HSK" verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --at 2029-01-01 --json
jq -e '.valid == false and .anchored == true and (.chain | length) == 2 and .chain[1].trust_anchor == true
       and .problems[0].error == "not_yet_valid" and .problems[0].openssl_code == 9
       and .problems[0].depth == 1 and .at == "2029-01-01T00:00:00Z"' "$T/out" >/dev/null \
  || { cat "$T/out" >&2; fail "JSON for a not-yet-valid chain"; }
expect_exit 0 "$HSK" verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --at $at --json --purpose server
jq -e '.valid and .verdict == "OK" and .purpose == "server" and (.problems | length) == 0
       and .chain[0].key == "RSA 2048" and .chain[0].serial != ""' "$T/out" >/dev/null \
  || { cat "$T/out" >&2; fail "JSON for a valid chain"; }

# A fullchain file: the extra certificates are untrusted intermediates.
"$HSK" gen-cert --ca --issuer-cert pki/ca.pem --issuer-key pki/ca.key --subject CN=int --key-type ec \
  --key-out int.key -o int.pem --not-before 2030-01-01 --not-after 2031-01-01
"$HSK" gen-cert --issuer-cert int.pem --issuer-key int.key --subject CN=leaf --key-type ec --key-out leaf.key \
  --chain -o full.pem --not-before 2030-01-01 --not-after 2031-01-01
expect_exit 0 "$HSK" verify-sig --cert full.pem --ca pki/ca.pem --at $at
expect_contains "$T/out" "depth 2: CN=hsk test CA"
"$HSK" gen-cert --issuer-cert int.pem --issuer-key int.key --subject CN=leaf2 --key-type ec --key-out leaf2.key \
  -o leaf2.pem --not-before 2030-01-01 --not-after 2031-01-01
expect_exit 1 "$HSK" verify-sig --cert leaf2.pem --ca pki/ca.pem --at $at
expect_exit 0 "$HSK" verify-sig --cert leaf2.pem --untrusted int.pem --ca pki/ca.pem --at $at
expect_exit 0 "$HSK" verify-sig --cert leaf2.pem --ca int.pem --at $at --partial-chain
# DER input.
openssl x509 -in leaf2.pem -outform DER -out leaf2.der
expect_exit 0 "$HSK" verify-sig --cert leaf2.der --untrusted int.pem --ca pki/ca.pem --at $at

# Usage: exit 2.
expect_exit 2 "$HSK" verify-sig --ca pki/ca.pem
expect_exit 2 "$HSK" verify-sig --cert pki/server-rsa.pem
expect_exit 2 "$HSK" verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --at soon
expect_exit 2 "$HSK" verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --purpose web
# Step files that do not exist (step mode itself: steps_*.sh).
expect_exit 2 "$HSK" verify-sig 1-client-hello.tls 2-server-flight.tls --ca pki/ca.pem
expect_contains "$T/err" "1-client-hello.tls"
# Malformed: exit 3.
openssl x509 -in pki/server-rsa.pem -outform DER -out rsa.der 2>/dev/null
head -c 200 rsa.der >trunc.der
expect_exit 3 "$HSK" verify-sig --cert trunc.der --ca pki/ca.pem
expect_contains "$T/err" "trunc.der"
{ cat rsa.der; printf '\0\0'; } >trailing.der
expect_exit 3 "$HSK" verify-sig --cert trailing.der --ca pki/ca.pem
expect_contains "$T/err" "trailing"
expect_exit 3 "$HSK" verify-sig --cert pki/server-rsa.key --ca pki/ca.pem
expect_contains "$T/err" "no CERTIFICATE block; found PRIVATE KEY"
expect_exit 3 "$HSK" verify-sig --cert pki/server-rsa.pem --ca pki/dh.pem
: >empty.pem
expect_exit 3 "$HSK" verify-sig --cert empty.pem --ca pki/ca.pem
sed 's/^MII/MIX/' pki/server-rsa.pem >garbled.pem
expect_exit 3 "$HSK" verify-sig --cert garbled.pem --ca pki/ca.pem
# I/O: exit 4.
expect_exit 4 "$HSK" verify-sig --cert nope.pem --ca pki/ca.pem
expect_exit 4 "$HSK" verify-sig --cert pki/server-rsa.pem --ca nope.pem
