#!/usr/bin/env bash
source "$TESTLIB"
# hsk's client steps against a live `openssl s_server -rev` (it answers each line reversed) on
# loopback, over one bash /dev/tcp descriptor, the whole connection:
#   exec 3<>/dev/tcp/127.0.0.1/PORT
#   hsk client-hello --state c.json >&3
#   hsk derive-pms --state c.json --ca ca.pem <&3 >&3     # ... ChangeCipherSpec, Finished
#   hsk finish --state c.json <&3                          # the server's CCS + Finished
#   echo LINE | hsk app-data --send --state c.json >&3
#   hsk app-data --recv --state c.json --records 1 <&3     # must print LINE reversed
#   hsk app-data --close --state c.json >&3; hsk app-data --recv --state c.json <&3
# Asserted per case: every step exits 0; finish prints "handshake complete: both Finished
# verified"; the reply is the line reversed (so OpenSSL accepted our Finished and decrypted our
# record, and we decrypted its); s_server answers our close_notify with its own ("alert:
# close_notify"); s_server's key log line (written once it built its Finished) equals ours;
# s_server's trace shows the negotiated protocol and cipher.
# Cases: ECDHE-RSA, DHE-RSA, RSA, ECDHE-ECDSA at TLS 1.2 with AES-GCM and AES-CBC (HMAC-SHA256
# and SHA-1), ChaCha20-Poly1305, DHE-DSS (@SECLEVEL=1), DH_anon (@SECLEVEL=0), TLS 1.1 and TLS
# 1.0 CBC suites (@SECLEVEL=0; at TLS 1.0 OpenSSL sends an empty record before the data, which
# --records does not count), client authentication (s_server -Verify 1) and no EMS.
# Negative cases: one flipped bit in our Finished record makes s_server send a fatal
# bad_record_mac alert, which `hsk finish` reports (exit 1, "bad_record_mac"); a record the
# server protected, with a bit flipped on the way to us, makes `hsk app-data --recv` exit 1 with
# bad_record_mac and send s_server a protected fatal alert (--alert-to /dev/fd/3).
for tool in openssl xxd jq; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki --seed finish-interop-openssl >/dev/null 2>&1 || fail "gen-cert --test-pki"

pid=""
stop_server() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  pid=""
  exec 7>&-
}
trap 'stop_server; rm -rf "$T"' EXIT

# start NAME ARGS...: s_server -rev on a kernel-chosen loopback port (it prints ACCEPT with
# the port); its stdin is a FIFO we hold open.
start() {
  local name=$1
  shift
  rm -f "$name.fifo"
  mkfifo "$name.fifo"
  timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 1 -no_ticket -rev -keylogfile "$name.keylog" "$@" \
    <"$name.fifo" >"$name.srv.out" 2>&1 &
  pid=$!
  exec 7>"$name.fifo"
  for _ in $(seq 100); do grep -q '^ACCEPT' "$name.srv.out" && break; sleep 0.1; done
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$name.srv.out")
  [ -n "$port" ] || { cat "$name.srv.out" >&2; fail "$name: s_server did not start"; }
}

step() {
  local name=$1 what=$2
  shift 2
  timeout 20 "$@" 2>>"$name.err" || { cat "$name.err" "$name.srv.out" >&2; fail "$name: $what"; }
}

cases=0
# run NAME "S_SERVER ARGS" "CLIENT-HELLO ARGS" ["DERIVE-PMS ARGS"] [PROTOCOL]
run() {
  local name=$1 sargs=$2 cargs=$3 dargs=${4:-} proto=${5:-TLSv1.2}
  : >"$name.err"
  # shellcheck disable=SC2086
  start "$name" $sargs
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  # shellcheck disable=SC2086
  step "$name" client-hello "$HSK" client-hello --state "$name.json" $cargs >&3
  # shellcheck disable=SC2086
  step "$name" derive-pms "$HSK" derive-pms --state "$name.json" --ca pki/ca.pem --server-name localhost \
    --keylog "$name.mine" $dargs <&3 >&3
  step "$name" finish "$HSK" finish --state "$name.json" <&3
  expect_contains "$name.err" "handshake complete: both Finished verified"
  echo "hello from hsk: $name" | step "$name" "app-data --send" "$HSK" app-data --send --state "$name.json" >&3
  step "$name" "app-data --recv" "$HSK" app-data --recv --state "$name.json" --records 1 <&3 >"$name.reply"
  [ "$(cat "$name.reply")" = "$(echo "hello from hsk: $name" | rev)" ] ||
    fail "$name: s_server replied '$(cat "$name.reply")'"
  # At TLS 1.0 OpenSSL sends an empty record before the data (CBC IV countermeasure): it was
  # read and opened (sequence numbers: Finished 0, empty 1, data 2) but not counted.
  if [ "$proto" = TLSv1 ]; then
    [ "$(jq -r .values.server_write_seq "$name.json")" = 3 ] || fail "$name: server_write_seq $(jq -r .values.server_write_seq "$name.json"), want 3"
  fi
  step "$name" "app-data --close" "$HSK" app-data --close --state "$name.json" >&3
  : >"$name.err"
  step "$name" "app-data --recv (close)" "$HSK" app-data --recv --state "$name.json" <&3 >"$name.rest"
  [ "$(cat "$name.err")" = "alert: close_notify" ] || fail "$name: after our close_notify: $(cat "$name.err")"
  [ ! -s "$name.rest" ] || fail "$name: data after our close_notify"
  exec 3>&-
  stop_server
  grep -q "^Protocol version: $proto\$" "$name.srv.out" || { cat "$name.srv.out" >&2; fail "$name: not $proto"; }
  local cr mine theirs
  cr=$(jq -r .client_random "$name.json")
  mine=$(cat "$name.mine")
  theirs=$(grep "^CLIENT_RANDOM $cr " "$name.keylog" || true)
  [ "$theirs" = "$mine" ] || fail "$name: key logs differ: openssl '$theirs', hsk '$mine'"
  cases=$((cases + 1))
}

