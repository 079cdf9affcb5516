#!/usr/bin/env bash
source "$TESTLIB"
# Session resumption by session id (RFC 5246 §7.3 Figure 2) against GnuTLS, both ways.
#
# 1. hsk's client steps against `gnutls-serv --echo --noticket` (its session-id cache): a full
#    handshake and an echoed line, then a second connection with client-hello --resume: hsk
#    derive-pms reads ServerHello, ChangeCipherSpec, Finished and answers; a line is echoed.
#    Asserted: the second ServerHello echoes the first session id, only ServerHello and Finished
#    came from the server, the state is resumed and complete with the first master secret, the
#    echo is our line (both directions decrypt).
# 2. `gnutls-cli --resume` (two connections, the second resuming) against hsk's server steps
#    behind `socat TCP-LISTEN,fork` (server-respond --session-cache DIR; derive-pms or finish;
#    app-data). Asserted: gnutls-cli prints "This is a resumed session"; hsk's second server
#    state is resumed and complete with the first session id; the line each way.
# Cases: ECDHE-RSA-AES128-GCM-SHA256 at TLS 1.2 (and RSA AES-128-CBC-SHA1 for the gnutls-cli
# direction).
for tool in gnutls-serv gnutls-cli socat jq ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
"$HSK" gen-cert --test-pki pki --seed resume-gnutls >/dev/null 2>&1 || fail "gen-cert --test-pki"

source "$(dirname "$TESTLIB")/live.sh"
stop_all() {
  stop_server
  socat_stop
}
trap 'stop_all; rm -rf "$T"' EXIT

step() {
  local name=$1 what=$2
  shift 2
  timeout 20 "$@" 2>>"$name.err" || { cat "$name.err" >&2; fail "$name: $what"; }
}

# ---- 1. hsk client, gnutls-serv.
gnutls_serv_start serv.out --echo --noticket --x509certfile pki/server-rsa.pem \
  --x509keyfile pki/server-rsa.key --priority 'NORMAL:-VERS-TLS1.3'

