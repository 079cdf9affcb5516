#!/usr/bin/env bash
source "$TESTLIB"
# hsk client-hello against `openssl s_server` on loopback: our ClientHello goes over bash's
# /dev/tcp, the server's first flight comes back (read record by record up to ServerHelloDone,
# nothing more), and `hsk decode --json` must show the server chose the one suite we offered at
# the version we asked, with no alert: ECDHE_RSA, DHE_RSA and RSA at TLS 1.2, ECDHE_RSA and
# DHE_RSA at TLS 1.0 (@SECLEVEL=0), the group we asked for. s_server's -msg trace must show our
# ClientHello at its exact length. Last, --resume: a session set up by `openssl s_client`
# (-sess_out) and offered by hsk is resumed by the server (same session id back, then
# ChangeCipherSpec: the abbreviated handshake).
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
source "$(dirname "${BASH_SOURCE[0]}")/flight_reader.sh"
cd "$T"

# The machine's openssl.cnf (a distribution's MinProtocol or CipherString) must not matter.
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -subj /CN=hsk.test -days 2 -out cert.pem 2>/dev/null ||
  fail "openssl: test certificate"

pid=""
stop_server() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  pid=""
}
trap 'stop_server; rm -rf "$T"' EXIT

# Port 0: the kernel picks a free port and s_server prints it. stdin is a FIFO we hold open,
# so s_server does not see end of input.
mkfifo server.in
openssl s_server -accept 127.0.0.1:0 -cert cert.pem -key key.pem -cipher 'ALL:@SECLEVEL=0' -no_ticket -msg \
  <server.in >>server.out 2>&1 &
pid=$!
exec 7>server.in
for _ in $(seq 100); do grep -q '^ACCEPT' server.out && break; sleep 0.1; done
port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' server.out)
[ -n "$port" ] || { cat server.out >&2; fail "s_server did not start"; }

# offer NAME WANT_VERSION WANT_SUITE ARGS...: one connection; checks the ServerHello.
offer() {
  local name=$1 want_version=$2 want_suite=$3
  shift 3
  : >server.out
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  "$HSK" client-hello --state "$name.json" "$@" >&3 || fail "$name: client-hello failed"
  read_server_flight 3 "$name.reply.tls"
  exec 3>&-
  "$HSK" decode --json "$name.reply.tls" >"$name.reply.json" || fail "$name: hsk decode of the reply failed"
  local alerts
  alerts=$(jq '[.inputs[0].records[] | select(.content_type.name == "alert")] | length' "$name.reply.json")
  [ "$alerts" = 0 ] || fail "$name: the server answered with an alert: $(jq -c '.inputs[0].records[].alert' "$name.reply.json")"
  local sh='.inputs[0].records[0].messages[0]'
  [ "$(jq -r "$sh.msg_type.name" "$name.reply.json")" = server_hello ] || fail "$name: no ServerHello first"
  [ "$(jq -r "$sh.body.server_version.code" "$name.reply.json")" = "$want_version" ] ||
    fail "$name: server_version $(jq -r "$sh.body.server_version.name" "$name.reply.json"), wanted $want_version"
  [ "$(jq -r "$sh.body.cipher_suite.code" "$name.reply.json")" = "$want_suite" ] ||
    fail "$name: cipher_suite $(jq -r "$sh.body.cipher_suite.name" "$name.reply.json"), wanted $want_suite"
  [ "$(jq -r '[.inputs[0].records[].messages[]?.msg_type.name] | last' "$name.reply.json")" = server_hello_done ] ||
    fail "$name: the flight does not end in ServerHelloDone"
  # s_server's trace saw our ClientHello whole: "<<< ..., Handshake [length NNNN], ClientHello".
  local len
  len=$(printf '%04x' $(($(jq -r '.transcript[0].hex | length' "$name.json") / 2)))
  for _ in $(seq 50); do grep -q ', ClientHello' server.out && break; sleep 0.1; done
  grep -q "Handshake \[length $len\], ClientHello" server.out ||
    { cat server.out >&2; fail "$name: s_server did not trace a ClientHello of length 0x$len"; }
}

