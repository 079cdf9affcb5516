#!/usr/bin/env bash
source "$TESTLIB"
# Session resumption by session id (RFC 5246 §7.3 Figure 2) against OpenSSL, both ways.
#
# 1. hsk's client steps against `openssl s_server -rev -no_ticket -naccept 2` (its session-id
#    cache; hsk offers no tickets): a full handshake and a line of application data on the
#    first connection, then on a second one
#      hsk client-hello --resume first.json >&3; hsk derive-pms <&3 >&3
#    (reads ServerHello, ChangeCipherSpec, Finished; writes ChangeCipherSpec, Finished), then a
#    line each way. Asserted: the second ServerHello echoes the first session id and no
#    Certificate (nor any message but ServerHello and Finished) came; the state says resumed and
#    complete; s_server's statistics count 1 session cache hit, 0 misses and 2 finished accepts; the reply is our line reversed (s_server
#    decrypted ours, we decrypted its); s_server's key log line for the second connection equals
#    ours (so the master secret is the first session's) and the master secret equals the first.
# 2. `openssl s_client -sess_out s.pem`, then `-sess_in s.pem`, against hsk's server steps behind
#    socat (server-respond --session-cache DIR; then derive-pms after a full handshake, or
#    hsk finish after an abbreviated one; app-data each way). Asserted: the first s_client
#    reports "New, TLSv1.2", the second "Reused, TLSv1.2" with the same Session-ID and cipher;
#    hsk's second server state is resumed and complete; lines each way on both connections.
# Cases: ECDHE-RSA-AES128-GCM-SHA256 and AES128-SHA256 (RSA, CBC) at TLS 1.2.
for tool in openssl socat jq xxd ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki --seed resume-openssl >/dev/null 2>&1 || fail "gen-cert --test-pki"

source "$(dirname "$TESTLIB")/live.sh"
pid=""
stop_all() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  pid=""
  socat_stop
  exec 7>&-
}
trap 'stop_all; rm -rf "$T"' EXIT

step() {
  local name=$1 what=$2
  shift 2
  timeout 20 "$@" 2>>"$name.err" || { cat "$name.err" "$name.srv.out" 2>/dev/null >&2; fail "$name: $what"; }
}

