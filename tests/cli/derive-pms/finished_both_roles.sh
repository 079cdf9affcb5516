#!/usr/bin/env bash
source "$TESTLIB"
# derive-pms and phase 4, both roles, over files and pipes:
#   - the client flight ends with ChangeCipherSpec (14 03 03 00 01 01) and one protected
#     handshake record (AES-128-GCM: 40 bytes = 8 explicit nonce + 16 Finished + 16 tag); the
#     client's transcript ends with its Finished (14 00 00 0c ...), values.client_finished=sent
#   - the server reads it, checks it, writes exactly CCS + its protected Finished (51 bytes)
#     and marks the handshake complete; its transcript ends with both Finished
#   - --no-finished: the client flight ends with ClientKeyExchange, the server writes nothing
#     and its transcript ends with ClientKeyExchange (issue 4's behaviour)
#   - the server given a flight without the Finished: exit 3 ("end of stream before Finished")
#   - the server's --show-secrets with its Finished on standard output: exit 2
#   - alerts: a failed check writes no alert into a regular -o file, one into --alert-to, and
#     one into -o when that is a FIFO (a live peer); --no-alert writes none
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed derive-pms-finished >/dev/null 2>&1 || fail "gen-cert --test-pki"
"$HSK" client-hello --state c.json --suites ECDHE-RSA-AES128-GCM-SHA256 >1.tls
"$HSK" server-respond --state s.json --cert pki/server-rsa.pem --key pki/server-rsa.key <1.tls >2.tls
cp c.json c0.json
cp s.json s0.json

expect_exit 0 "$HSK" derive-pms --state c.json --ca pki/ca.pem --in 2.tls -o 3.tls
size=$(stat -c %s 3.tls)
[ "$(xxd -p -s $((size - 51)) -l 11 3.tls)" = 1403030001011603030028 ] || fail "3.tls does not end with CCS + a 40-byte record"
[ "$(jq -r '.transcript[-1].type' c.json)" = finished ] || fail "the client transcript does not end with its Finished"
[ "$(jq -r '.transcript[-1].hex' c.json | cut -c1-8)" = 1400000c ] || fail "the client Finished header"
[ "$(jq -r .values.client_finished c.json),$(jq -r .values.client_write_seq c.json)" = sent,1 ] || fail "client values"
[ "$(jq -r '.values.handshake_complete // "no"' c.json)" = no ] || fail "the client is complete before the server's Finished"

expect_exit 0 "$HSK" derive-pms --state s.json --in 3.tls -o 4.tls
[ "$(stat -c %s 4.tls)" = 51 ] || fail "4.tls is $(stat -c %s 4.tls) bytes, not CCS + one 40-byte record"
[ "$(xxd -p -l 11 4.tls)" = 1403030001011603030028 ] || fail "4.tls: $(xxd -p -l 11 4.tls)"
[ "$(jq -r '[.transcript[-2:][] | "\(.from):\(.type)"] | join(",")' s.json)" = client:finished,server:finished ] ||
  fail "the server transcript"
[ "$(jq -r .values.handshake_complete s.json)" = true ] || fail "the server is not complete"
expect_exit 0 "$HSK" finish --state c.json --in 4.tls
[ "$(jq -r '[.transcript[].hex] | join("")' c.json)" = "$(jq -r '[.transcript[].hex] | join("")' s.json)" ] ||
  fail "transcripts differ"

# --no-finished, both roles.
cp c0.json cn.json
cp s0.json sn.json
expect_exit 0 "$HSK" derive-pms --no-finished --state cn.json --ca pki/ca.pem --in 2.tls -o 3n.tls
[ "$(xxd -p -l 1 3n.tls)" = 16 ] && ! xxd -p 3n.tls | tr -d '\n' | grep -q 140303000101 ||
  fail "--no-finished: the client flight holds a ChangeCipherSpec"
[ "$(jq -r '.transcript[-1].type' cn.json)" = client_key_exchange ] || fail "--no-finished: client transcript"
expect_exit 3 "$HSK" derive-pms --state sn.json --in 3n.tls -o 4n.tls
expect_contains "$T/err" "end of stream before Finished"
[ ! -e 4n.tls ] || fail "the server wrote a Finished for a flight without one"
cmp -s sn.json s0.json || fail "the server state changed after a refused flight"
expect_exit 0 "$HSK" derive-pms --no-finished --state sn.json --in 3n.tls
[ ! -s "$T/out" ] || fail "--no-finished: the server wrote something"
[ "$(jq -r '.transcript[-1].type' sn.json)" = client_key_exchange ] || fail "--no-finished: server transcript"
expect_exit 2 "$HSK" finish --state cn.json --in 4.tls
expect_contains "$T/err" "has not sent its Finished"

# --show-secrets with the server's Finished on standard output.
cp s0.json ss.json
expect_exit 2 "$HSK" derive-pms --state ss.json --in 3.tls --show-secrets
expect_contains "$T/err" "--show-secrets"

# Alerts on a failed check: a flipped bit in the client's Finished record.
n=$(stat -c %s 3.tls)
b=$(xxd -p -s $((n - 1)) -l 1 3.tls)
{ head -c $((n - 1)) 3.tls; printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p; } >3bad.tls
cp s0.json sa.json
expect_exit 1 "$HSK" derive-pms --state sa.json --in 3bad.tls -o 4a.tls
expect_contains "$T/err" "bad_record_mac"
[ ! -e 4a.tls ] || fail "an alert went into a regular -o file"
expect_exit 1 "$HSK" derive-pms --state sa.json --in 3bad.tls -o 4a.tls --alert-to alert.bin
[ "$(xxd -p alert.bin)" = 15030300020214 ] || fail "--alert-to: $(xxd -p alert.bin)"
mkfifo peer.fifo
{ cat peer.fifo >fifo.bin & } 2>/dev/null
reader=$!
expect_exit 1 "$HSK" derive-pms --state sa.json --in 3bad.tls -o peer.fifo
wait "$reader"
[ "$(xxd -p fifo.bin)" = 15030300020214 ] || fail "FIFO: '$(xxd -p fifo.bin)'"
{ cat peer.fifo >fifo2.bin & } 2>/dev/null
reader=$!
expect_exit 1 "$HSK" derive-pms --state sa.json --in 3bad.tls -o peer.fifo --no-alert
exec 8>peer.fifo
exec 8>&-
wait "$reader"
[ ! -s fifo2.bin ] || fail "--no-alert: $(xxd -p fifo2.bin)"
cmp -s sa.json s0.json || fail "the server state changed"
