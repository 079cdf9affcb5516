#!/usr/bin/env bash
source "$TESTLIB"
# The server role of hsk derive-pms from the command line: a good client flight (with an RSA
# client certificate and CertificateVerify) gives the client's master secret; then the
# refusals, each with its exit code and alert, and the state file untouched:
#   a client state given to --role server            -> 2 (usage), "client state file"
#   a ClientKeyExchange shaped for another suite     -> 3 (malformed, decode_error)
#   a CertificateVerify with one byte changed        -> 1 (check_failed, decrypt_error)
#   the client flight read twice into the same state -> 2 (the state has read it already)
#   a Finished before the ClientKeyExchange          -> 3 (unexpected_message)
#   a flight that ends before its ClientKeyExchange  -> 3
cd "$T"
"$HSK" gen-cert --test-pki pki --seed server-errors >/dev/null 2>&1 || fail "gen-cert --test-pki"

# handshake NAME SUITES [server-respond args...]: steps 1 and 2 into NAME-*.
handshake() {
  local name=$1 suites=$2
  shift 2
  expect_exit 0 "$HSK" client-hello --suites "$suites" --state "$name-client.json" --seed "$name-c" -o "$name-1.tls"
  expect_exit 0 "$HSK" server-respond --cert pki/server-rsa.pem --key pki/server-rsa.key \
    --state "$name-server.json" --seed "$name-s" --in "$name-1.tls" -o "$name-2.tls" "$@"
}

# A client-authenticated RSA handshake, the good way round.
handshake auth rsa --request-cert --client-ca pki/ca.pem
expect_exit 0 "$HSK" derive-pms --no-finished --state auth-client.json --ca pki/ca.pem --cert pki/client.pem \
  --key pki/client.key --seed auth-c3 --in auth-2.tls -o auth-3.tls --show-secrets
client_ms=$(sed -n 's/^master_secret: //p' "$T/out")
[ ${#client_ms} = 96 ] || fail "client: no master secret"
cp auth-server.json auth-server.orig.json
cp auth-server.json auth-server.again.json

# A changed byte in the CertificateVerify signature (the last byte of the client flight).
cp auth-3.tls auth-3-bad.tls
size=$(stat -c %s auth-3.tls)
b=$(xxd -p -s $((size - 1)) -l 1 auth-3.tls)
printf "\\x$(printf '%02x' $((16#$b ^ 0x01)))" | dd of=auth-3-bad.tls bs=1 seek=$((size - 1)) conv=notrunc status=none
expect_exit 1 "$HSK" derive-pms --no-finished --state auth-server.json --client-ca pki/ca.pem --in auth-3-bad.tls
expect_contains "$T/err" "CertificateVerify"
expect_contains "$T/err" "decrypt_error"
cmp -s auth-server.json auth-server.orig.json || fail "the server state changed after a refused flight"

# The genuine flight: the same master secret as the client's, the client authenticated.
expect_exit 0 "$HSK" derive-pms --no-finished --state auth-server.json --client-ca pki/ca.pem --in auth-3.tls \
  --show-secrets --explain
[ "$(sed -n 's/^master_secret: //p' "$T/out")" = "$client_ms" ] || fail "server and client master secrets differ"
expect_contains "$T/err" "CertificateVerify"
[ "$(jq -r .values.client_authenticated auth-server.json)" = true ] || fail "client not recorded as authenticated"
[ "$(stat -c %a auth-server.json)" = 600 ] || fail "server state is not 0600"
grep -qi "$client_ms" "$T/err" && fail "--explain printed the master secret"

# The same flight again into the state that has read it already.
expect_exit 2 "$HSK" derive-pms --no-finished --state auth-server.json --client-ca pki/ca.pem --in auth-3.tls
expect_contains "$T/err" "already"

# Without --client-ca the client's chain cannot be checked: unknown_ca, exit 1.
expect_exit 1 "$HSK" derive-pms --no-finished --state auth-server.again.json --in auth-3.tls
expect_contains "$T/err" "unknown_ca"
# --insecure skips it, loudly.
expect_exit 0 "$HSK" derive-pms --no-finished --state auth-server.again.json --insecure --in auth-3.tls
expect_contains "$T/err" "NOT checked"

# A client state given to the server role.
expect_exit 2 "$HSK" derive-pms --no-finished --role server --state auth-client.json --in auth-3.tls
expect_contains "$T/err" "client state file"

# An ECDHE server state fed the RSA client flight of another handshake: the ClientKeyExchange
# does not have the ECDHE shape (ecdh_Yc <1..255> then nothing left).
handshake ecdhe ecdhe-rsa
handshake rsa rsa
expect_exit 0 "$HSK" derive-pms --no-finished --state rsa-client.json --ca pki/ca.pem --seed rsa-c3 --in rsa-2.tls -o rsa-3.tls
expect_exit 3 "$HSK" derive-pms --no-finished --state ecdhe-server.json --in rsa-3.tls
expect_contains "$T/err" "ClientKeyExchange"
expect_contains "$T/err" "decode_error"

# A Finished before the ClientKeyExchange.
printf '\x16\x03\x03\x00\x10\x14\x00\x00\x0c000000000000' >finished.tls
cat finished.tls rsa-3.tls >finished-first.tls
expect_exit 3 "$HSK" derive-pms --no-finished --state rsa-server.json --in finished-first.tls
expect_contains "$T/err" "expected ClientKeyExchange, got Finished"
expect_contains "$T/err" "unexpected_message"
# A flight that ends before its ClientKeyExchange.
expect_exit 3 "$HSK" derive-pms --no-finished --state rsa-server.json --in finished.tls
expect_contains "$T/err" "flight incomplete"
