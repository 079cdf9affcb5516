#!/usr/bin/env bash
source "$TESTLIB"
# hsk app-data over files and pipes, after an hsk-vs-hsk handshake (ECDHE-RSA AES-128-GCM):
#   - 40000 bytes -> 3 application_data records (16384 + 16384 + 7232 bytes of plaintext:
#     fragments of 16384 + 24 = 16408, 16408 and 7256 bytes with GCM's 8-byte explicit nonce and
#     16-byte tag), equal after --recv; --record-size 1000 -> 40 records
#   - --close appends one protected alert record (31 bytes); --recv prints "alert:
#     close_notify" on stderr and stops there; the sequence numbers in both states advance
#     (client_write_seq)
#   - --records N stops after N records and leaves the next record in the pipe (stream
#     discipline); fewer records than N before the end -> exit 1
#   - end of stream without close_notify: a warning, exit 0 (--quiet: none)
#   - --until-eof: a record after close_notify is unexpected_message (exit 3)
#   - -o FILE for --recv; usage errors (no mode, --send with --recv, --records with --send,
#     --record-size 0) exit 2
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed app-data-basic >/dev/null 2>&1 || fail "gen-cert --test-pki"
"$HSK" client-hello --state c.json --suites ECDHE-RSA-AES128-GCM-SHA256 |
  "$HSK" server-respond --state s.json --cert pki/server-rsa.pem --key pki/server-rsa.key |
  "$HSK" derive-pms --state c.json --ca pki/ca.pem |
  "$HSK" derive-pms --state s.json |
  "$HSK" finish --state c.json --quiet || fail "the handshake pipeline failed"
[ "$(jq -r .values.handshake_complete c.json),$(jq -r .values.handshake_complete s.json)" = true,true ] ||
  fail "handshake not complete"

# lengths FILE: the fragment lengths of each record, comma separated.
lengths() {
  local f=$1 off=0 size out="" hdr
  size=$(stat -c %s "$f")
  while [ "$off" -lt "$size" ]; do
    hdr=$(xxd -p -s "$off" -l 5 "$f")
    out="$out${out:+,}${hdr:0:2}:$((16#${hdr:6:4}))"
    off=$((off + 5 + 16#${hdr:6:4}))
  done
  echo "$out"
}

head -c 40000 /dev/urandom >big.bin
"$HSK" app-data --send --state c.json --in big.bin -o big.tls || fail "--send big"
[ "$(lengths big.tls)" = "17:16408,17:16408,17:7256" ] || fail "records: $(lengths big.tls)"
[ "$(jq -r .values.client_write_seq c.json)" = 4 ] || fail "client_write_seq $(jq -r .values.client_write_seq c.json), want 4 (Finished + 3)"
expect_exit 0 "$HSK" app-data --recv --state s.json --in big.tls -o big.out
cmp -s big.bin big.out || fail "40000 bytes did not survive"
expect_contains "$T/err" "end of stream without close_notify"
[ "$(jq -r .values.client_write_seq s.json)" = 4 ] || fail "the server's client_write_seq"

"$HSK" app-data --send --state c.json --in big.bin --record-size 1000 -o small.tls || fail "--record-size"
[ "$(lengths small.tls | tr ',' '\n' | sort -u)" = "17:1024" ] || fail "--record-size 1000: $(lengths small.tls | head -c 100)"
[ "$(lengths small.tls | tr ',' '\n' | wc -l)" = 40 ] || fail "--record-size 1000: not 40 records"
expect_exit 0 "$HSK" app-data --recv --state s.json --in small.tls --quiet
cmp -s big.bin "$T/out" || fail "40 records did not survive"
[ ! -s "$T/err" ] || fail "--quiet said something"

# --close after data; --recv stops at close_notify.
printf 'one\n' | "$HSK" app-data --send --close --state c.json >close.tls
[ "$(lengths close.tls)" = "17:28,15:26" ] || fail "data + close_notify: $(lengths close.tls)"
printf 'after\n' | "$HSK" app-data --send --state c.json >after.tls
cat close.tls after.tls >both.tls
expect_exit 0 "$HSK" app-data --recv --state s.json --in both.tls
[ "$(cat "$T/out")" = one ] || fail "before close_notify: '$(cat "$T/out")'"
[ "$(cat "$T/err")" = "alert: close_notify" ] || fail "stderr: $(cat "$T/err")"
cp s.json s3.json
expect_exit 0 "$HSK" app-data --recv --state s3.json --in after.tls --quiet
[ "$(cat "$T/out")" = after ] || fail "after: '$(cat "$T/out")'"

# Stream discipline: --records 1 reads one record from a pipe; the next reader gets the rest.
printf 'first\n' | "$HSK" app-data --send --state c.json >r1.tls
printf 'second\n' | "$HSK" app-data --send --state c.json >r2.tls
cp s3.json s4.json
cat r1.tls r2.tls | {
  "$HSK" app-data --recv --state s3.json --records 1 >first.out || exit 1
  cat >rest.bin
} || fail "--records 1 in a pipe"
[ "$(cat first.out)" = first ] || fail "first: '$(cat first.out)'"
cmp -s rest.bin r2.tls || fail "--records 1 read past its record"
expect_exit 0 "$HSK" app-data --recv --state s3.json --in rest.bin --records 1
[ "$(cat "$T/out")" = second ] || fail "second"
# Fewer records than asked.
expect_exit 1 "$HSK" app-data --recv --state s4.json --in r1.tls --records 2
expect_contains "$T/err" "1 of the 2"

# --until-eof goes on reading after close_notify: a record there is an error.
"$HSK" app-data --send --close --state c.json --in /dev/null >close2.tls
[ "$(lengths close2.tls)" = "15:26" ] || fail "--send --close of nothing: $(lengths close2.tls)"
printf 'late\n' | "$HSK" app-data --send --state c.json >late.tls
cat close2.tls late.tls >closed-then-data.tls
expect_exit 3 "$HSK" app-data --recv --state s3.json --in closed-then-data.tls --until-eof
expect_contains "$T/err" "after the peer's close_notify"

# Usage.
expect_exit 2 "$HSK" app-data --state c.json
expect_exit 2 "$HSK" app-data --state c.json --send --recv
expect_exit 2 "$HSK" app-data --state c.json --send --records 1
expect_exit 2 "$HSK" app-data --state c.json --send --record-size 0
expect_exit 2 "$HSK" app-data --send
expect_exit 4 "$HSK" app-data --state missing.json --send --in /dev/null
