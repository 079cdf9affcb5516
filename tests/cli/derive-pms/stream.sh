#!/usr/bin/env bash
source "$TESTLIB"
# Stream discipline (DESIGN.md): derive-pms reads exactly the server flight from a pipe —
# the bytes after ServerHelloDone stay unread for the next reader — and the whole handshake
# runs as one pipeline: client-hello | server-respond | derive-pms (client) | derive-pms
# (server), with both sides' master secrets equal.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed derive-pms-stream >/dev/null 2>&1 || fail "gen-cert --test-pki"
"$HSK" client-hello --state c.json --suites ecdhe-rsa >1.tls
"$HSK" server-respond --state s.json --cert pki/server-rsa.pem --key pki/server-rsa.key <1.tls >2.tls || fail "server-respond"

# A pipe: the flight, then bytes that belong to someone else.
{ cat 2.tls; printf 'NEXT-STEP-BYTES'; } | {
  "$HSK" derive-pms --state c.json --ca pki/ca.pem -o 3.tls || exit 1
  cat >rest.bin
} || fail "derive-pms in a pipe failed"
[ "$(cat rest.bin)" = NEXT-STEP-BYTES ] || fail "derive-pms read past ServerHelloDone: rest is '$(cat rest.bin)'"
[ -s 3.tls ] || fail "no client flight"

# The whole handshake as a pipeline.
"$HSK" client-hello --state pc.json --suites dhe-rsa |
  "$HSK" server-respond --state ps.json --cert pki/server-rsa.pem --key pki/server-rsa.key |
  "$HSK" derive-pms --state pc.json --ca pki/ca.pem |
  "$HSK" derive-pms --state ps.json || fail "the pipeline failed"
ms=$(jq -r .secrets.master_secret pc.json)
[ ${#ms} = 96 ] || fail "client master secret: '$ms'"
[ "$ms" = "$(jq -r .secrets.master_secret ps.json)" ] || fail "the two sides' master secrets differ"