rsa="-cert pki/server-rsa.pem -key pki/server-rsa.key"
ecdsa="-cert pki/server-ecdsa.pem -key pki/server-ecdsa.key"
run ecdhe-rsa-gcm "$rsa -cipher ECDHE-RSA-AES128-GCM-SHA256" "--suites ECDHE-RSA-AES128-GCM-SHA256"
run ecdhe-rsa-cbc "$rsa -cipher ECDHE-RSA-AES128-SHA256" "--suites ECDHE-RSA-AES128-SHA256"
run ecdhe-rsa-chacha "$rsa -cipher ECDHE-RSA-CHACHA20-POLY1305" "--suites ECDHE-RSA-CHACHA20-POLY1305"
run dhe-rsa-gcm "$rsa -cipher DHE-RSA-AES256-GCM-SHA384" "--suites DHE-RSA-AES256-GCM-SHA384"
run dhe-rsa-cbc "$rsa -cipher DHE-RSA-AES256-SHA256" "--suites DHE-RSA-AES256-SHA256"
run rsa-gcm "$rsa -cipher AES128-GCM-SHA256" "--suites AES128-GCM-SHA256"
run rsa-cbc "$rsa -cipher AES256-SHA" "--suites AES256-SHA"
run rsa-cbc-noems "$rsa -cipher AES128-SHA256" "--suites AES128-SHA256 --no-ems"
run ecdhe-ecdsa-gcm "$ecdsa -cipher ECDHE-ECDSA-AES256-GCM-SHA384" "--suites ECDHE-ECDSA-AES256-GCM-SHA384"
run ecdhe-ecdsa-cbc "$ecdsa -cipher ECDHE-ECDSA-AES128-SHA" "--suites ECDHE-ECDSA-AES128-SHA"
run ecdhe-ecdsa-chacha "$ecdsa -cipher ECDHE-ECDSA-CHACHA20-POLY1305" "--suites ECDHE-ECDSA-CHACHA20-POLY1305"
run dhe-dss "-cert pki/server-dsa.pem -key pki/server-dsa.key -cipher DHE-DSS-AES128-GCM-SHA256:@SECLEVEL=1" \
  "--suites DHE-DSS-AES128-GCM-SHA256"
run dh-anon "-nocert -cipher ADH-AES128-GCM-SHA256:@SECLEVEL=0" "--suites ADH-AES128-GCM-SHA256"
# encrypt_then_mac (RFC 7366): hsk offers it with CBC suites and OpenSSL accepts it; with
# client-hello --no-etm or s_server -no_etm the records are MAC-then-encrypt.
for c in ecdhe-rsa-cbc rsa-cbc ecdhe-ecdsa-cbc; do
  [ "$(jq -r .values.encrypt_then_mac $c.json)" = true ] || fail "$c: encrypt_then_mac not negotiated"
done
[ "$(jq -r .values.encrypt_then_mac ecdhe-rsa-gcm.json)" = false ] || fail "ecdhe-rsa-gcm: encrypt_then_mac with an AEAD"
run rsa-cbc-client-noetm "$rsa -cipher AES128-SHA256" "--suites AES128-SHA256 --no-etm"
run rsa-cbc-server-noetm "$rsa -no_etm -cipher AES128-SHA" "--suites AES128-SHA"
for c in rsa-cbc-client-noetm rsa-cbc-server-noetm; do
  [ "$(jq -r .values.encrypt_then_mac $c.json)" = false ] || fail "$c: encrypt_then_mac negotiated"