ske() { jq -r ".inputs[0].records[].messages[]? | select(.msg_type.name == \"server_key_exchange\") | .body.params.$2" "$1.reply.json"; }

offer ecdhe12 771 49199 --suites ECDHE-RSA-AES128-GCM-SHA256
[ "$(ske ecdhe12 named_curve.name)" = x25519 ] || fail "ecdhe12: group $(ske ecdhe12 named_curve.name), wanted x25519 (our first)"
offer ecdhe12-p384 771 49200 --suites TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 --groups secp384r1
[ "$(ske ecdhe12-p384 named_curve.name)" = secp384r1 ] || fail "ecdhe12-p384: group"
offer dhe12 771 158 --suites DHE-RSA-AES128-GCM-SHA256
[ -n "$(ske dhe12 dh_p)" ] || fail "dhe12: no DH parameters"
offer rsa12 771 156 --suites AES128-GCM-SHA256
offer ecdhe10 769 49171 --version tls1.0 --suites ECDHE-RSA-AES128-SHA
offer dhe10 769 51 --version tls1.0 --suites dhe-rsa
offer family12 771 49199 --suites ecdhe-rsa,dhe-rsa,rsa
offer default12 771 49199

# Resumption: s_client sets up a session (no ticket: a session id), hsk offers it again.
echo | openssl s_client -connect "127.0.0.1:$port" -tls1_2 -no_ticket -cipher ECDHE-RSA-AES128-GCM-SHA256 \
  -sess_out sess.pem >client.out 2>&1 || { cat client.out >&2; fail "s_client failed"; }
sid=$(openssl sess_id -in sess.pem -noout -text | sed -n 's/^ *Session-ID: *//p' | tr 'A-F' 'a-f')
mk=$(openssl sess_id -in sess.pem -noout -text | sed -n 's/^ *Master-Key: *//p' | tr 'A-F' 'a-f')
[ ${#sid} = 64 ] && [ ${#mk} = 96 ] || fail "no session id / master key from s_client ($sid / $mk)"
# An earlier client state as the later steps would leave it: our hello, the server's
# ServerHello (TLS 1.2, the session id, 0xc02f, extended_master_secret) and the master secret.
expect_exit 0 "$HSK" client-hello --state earlier.json --suites ECDHE-RSA-AES128-GCM-SHA256
sh="0303$(printf '00%.0s' $(seq 32))20${sid}c02f00000400170000"
jq --arg sh "02$(printf '%06x' $((${#sh} / 2)))$sh" --arg mk "$mk" \
  '.transcript += [{"from": "server", "type": "server_hello", "hex": $sh}] | .secrets.master_secret = $mk | .values.handshake_complete = "true"' \
  earlier.json >earlier2.json
exec 3<>"/dev/tcp/127.0.0.1/$port"
"$HSK" client-hello --state resumed.json --resume earlier2.json >&3 || fail "client-hello --resume failed"
# The abbreviated handshake: ServerHello (its own record), then ChangeCipherSpec.
hdr=$(timeout 10 head -c 5 <&3 | xxd -p)
[ "${hdr:0:2}" = 16 ] || fail "resume: no handshake record back ($hdr)"
head -c $((16#${hdr:6:4})) <&3 >resume.frag
nxt=$(timeout 10 head -c 1 <&3 | xxd -p)
exec 3>&-
{ xxd -r -p <<<"$hdr"; cat resume.frag; } >resume.reply.tls
got=$("$HSK" decode --json resume.reply.tls | jq -r '.inputs[0].records[0].messages[0].body.session_id')
[ "$got" = "$sid" ] || fail "resume: the server did not resume (session id $got, offered $sid)"
[ "$nxt" = 14 ] || fail "resume: ServerHello not followed by ChangeCipherSpec (record type $nxt)"
[ "$(jq -r .resume.master_secret resumed.json)" = "$mk" ] || fail "resume: master secret not carried into the new state"

stop_server