# ---- 1. hsk client, openssl s_server.
hsk_client() {
  local name=$1 suite=$2
  : >"$name.err"
  rm -f "$name.fifo"
  mkfifo "$name.fifo"
  timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 2 -no_ticket -rev -keylogfile "$name.keylog" \
    -cert pki/server-rsa.pem -key pki/server-rsa.key -cipher "$suite" <"$name.fifo" >"$name.srv.out" 2>&1 &
  pid=$!
  exec 7>"$name.fifo"
  for _ in $(seq 100); do grep -q '^ACCEPT' "$name.srv.out" && break; sleep 0.1; done
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$name.srv.out")
  [ -n "$port" ] || { cat "$name.srv.out" >&2; fail "$name: s_server did not start"; }

  # First connection: full handshake.
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  step "$name" client-hello "$HSK" client-hello --state "$name.1.json" --suites "$suite" >&3
  step "$name" derive-pms "$HSK" derive-pms --state "$name.1.json" --ca pki/ca.pem --server-name localhost <&3 >&3
  step "$name" finish "$HSK" finish -q --state "$name.1.json" <&3
  echo "first line: $name" | step "$name" "app-data --send" "$HSK" app-data --send --state "$name.1.json" >&3
  step "$name" "app-data --recv" "$HSK" app-data --recv --state "$name.1.json" --records 1 <&3 >"$name.1.reply"
  [ "$(cat "$name.1.reply")" = "$(echo "first line: $name" | rev)" ] || fail "$name: first reply '$(cat "$name.1.reply")'"
  step "$name" "app-data --close" "$HSK" app-data --close --state "$name.1.json" >&3
  step "$name" "app-data --recv (close)" "$HSK" app-data --recv --state "$name.1.json" <&3 >/dev/null
  exec 3>&-
  local sid1
  sid1=$(jq -r .server_session_id "$name.1.json")
  [ ${#sid1} = 64 ] || fail "$name: s_server gave session id '$sid1'"

  # Second connection: resume.
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  step "$name" "client-hello --resume" "$HSK" client-hello --state "$name.2.json" --resume "$name.1.json" >&3
  step "$name" "derive-pms (abbreviated)" "$HSK" derive-pms --state "$name.2.json" --ca pki/ca.pem \
    --server-name localhost --keylog "$name.2.mine" <&3 >&3
  echo "second line: $name" | step "$name" "app-data --send (resumed)" "$HSK" app-data --send --state "$name.2.json" >&3
  step "$name" "app-data --recv (resumed)" "$HSK" app-data --recv --state "$name.2.json" --records 1 <&3 >"$name.2.reply"
  [ "$(cat "$name.2.reply")" = "$(echo "second line: $name" | rev)" ] || fail "$name: resumed reply '$(cat "$name.2.reply")'"
  step "$name" "app-data --close (resumed)" "$HSK" app-data --close --state "$name.2.json" >&3
  : >"$name.err"
  step "$name" "app-data --recv (resumed close)" "$HSK" app-data --recv --state "$name.2.json" <&3 >/dev/null
  [ "$(cat "$name.err")" = "alert: close_notify" ] || fail "$name: after our close_notify: $(cat "$name.err")"
  exec 3>&-
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  stop_all

  [ "$(jq -r .server_session_id "$name.2.json")" = "$sid1" ] || fail "$name: the second ServerHello does not echo $sid1"
  [ "$(jq -r '[.transcript[] | select(.from == "server") | .type] | join(",")' "$name.2.json")" = server_hello,finished ] ||
    fail "$name: server messages $(jq -c '[.transcript[] | select(.from == "server") | .type]' "$name.2.json")"
  [ "$(jq -r .values.resumed "$name.2.json")" = true ] || fail "$name: state not resumed"
  [ "$(jq -r .values.handshake_complete "$name.2.json")" = true ] || fail "$name: handshake not complete"
  [ "$(jq -r .secrets.master_secret "$name.2.json")" = "$(jq -r .secrets.master_secret "$name.1.json")" ] ||
    fail "$name: master secret differs from the first session's"
  grep -qx ' *1 session cache hits' "$name.srv.out" && grep -qx ' *0 session cache misses' "$name.srv.out" &&
    grep -qx ' *2 server accepts that finished' "$name.srv.out" ||
    { cat "$name.srv.out" >&2; fail "$name: s_server's statistics do not show one session cache hit"; }
  local cr theirs
  cr=$(jq -r .client_random "$name.2.json")
  theirs=$(grep "^CLIENT_RANDOM $cr " "$name.keylog" || true)
  [ "$theirs" = "$(cat "$name.2.mine")" ] || fail "$name: key logs differ: openssl '$theirs', hsk '$(cat "$name.2.mine")'"
  echo "$name: hsk client resumed against s_server (session $sid1)"
}

hsk_client c-ecdhe ECDHE-RSA-AES128-GCM-SHA256
hsk_client c-rsa-cbc AES128-SHA256

# ---- 2. openssl s_client, hsk server steps behind socat.
cat >server.sh <<'EOF'
# Run by socat with the TCP connection on standard input and output.
cd "$DIR"
# The pause after the exit status is written keeps the connection's end open: socat that sees
# the script exit can drop what the last step wrote and socat has not forwarded yet (seen
# under load, ~1 in 4 runs). The status comes first: socat may end the script while it waits.
trap 'echo $? >"$NAME.srv.rc"; sleep 0.3' EXIT
set -e
"$HSK" server-respond --state "$NAME.s.json" --cert pki/server-rsa.pem --key pki/server-rsa.key \
  --suites "$SUITE" --session-cache "$DIR/cache.$CASE" 2>>"$NAME.srv.err"
if [ "$(jq -r '.values.resumed // "no"' "$NAME.s.json")" = true ]; then
  "$HSK" finish -q --state "$NAME.s.json" 2>>"$NAME.srv.err"
else
  "$HSK" derive-pms --state "$NAME.s.json" 2>>"$NAME.srv.err"
fi
"$HSK" app-data --recv --state "$NAME.s.json" --records 1 >"$NAME.got" 2>>"$NAME.srv.err"
echo "hello from hsk: $NAME" | "$HSK" app-data --send --close --state "$NAME.s.json" 2>>"$NAME.srv.err"
"$HSK" app-data --recv --state "$NAME.s.json" >"$NAME.rest" 2>>"$NAME.srv.err"
EOF

# connect NAME SESS-ARGS...: one s_client connection to a fresh one-connection hsk server.
connect() {
  local name=$1
  shift
  socat_listen "$name"
  echo "hello from s_client: $name" | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile pki/ca.pem \
    -servername localhost -verify_return_error -ign_eof -cipher "$SUITE" "$@" >"$name.cli.out" 2>&1 ||
    { cat "$name.cli.out" "$name.srv.err" >&2; fail "$name: s_client failed"; }
  for _ in $(seq 100); do [ -e "$name.srv.rc" ] && break; sleep 0.1; done
  stop_all
  [ "$(cat "$name.srv.rc" 2>/dev/null)" = 0 ] || { cat "$name.srv.err" "$name.cli.out" >&2; fail "$name: the hsk server script failed"; }
  grep -qx "hello from hsk: $name" "$name.cli.out" || { cat "$name.cli.out" >&2; fail "$name: s_client did not print our line"; }
  [ "$(cat "$name.got")" = "hello from s_client: $name" ] || fail "$name: hsk received '$(cat "$name.got")'"
}

hsk_server() {
  local case=$1
  export SUITE=$2 CASE=$case
  connect "$case.first" -sess_out "$case.sess.pem"
  expect_contains "$case.first.cli.out" "New, TLSv1.2, Cipher is $SUITE"
  [ -s "$case.sess.pem" ] || fail "$case: s_client wrote no session"
  local sid
  sid=$(jq -r .server_session_id "$case.first.s.json")
  [ -f "cache.$case/$sid" ] || fail "$case: hsk did not cache session $sid"
  connect "$case.second" -sess_in "$case.sess.pem"
  expect_contains "$case.second.cli.out" "Reused, TLSv1.2, Cipher is $SUITE"
  grep -q "Session-ID: ${sid^^}" "$case.second.cli.out" || fail "$case: s_client's Session-ID is not $sid"
  [ "$(jq -r .values.resumed "$case.second.s.json")" = true ] || fail "$case: hsk server state not resumed"
  [ "$(jq -r .values.handshake_complete "$case.second.s.json")" = true ] || fail "$case: hsk server handshake not complete"
  [ "$(jq -r .server_session_id "$case.second.s.json")" = "$sid" ] || fail "$case: another session id"
  echo "$case: s_client resumed against hsk (session $sid)"
}

hsk_server s-ecdhe ECDHE-RSA-AES128-GCM-SHA256
hsk_server s-rsa-cbc AES128-SHA256
