#!/usr/bin/env bash
source "$TESTLIB"
# hsk derive-pms, client role: bad input and bad usage. Each error is one line naming the
# input, the exit code is hsk(1)'s, the alert is the one a TLS client would send, and neither
# the state file nor -o is touched.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed derive-pms-errors >/dev/null 2>&1 || fail "gen-cert --test-pki"
"$HSK" gen-cert --test-pki other --seed derive-pms-errors-other >/dev/null 2>&1 || fail "gen-cert --test-pki other"

"$HSK" client-hello --state c.json --suites dhe-rsa >1.tls
"$HSK" server-respond --state s.json --cert pki/server-rsa.pem --key pki/server-rsa.key <1.tls >2.tls || fail "server-respond"
cp c.json c0.json

# fails CODE TEXT ARGS...: derive-pms on a fresh copy of the client state exits CODE with
# TEXT in its one-line message; the state is unchanged and out.tls not created.
fails() {
  local code=$1 text=$2
  shift 2
  cp c0.json t.json
  rm -f out.tls
  expect_exit "$code" "$HSK" derive-pms --state t.json -o out.tls "$@"
  expect_contains err "$text"
  expect_lines err 1
  cmp -s t.json c0.json || fail "'$*': the state file changed"
  [ ! -e out.tls ] || fail "'$*': out.tls was written"
}

# Usage.
fails 2 "no trust anchor" --in 2.tls
cp c0.json t.json
expect_exit 2 "$HSK" derive-pms --state t.json --ca pki/ca.pem --in 2.tls --show-secrets
expect_contains err "prints to standard output"
[ ! -s out ] || fail "--show-secrets with the flight on stdout: something was written"
cmp -s t.json c0.json || fail "--show-secrets with the flight on stdout: the state changed"
fails 2 "is for the server role" --ca pki/ca.pem --in 2.tls --client-ca pki/ca.pem
fails 2 "is not the private key" --ca pki/ca.pem --in 2.tls --cert pki/client.pem --key pki/server-rsa.key
fails 2 "this is a client state file" --role server --in 2.tls
expect_exit 2 "$HSK" derive-pms --in 2.tls
expect_exit 2 "$HSK" derive-pms --state c.json --role both --in 2.tls
# A state that already ran this step.
cp c0.json used.json
"$HSK" derive-pms --state used.json --ca pki/ca.pem <2.tls >/dev/null || fail "first run"
cp used.json used0.json
expect_exit 2 "$HSK" derive-pms --state used.json --ca pki/ca.pem --in 2.tls -o out.tls
expect_contains err "client-hello"
cmp -s used.json used0.json || fail "the used state changed"
# Not a state file; a missing one.
echo '{"x": 1}' >junk.json
expect_exit 3 "$HSK" derive-pms --state junk.json --in 2.tls
expect_exit 4 "$HSK" derive-pms --state missing.json --in 2.tls

# Check failures (exit 1) with their alerts.
fails 1 "unknown_ca" --ca other/ca.pem --in 2.tls
fails 1 "(alert bad_certificate)" --ca pki/ca.pem --server-name example.org --in 2.tls
# A flight answering another ClientHello: the signature covers the other client's random.
"$HSK" client-hello --state c2.json --suites dhe-rsa >1b.tls
"$HSK" server-respond --state s2.json --cert pki/server-rsa.pem --key pki/server-rsa.key <1b.tls >2b.tls
fails 1 "(alert decrypt_error)" --ca pki/ca.pem --in 2b.tls
# ... or picks a suite this client did not offer.
"$HSK" client-hello --state c3.json --suites rsa >1c.tls
"$HSK" server-respond --state s3.json --cert pki/server-rsa.pem --key pki/server-rsa.key <1c.tls >2c.tls
fails 1 "does not answer this client's ClientHello" --ca pki/ca.pem --in 2c.tls
# A server certificate that does not fit the suite: ECDSA certificate for DHE_RSA. Built by
# swapping the Certificate message of the flight (server-respond writes one record).
"$HSK" client-hello --state c4.json --suites ecdhe-ecdsa >1d.tls
"$HSK" server-respond --state s4.json --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key <1d.tls >2d.tls
"$HSK" decode --json 2.tls >2.json
"$HSK" decode --json 2d.tls >2d.json
jq --slurpfile d 2d.json '.inputs[0].records[0].messages[1] = $d[0].inputs[0].records[0].messages[1]' 2.json |
  "$HSK" encode --fix-lengths -o 2e.tls
fails 1 "(alert illegal_parameter)" --ca pki/ca.pem --in 2e.tls
expect_contains err "EC key"
# One byte of the ServerKeyExchange signature changed: decrypt_error.
n=$(stat -c %s 2.tls)
ske_end=$((n - 4))  # the last signature byte is just before ServerHelloDone's 4 bytes
{ head -c $((ske_end - 1)) 2.tls; printf '%02x' $(( 0x$(xxd -p -s $((ske_end - 1)) -l 1 2.tls) ^ 1 )) | xxd -r -p; tail -c 4 2.tls; } >2f.tls
fails 1 "(alert decrypt_error)" --ca pki/ca.pem --in 2f.tls
# A fatal alert instead of a flight.
printf '\x15\x03\x03\x00\x02\x02\x28' >alert.tls
fails 1 "fatal alert handshake_failure" --ca pki/ca.pem --in alert.tls

# Malformed (exit 3): truncated, out of order, empty.
head -c $((n - 20)) 2.tls >trunc.tls
fails 3 "" --ca pki/ca.pem --in trunc.tls
: >empty.tls
fails 3 "" --ca pki/ca.pem --in empty.tls
# ServerKeyExchange and Certificate swapped: unexpected_message.
jq '.inputs[0].records[0].messages |= [.[0], .[2], .[1], .[3]]' 2.json | "$HSK" encode -o swapped.tls
fails 3 "(alert unexpected_message)" --ca pki/ca.pem --in swapped.tls
