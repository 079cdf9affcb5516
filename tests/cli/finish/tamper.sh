#!/usr/bin/env bash
source "$TESTLIB"
# Failures of phase 4 and after, over files, with their exit codes, alerts and the alert
# records hsk writes (--alert-to FILE):
#   one flipped bit in the client's Finished record -> derive-pms (server) exits 1,
#     bad_record_mac: the record's MAC / AEAD tag fails before verify_data is looked at; the
#     alert record is plaintext 15 VV VV 00 02 02 14 (the server has not sent its
#     ChangeCipherSpec); the server state is unchanged
#   one flipped bit in the server's Finished record -> finish exits 1, bad_record_mac; the
#     alert record is protected (the client's side is), and the server opens it as
#     fatal bad_record_mac
#   one flipped bit in an application data record -> app-data --recv exits 1, bad_record_mac
#   a ChangeCipherSpec whose byte is not 01 -> exit 3, unexpected_message
#   the server's flight cut after its ChangeCipherSpec -> exit 3 (decode_error)
#   a fatal alert from the peer instead of ChangeCipherSpec -> exit 1, no alert sent back
#   usage: finish before derive-pms, finish twice, app-data before the handshake -> exit 2
# (decrypt_error — a Finished that authenticates but carries the wrong verify_data — cannot be
# made from the command line without the keys; tests/unit/test_finish.cpp makes it.)
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed finish-tamper >/dev/null 2>&1 || fail "gen-cert --test-pki"

# flip FILE OFFSET_FROM_END OUT: OUT is FILE with one bit of the byte OFFSET_FROM_END flipped.
flip() {
  local n b
  n=$(stat -c %s "$1")
  b=$(xxd -p -s $((n - $2)) -l 1 "$1")
  { head -c $((n - $2)) "$1"; printf '%02x' $((0x$b ^ 0x10)) | xxd -r -p; tail -c $(($2 - 1)) "$1"; } >"$3"
  cmp -s "$1" "$3" && fail "flip: nothing changed"
  return 0
}

for suite in ECDHE-RSA-AES128-GCM-SHA256 AES128-SHA256 ECDHE-RSA-CHACHA20-POLY1305; do
  n=$suite
  "$HSK" client-hello --state "$n.c.json" --suites "$suite" >"$n.1"
  "$HSK" server-respond --state "$n.s.json" --cert pki/server-rsa.pem --key pki/server-rsa.key <"$n.1" >"$n.2"
  expect_exit 2 "$HSK" finish --state "$n.c.json" --in "$n.2"
  expect_contains "$T/err" "has not sent its Finished"
  "$HSK" derive-pms --state "$n.c.json" --ca pki/ca.pem <"$n.2" >"$n.3"
  cp "$n.s.json" "$n.s0.json"

  # The client's Finished record, one bit flipped (10 bytes before its end: inside the tag or
  # the CBC padding/ciphertext).
  flip "$n.3" 10 "$n.3bad"
  expect_exit 1 "$HSK" derive-pms --state "$n.s.json" --in "$n.3bad" -o "$n.4" --alert-to "$n.alert"
  expect_contains "$T/err" "bad_record_mac"
  expect_contains "$T/err" "sent a fatal bad_record_mac alert"
  [ "$(xxd -p "$n.alert")" = 15030300020214 ] || fail "$n: the server's alert record is $(xxd -p "$n.alert")"
  [ ! -e "$n.4" ] || fail "$n: the server wrote its Finished after a bad one"
  cmp -s "$n.s.json" "$n.s0.json" || fail "$n: the server state changed"

  # The genuine flight, then the server's Finished with one bit flipped.
  expect_exit 0 "$HSK" derive-pms --state "$n.s.json" --in "$n.3" -o "$n.4"
  cp "$n.c.json" "$n.c0.json"
  flip "$n.4" 3 "$n.4bad"
  expect_exit 1 "$HSK" finish --state "$n.c.json" --in "$n.4bad" --alert-to "$n.calert"
  expect_contains "$T/err" "bad_record_mac"
  cmp -s "$n.c.json" "$n.c0.json" || fail "$n: the client state changed"
  [ "$(xxd -p -l 3 "$n.calert")" = 150303 ] || fail "$n: the client's alert is not an alert record"
  [ "$(stat -c %s "$n.calert")" -gt 7 ] || fail "$n: the client's alert is not protected"
  # The server can open it: fatal bad_record_mac (the server's state counts the record).
  cp "$n.s.json" "$n.s1.json"
  expect_exit 1 "$HSK" app-data --recv --state "$n.s1.json" --in "$n.calert"
  expect_contains "$T/err" "alert: bad_record_mac (fatal)"

  # A ChangeCipherSpec that is not 01.
  { head -c 5 "$n.4"; printf '\x02'; tail -c +7 "$n.4"; } >"$n.4ccs"
  expect_exit 3 "$HSK" finish --state "$n.c.json" --in "$n.4ccs"
  expect_contains "$T/err" "unexpected_message"
  # Cut after the ChangeCipherSpec.
  head -c 6 "$n.4" >"$n.4cut"
  expect_exit 3 "$HSK" finish --state "$n.c.json" --in "$n.4cut"
  expect_contains "$T/err" "before its Finished"
  # A fatal alert instead: reported, exit 1, nothing sent back.
  printf '\x15\x03\x03\x00\x02\x02\x28' >"$n.4alert"
  expect_exit 1 "$HSK" finish --state "$n.c.json" --in "$n.4alert" --alert-to "$n.none"
  expect_contains "$T/err" "fatal alert handshake_failure"
  [ ! -e "$n.none" ] || fail "$n: an alert was answered with an alert"

  # Application data before the handshake is complete.
  expect_exit 2 "$HSK" app-data --send --state "$n.c.json" --in "$n.1"
  expect_contains "$T/err" "not complete"
  expect_exit 0 "$HSK" finish --state "$n.c.json" --in "$n.4"
  expect_exit 2 "$HSK" finish --state "$n.c.json" --in "$n.4"
  expect_contains "$T/err" "already verified"

  # An application data record with one bit flipped.
  echo "some data" | "$HSK" app-data --send --state "$n.c.json" >"$n.5"
  flip "$n.5" 1 "$n.5bad"
  cp "$n.s.json" "$n.s2.json"
  expect_exit 1 "$HSK" app-data --recv --state "$n.s.json" --in "$n.5bad" --alert-to "$n.salert"
  expect_contains "$T/err" "bad_record_mac"
  [ ! -s "$T/out" ] || fail "$n: plaintext written from a bad record"
  # The server's alert is protected now (its ChangeCipherSpec went out); the client opens it.
  expect_exit 1 "$HSK" app-data --recv --state "$n.c.json" --in "$n.salert"
  expect_contains "$T/err" "alert: bad_record_mac (fatal)"
  # The genuine record still opens in the state from before the bad one.
  expect_exit 0 "$HSK" app-data --recv --state "$n.s2.json" --in "$n.5" --quiet
  [ "$(cat "$T/out")" = "some data" ] || fail "$n: got '$(cat "$T/out")'"
done