done
run ecdhe-rsa-tls11 "$rsa -cipher ECDHE-RSA-AES256-SHA:@SECLEVEL=0" "--version tls1.1 --suites ECDHE-RSA-AES256-SHA" "" TLSv1.1
run ecdhe-rsa-tls10 "$rsa -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0" "--version tls1.0 --suites ECDHE-RSA-AES128-SHA" "" TLSv1
run rsa-tls10 "$rsa -cipher AES128-SHA:@SECLEVEL=0" "--version tls1.0 --suites AES128-SHA" "" TLSv1
run dhe-rsa-tls10 "$rsa -cipher DHE-RSA-AES256-SHA:@SECLEVEL=0" "--version tls1.0 --suites DHE-RSA-AES256-SHA" "" TLSv1
run auth-rsa "$rsa -Verify 1 -CAfile pki/ca.pem -cipher ECDHE-RSA-AES128-GCM-SHA256" \
  "--suites ECDHE-RSA-AES128-GCM-SHA256" "--cert pki/client.pem --key pki/client.key"
run auth-ecdsa-cbc "$rsa -Verify 1 -CAfile pki/ca.pem -cipher ECDHE-RSA-AES128-SHA256" \
  "--suites ECDHE-RSA-AES128-SHA256 --groups x25519,secp256r1" "--cert pki/client-ecdsa.pem --key pki/client-ecdsa.key"
grep -q "depth=0" auth-rsa.srv.out || { cat auth-rsa.srv.out >&2; fail "auth-rsa: s_server saw no client certificate"; }

# Negative 1: one flipped bit in our Finished record (its last byte: the GCM tag / CBC
# padding). s_server must refuse it with a fatal bad_record_mac alert (20): the record does not
# authenticate, so OpenSSL never looks at verify_data. hsk finish reports that alert.
flip_finished() {
  local name=$1 sargs=$2 cargs=$3
  : >"$name.err"
  # shellcheck disable=SC2086
  start "$name" $sargs
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  # shellcheck disable=SC2086
  step "$name" client-hello "$HSK" client-hello --state "$name.json" $cargs >&3
  step "$name" derive-pms "$HSK" derive-pms --state "$name.json" --ca pki/ca.pem <&3 -o "$name.flight"
  local n b
  n=$(stat -c %s "$name.flight")
  b=$(xxd -p -s $((n - 1)) -l 1 "$name.flight")
  { head -c $((n - 1)) "$name.flight"; printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p; } >&3
  expect_exit 1 timeout 20 "$HSK" finish --state "$name.json" <&3
  exec 3>&-
  stop_server
  expect_contains "$T/err" "fatal alert bad_record_mac"
  [ "$(jq -r '.values.handshake_complete // "no"' "$name.json")" = no ] || fail "$name: handshake marked complete"
}
flip_finished flip-gcm "$rsa -cipher ECDHE-RSA-AES128-GCM-SHA256" "--suites ECDHE-RSA-AES128-GCM-SHA256"
flip_finished flip-cbc "$rsa -cipher AES128-SHA256" "--suites AES128-SHA256"

# Negative 2: s_server's reply with one bit flipped on the way (a relay through xxd would be
# heavy; instead the reply record is read raw, changed, and given to app-data --recv from a
# file, with the alert going back to s_server over the socket).
name=flip-reply
: >"$name.err"
start "$name" $rsa -cipher ECDHE-RSA-AES128-GCM-SHA256 -msg
exec 3<>"/dev/tcp/127.0.0.1/$port"
step "$name" client-hello "$HSK" client-hello --state "$name.json" --suites ECDHE-RSA-AES128-GCM-SHA256 >&3
step "$name" derive-pms "$HSK" derive-pms --state "$name.json" --ca pki/ca.pem <&3 >&3
step "$name" finish "$HSK" finish --state "$name.json" <&3
echo "flip me" | step "$name" "app-data --send" "$HSK" app-data --send --state "$name.json" >&3
hdr=$(timeout 10 head -c 5 <&3 | xxd -p)
[ "${hdr:0:6}" = 170303 ] || fail "$name: s_server's reply starts with '$hdr'"
len=$((16#${hdr:6:4}))
timeout 10 head -c "$len" <&3 >"$name.frag"
[ "$(stat -c %s "$name.frag")" = "$len" ] || fail "$name: short reply record"
{ xxd -r -p <<<"$hdr"; head -c 10 "$name.frag"; printf '%02x' $((0x$(xxd -p -s 10 -l 1 "$name.frag") ^ 0x04)) | xxd -r -p
  tail -c +12 "$name.frag"; } >"$name.bad"
expect_exit 1 timeout 20 "$HSK" app-data --recv --state "$name.json" --in "$name.bad" --alert-to /dev/fd/3 3>&3
expect_contains "$T/err" "bad_record_mac"
expect_contains "$T/err" "sent a fatal bad_record_mac alert"
# s_server received a protected alert it could decrypt: its -msg trace names it.
for _ in $(seq 50); do grep -q "Alert" "$name.srv.out" && break; sleep 0.1; done
cp "$name.srv.out" "$name.srv.trace"
exec 3>&-
stop_server
grep -q '^<<< TLS 1.2, Alert \[length 0002\], fatal bad_record_mac' "$name.srv.out" || { cat "$name.srv.out" >&2; fail "$name: s_server did not report our alert"; }
echo "$cases live handshakes with application data"