suite=ECDHE-RSA-AES128-GCM-SHA256
: >c.err
exec 3<>"/dev/tcp/127.0.0.1/$port"
step c client-hello "$HSK" client-hello --state c1.json --suites $suite >&3
step c derive-pms "$HSK" derive-pms --state c1.json --ca pki/ca.pem --server-name localhost <&3 >&3
step c finish "$HSK" finish -q --state c1.json <&3
echo "first line" | step c "app-data --send" "$HSK" app-data --send --state c1.json >&3
step c "app-data --recv" "$HSK" app-data --recv --state c1.json --records 1 <&3 >c1.reply
[ "$(cat c1.reply)" = "first line" ] || fail "gnutls-serv echoed '$(cat c1.reply)'"
step c "app-data --close" "$HSK" app-data --close --state c1.json >&3
exec 3>&-
sid1=$(jq -r .server_session_id c1.json)
[ ${#sid1} -gt 0 ] || fail "gnutls-serv gave no session id"

exec 3<>"/dev/tcp/127.0.0.1/$port"
step c "client-hello --resume" "$HSK" client-hello --state c2.json --resume c1.json >&3
step c "derive-pms (abbreviated)" "$HSK" derive-pms --state c2.json --ca pki/ca.pem --server-name localhost <&3 >&3
echo "second line" | step c "app-data --send (resumed)" "$HSK" app-data --send --state c2.json >&3
step c "app-data --recv (resumed)" "$HSK" app-data --recv --state c2.json --records 1 <&3 >c2.reply
[ "$(cat c2.reply)" = "second line" ] || fail "gnutls-serv echoed '$(cat c2.reply)' on the resumed connection"
step c "app-data --close (resumed)" "$HSK" app-data --close --state c2.json >&3
exec 3>&-
stop_all
[ "$(jq -r .server_session_id c2.json)" = "$sid1" ] || fail "the second ServerHello does not echo $sid1"
[ "$(jq -r '[.transcript[] | select(.from == "server") | .type] | join(",")' c2.json)" = server_hello,finished ] ||
  fail "server messages $(jq -c '[.transcript[] | select(.from == "server") | .type]' c2.json)"
[ "$(jq -r .values.resumed c2.json)" = true ] || fail "state not resumed"
[ "$(jq -r .values.handshake_complete c2.json)" = true ] || fail "handshake not complete"
[ "$(jq -r .secrets.master_secret c2.json)" = "$(jq -r .secrets.master_secret c1.json)" ] || fail "master secret differs"
echo "hsk client resumed against gnutls-serv (session $sid1)"

# ---- 2. gnutls-cli --resume, hsk server steps behind socat (fork: one script per connection).
cat >server.sh <<'EOF'
cd "$DIR"
n=1
while ! mkdir "$BASE.$n.lock" 2>/dev/null; do n=$((n + 1)); done
NAME=$BASE.$n
# The pause after the exit status is written keeps the connection's end open: socat that sees
# the script exit can drop what the last step wrote and socat has not forwarded yet (seen
# under load, ~1 in 4 runs). The status comes first: socat may end the script while it waits.
trap 'echo $? >"$NAME.srv.rc"; sleep 0.3' EXIT
set -e
"$HSK" server-respond --state "$NAME.s.json" --cert pki/server-rsa.pem --key pki/server-rsa.key \
  --session-cache "$DIR/cache.$BASE" 2>>"$NAME.srv.err"
if [ "$(jq -r '.values.resumed // "no"' "$NAME.s.json")" = true ]; then
  "$HSK" finish -q --state "$NAME.s.json" 2>>"$NAME.srv.err"
else
  "$HSK" derive-pms --state "$NAME.s.json" 2>>"$NAME.srv.err"
fi
# gnutls-cli --resume ends its first connection right after the handshake (close_notify).
if "$HSK" app-data --recv --state "$NAME.s.json" --records 1 >"$NAME.got" 2>>"$NAME.srv.err"; then
  echo "hello from hsk: $NAME" | "$HSK" app-data --send --close --state "$NAME.s.json" 2>>"$NAME.srv.err"
else
  grep -qx "alert: close_notify" "$NAME.srv.err"
fi
EOF

gnutls_client() {
  local base=$1 cprio=$2
  export BASE=$base
  socat_listen "$base" fork
  { sleep 1; echo "hello from gnutls-cli: $base"; sleep 2; } | timeout 30 gnutls-cli --resume --port "$port" \
    --x509cafile pki/ca.pem --verify-hostname localhost --priority "$cprio" 127.0.0.1 >"$base.cli.out" 2>&1 || true
  for _ in $(seq 100); do [ -e "$base.2.srv.rc" ] && break; sleep 0.1; done
  stop_all
  for n in 1 2; do
    [ "$(cat "$base.$n.srv.rc" 2>/dev/null)" = 0 ] || { cat "$base.$n.srv.err" "$base.cli.out" >&2; fail "$base: hsk server script $n failed"; }
  done
  expect_contains "$base.cli.out" "This is a resumed session"
  [ "$(jq -r '.values.resumed // "no"' "$base.1.s.json")" = no ] || fail "$base: the first connection resumed"
  [ "$(jq -r .values.resumed "$base.2.s.json")" = true ] || fail "$base: the second connection was not resumed"
  [ "$(jq -r .values.handshake_complete "$base.2.s.json")" = true ] || fail "$base: second handshake not complete"
  [ "$(jq -r .server_session_id "$base.2.s.json")" = "$(jq -r .server_session_id "$base.1.s.json")" ] ||
    fail "$base: another session id"
  grep -qx "hello from hsk: $base.2" "$base.cli.out" || { cat "$base.cli.out" >&2; fail "$base: gnutls-cli did not print our line"; }
  [ "$(cat "$base.2.got")" = "hello from gnutls-cli: $base" ] || fail "$base: hsk received '$(cat "$base.2.got")'"
  echo "$base: gnutls-cli resumed against hsk"
}
gnutls_client g-ecdhe 'NORMAL:-VERS-TLS1.3'
gnutls_client g-rsa-cbc 'NONE:+VERS-TLS1.2:+RSA:+AES-128-CBC:+SHA1:+SIGN-ALL:+COMP-NULL:+CURVE-ALL'
