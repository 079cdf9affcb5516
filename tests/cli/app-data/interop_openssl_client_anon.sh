#!/usr/bin/env bash
source "$TESTLIB"
# `openssl s_client` with anonymous Diffie-Hellman (DH_anon: no certificate, an unsigned
# ServerKeyExchange; RFC 5246 §7.4.3, the ADH suites need @SECLEVEL=0 in OpenSSL) against
# hsk's server steps behind
#   socat TCP-LISTEN:PORT,bind=127.0.0.1,reuseaddr EXEC:"bash server.sh"
# where server.sh runs, on the connection: hsk server-respond (no --cert: only anonymous
# suites are eligible); hsk derive-pms (server: reads the client flight through its Finished,
# writes CCS + Finished); hsk app-data --recv --records 1; echo LINE | hsk app-data --send
# --close; hsk app-data --recv (the client's close_notify).
# Asserted per case: every hsk step exited 0; s_client prints the protocol and the ADH suite
# asked for, "no peer certificate available" (none was sent) and the line hsk sent; hsk
# received s_client's line and its close_notify; s_client's key log line (-keylogfile) equals
# hsk's (--keylog), i.e. both derived the same master secret; the hsk server state records
# the suite, ffdhe2048 (the first RFC 7919 group OpenSSL's client lists), extended master
# secret on, handshake_complete and no client certificate request; the handshake messages
# s_client -msg says it received are exactly ServerHello, ServerKeyExchange, ServerHelloDone,
# Finished (no Certificate, no CertificateRequest).
# Cases: ADH-AES128-GCM-SHA256 and ADH-AES256-SHA256 at TLS 1.2, ADH-AES128-SHA at TLS 1.0.
for tool in openssl socat jq ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf

cat >server.sh <<'EOF2'
# Run by socat with the TCP connection on standard input and output.
cd "$DIR"
# The pause after the exit status is written keeps the connection's end open: socat that sees
# the script exit can drop what the last step wrote and socat has not forwarded yet (seen
# under load, ~1 in 4 runs). The status comes first: socat may end the script while it waits.
trap 'echo $? >"$NAME.srv.rc"; sleep 0.3' EXIT
set -e
"$HSK" server-respond --state "$NAME.s.json" 2>>"$NAME.srv.err"
"$HSK" derive-pms --state "$NAME.s.json" --keylog "$NAME.mine" 2>>"$NAME.srv.err"
"$HSK" app-data --recv --state "$NAME.s.json" --records 1 >"$NAME.got" 2>>"$NAME.srv.err"
echo "hello from hsk: $NAME" | "$HSK" app-data --send --close --state "$NAME.s.json" 2>>"$NAME.srv.err"
"$HSK" app-data --recv --state "$NAME.s.json" >"$NAME.rest" 2>>"$NAME.srv.err"
EOF2

source "$(dirname "$TESTLIB")/live.sh"
trap 'socat_stop; rm -rf "$T"' EXIT

cases=0
# run NAME "S_CLIENT ARGS" PROTOCOL CIPHER IANA-SUITE
run() {
  local name=$1 proto=$3 cipher=$4 iana=$5
  socat_listen "$name"
  # shellcheck disable=SC2086
  echo "hello from s_client: $name" | timeout 20 openssl s_client -connect "127.0.0.1:$port" \
    -ign_eof -msg -keylogfile "$name.keylog" $2 >"$name.cli.out" 2>&1 ||
    { cat "$name.cli.out" "$name.srv.err" >&2; fail "$name: s_client failed"; }
  for _ in $(seq 100); do [ -e "$name.srv.rc" ] && break; sleep 0.1; done
  socat_stop
  [ "$(cat "$name.srv.rc" 2>/dev/null)" = 0 ] || { cat "$name.srv.err" "$name.cli.out" >&2; fail "$name: the hsk server script failed"; }
  expect_contains "$name.cli.out" "no peer certificate available"
  expect_contains "$name.cli.out" "Protocol  : $proto"
  expect_contains "$name.cli.out" "Cipher    : $cipher"
  grep -qx "hello from hsk: $name" "$name.cli.out" || { cat "$name.cli.out" >&2; fail "$name: s_client did not print our line"; }
  [ "$(cat "$name.got")" = "hello from s_client: $name" ] || fail "$name: hsk received '$(cat "$name.got")'"
  grep -q "^alert: close_notify$" "$name.srv.err" || { cat "$name.srv.err" >&2; fail "$name: no close_notify from s_client"; }
  local theirs
  theirs=$(grep '^CLIENT_RANDOM ' "$name.keylog")
  [ -n "$theirs" ] || fail "$name: s_client wrote no key log line"
  [ "$theirs" = "$(cat "$name.mine")" ] || fail "$name: key logs differ: openssl '$theirs', hsk '$(cat "$name.mine")'"
  local s=$name.s.json
  [ "$(jq -r '.cipher_suite' "$s")" = "$iana" ] || fail "$name: state cipher_suite $(jq -r '.cipher_suite' "$s"), expected $iana"
  [ "$(jq -r '.values.kex_group' "$s")" = ffdhe2048 ] || fail "$name: kex_group $(jq -r '.values.kex_group' "$s")"
  [ "$(jq -r '.values.handshake_complete' "$s")" = true ] || fail "$name: handshake_complete"
  [ "$(jq -r '.values.extended_master_secret' "$s")" = true ] || fail "$name: extended_master_secret"
  [ "$(jq -r '.values.client_auth_requested // "absent"' "$s")" = absent ] || fail "$name: a certificate was requested"
  # What s_client -msg says it received before the server's Finished: no Certificate.
  local got
  got=$(sed -n 's/^<<< .* Handshake \[length [0-9a-f]*\], \(.*\)$/\1/p' "$name.cli.out" | tr '\n' ' ')
  [ "$got" = "ServerHello ServerKeyExchange ServerHelloDone Finished " ] ||
    fail "$name: s_client received the handshake messages '$got'"
  cases=$((cases + 1))
}

run adh-gcm "-cipher ADH-AES128-GCM-SHA256:@SECLEVEL=0" TLSv1.2 ADH-AES128-GCM-SHA256 0x00a6
run adh-cbc-sha256 "-cipher ADH-AES256-SHA256:@SECLEVEL=0" TLSv1.2 ADH-AES256-SHA256 0x006d
run adh-tls10 "-tls1 -cipher ADH-AES128-SHA:@SECLEVEL=0" TLSv1 ADH-AES128-SHA 0x0034
echo "$cases s_client connections"
