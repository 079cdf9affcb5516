#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode --split on live loopback captures (dumpcap on lo) of openssl s_client talking to
# openssl s_server (the test PKI, TLS 1.2): RSA, ECDHE-RSA, DHE-RSA, RSA with client
# authentication (s_server -Verify 1), one capture holding two connections, and one whose
# second connection resumes the first session (abbreviated handshake). For each
# connection: the files per direction concatenate to the stream tshark follows; hsk
# verify-sig on them (with --ca) exits 0 with the ServerKeyExchange signature checked (ECDHE,
# DHE) and the CertificateVerify (client authentication); for RSA, hsk derive-pms replaying
# the server from the split files with the server key writes the CLIENT_RANDOM line that
# s_server wrote to its -keylogfile, byte for byte.
for tool in openssl dumpcap tshark jq xxd; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki --seed split-live >/dev/null 2>&1 || fail "gen-cert --test-pki failed"
mkfifo hold
exec 7<>hold
PIDS=()
cleanup() {
  local p
  exec 7>&-
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

# capture LABEL NCONN SERVER_ARGS... -- CLIENT_ARGS...: NCONN s_client sessions to one
# s_server, captured to LABEL.pcapng; s_server's key log in LABEL.keylog.
capture() {
  local label=$1 n=$2; shift 2
  local server_args=() client_args=() port sp cp i
  while [ "$1" != -- ]; do server_args+=("$1"); shift; done; shift
  client_args=("$@")
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    rm -f "$label.pcapng" "$label.keylog"
    timeout 60 dumpcap -q -i lo -f "tcp port $port" -w "$label.pcapng" 2>dumpcap.err &
    cp=$!; PIDS+=("$cp")
    for _ in $(seq 50); do grep -q "Capturing on" dumpcap.err 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    timeout 40 openssl s_server -accept "127.0.0.1:$port" -naccept "$n" -cert pki/server-rsa.pem \
      -key pki/server-rsa.key -keylogfile "$label.keylog" "${server_args[@]}" >server.out 2>&1 <hold &
    sp=$!; PIDS+=("$sp")
    for _ in $(seq 50); do grep -q ACCEPT server.out && break; sleep 0.1; done
    if grep -q ACCEPT server.out; then
      for i in $(seq "$n"); do
        # RESUME=1: the first session is saved and the later ones resume it.
        local sess=()
        if [ "${RESUME:-0}" = 1 ]; then
          if [ "$i" = 1 ]; then sess=(-sess_out sess.pem); else sess=(-sess_in sess.pem); fi
        fi
        (echo "hello $i"; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile pki/ca.pem \
          "${client_args[@]}" "${sess[@]}" >client.out 2>&1 || { cat client.out >&2; fail "$label: s_client failed"; }
      done
      wait "$sp" 2>/dev/null || true
      sleep 1 # let dumpcap write the last packets
      kill "$cp" 2>/dev/null || true
      wait "$cp" 2>/dev/null || true
      grep -q "hello $n" server.out || { cat server.out >&2; fail "$label: the session did not carry data"; }
      PORT=$port
      return
    fi
    kill "$sp" "$cp" 2>/dev/null || true
    wait "$cp" 2>/dev/null || true
  done
  fail "$label: no free port for s_server"
}

# stream_hex CAP STREAM client|server: a direction's bytes as tshark follows them, in hex.
stream_hex() {
  local lines
  lines=$(tshark -r "$1" -q -z "follow,tcp,raw,$2" 2>/dev/null | sed -n '/^Node 1:/,/^=====/p' | sed '1d;$d')
  if [ "$3" = client ]; then
    grep -v $'^\t' <<<"$lines" | tr -d '\n' || true
  else
    grep $'^\t' <<<"$lines" | tr -d '\t\n' || true
  fi
}
files_hex() {
  local d=$1 f; shift
  for f in "$@"; do [ -f "$d/$f" ] && cat "$d/$f"; done | xxd -p | tr -d '\n'
}

# check_streams LABEL SUB STREAM: no notes or errors; each direction's files, in order, are
# the stream tshark follows.
check_streams() {
  local label=$1 sub=$2 stream=$3 cap=$1.pcapng
  [ "$(jq -c '[.notes, .errors]' "$sub/connection.json")" = '[[],[]]' ] ||
    fail "$label: $(jq -c '[.notes, .errors]' "$sub/connection.json")"
  [ "$(files_hex "$sub" 1-client-hello.tls 3-client-flight.tls 5-client-data.tls)" = "$(stream_hex "$cap" "$stream" client)" ] ||
    fail "$label: the client's files are not the client's stream"
  [ "$(files_hex "$sub" 2-server-flight.tls 4-server-finished.tls 6-server-data.tls)" = "$(stream_hex "$cap" "$stream" server)" ] ||
    fail "$label: the server's files are not the server's stream"
}

# check_connection LABEL SUB STREAM CHECKS: check_streams; the suite is
# tshark's; verify-sig --ca passes with exactly CHECKS (sorted, comma-separated).
check_connection() {
  local label=$1 sub=$2 stream=$3 want_checks=$4 cap=$1.pcapng
  local j=$sub/connection.json
  [ "$(jq -r .handshake "$j")" = full ] || fail "$label: handshake $(jq -r .handshake "$j")"
  check_streams "$label" "$sub" "$stream"
  local tsuite
  tsuite=$(tshark -r "$cap" -d "tcp.port==$PORT,tls" -Y "tcp.stream == $stream && tls.handshake.type == 2" \
    -T fields -e tls.handshake.ciphersuite 2>/dev/null | head -1)
  [ "$(jq .cipher_suite.code "$j")" = "$((tsuite))" ] || fail "$label: suite $(jq -c .cipher_suite "$j"), tshark $tsuite"
  (cd "$sub" && "$HSK" verify-sig --json --ca "$T/pki/ca.pem" 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls) \
    >verify.json 2>verify.err || { cat verify.err >&2; fail "$label: verify-sig failed"; }
  [ "$(jq -r '[.checks[] | select(.valid) | .check] | sort | join(",")' verify.json)" = "$want_checks" ] ||
    fail "$label: verify-sig checks $(jq -c '[.checks[] | [.check, .valid]]' verify.json), expected $want_checks"
  [ "$(jq .valid verify.json)" = true ] || fail "$label: verify-sig not valid"
  # The verify-sig command of connection.json runs as given.
  local cmd
  cmd=$(jq -r '.commands[] | select(startswith("hsk verify-sig "))' "$j")
  (cd "$sub" && ${cmd/hsk/$HSK} >/dev/null 2>&1) || fail "$label: '$cmd' failed"
}

# replay LABEL SUB: derive-pms replays the server from the split files; its key log line is
# the one s_server wrote for this connection's client random.
# With client authentication the client's chain is checked against the test CA.
replay() {
  local label=$1 sub=$2 cr got want ca=()
  [ "$(jq .client_auth_requested "$sub/connection.json")" = true ] && ca=(--client-ca pki/ca.pem)
  expect_exit 0 "$HSK" derive-pms --role server --hello "$sub/1-client-hello.tls" \
    --server-flight "$sub/2-server-flight.tls" --key pki/server-rsa.key --keylog "$label.hsk.keylog" \
    "${ca[@]}" --in "$sub/3-client-flight.tls"
  got=$(cat "$label.hsk.keylog")
  cr=$(cut -d' ' -f2 <<<"$got")
  want=$(grep -i "^CLIENT_RANDOM $cr " "$label.keylog" || true)
  [ -n "$want" ] && [ "${got,,}" = "${want,,}" ] || fail "$label: key log differs:
  openssl: $(grep CLIENT_RANDOM "$label.keylog")
  hsk:     $got"
  # The derive-pms command connection.json offers, with the key filled in, does the same.
  local cmd
  cmd=$(jq -r '.commands[] | select(startswith("hsk derive-pms "))' "$sub/connection.json")
  cmd=${cmd/SERVER_KEY/$T/pki/server-rsa.key}
  cmd=${cmd/CLIENT_CA/$T/pki/ca.pem}
  (cd "$sub" && ${cmd/hsk/$HSK} >"$T/replay.out" 2>&1) || { cat "$T/replay.out" >&2; fail "$label: '$cmd' failed"; }
  [ "$(sed -n 's/^master_secret: *//p' "$T/replay.out" | tr A-F a-f)" = "$(cut -d' ' -f3 <<<"${want,,}")" ] ||
    fail "$label: the offered derive-pms command gives another master secret"
}

split_one() {
  local label=$1
  expect_exit 0 "$HSK" decode --split "$label.split" "$label.pcapng"
  SUBS=("$label.split"/*/)
  SUBS=("${SUBS[@]%/}")
}

capture rsa 1 -cipher AES128-GCM-SHA256 -- -tls1_2 -cipher AES128-GCM-SHA256
split_one rsa
[ ${#SUBS[@]} = 1 ] || fail "rsa: ${#SUBS[@]} subdirectories"
check_connection rsa "${SUBS[0]}" 0 server_chain
replay rsa "${SUBS[0]}"

capture ecdhe 1 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
split_one ecdhe
check_connection ecdhe "${SUBS[0]}" 0 server_chain,server_key_exchange
[ "$(jq '[.commands[] | select(startswith("hsk derive-pms"))] | length' "${SUBS[0]}/connection.json")" = 0 ] ||
  fail "ecdhe: derive-pms offered for an ephemeral key exchange"

capture dhe 1 -cipher DHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
split_one dhe
check_connection dhe "${SUBS[0]}" 0 server_chain,server_key_exchange

capture auth 1 -cipher AES128-GCM-SHA256 -Verify 1 -CAfile pki/ca.pem -- -tls1_2 -cipher AES128-GCM-SHA256 \
  -cert pki/client.pem -key pki/client.key
split_one auth
[ "$(jq .client_auth_requested "${SUBS[0]}/connection.json")" = true ] || fail "auth: client_auth_requested"
check_connection auth "${SUBS[0]}" 0 certificate_verify,client_chain,server_chain
replay auth "${SUBS[0]}"

# Two connections in one capture: two subdirectories, numbered 001 and 002, the client ports
# tshark's streams 0 and 1 have.
capture two 2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
split_one two
[ ${#SUBS[@]} = 2 ] || fail "two: ${#SUBS[@]} subdirectories, expected 2"
expect_lines "$T/out" 3
for s in 0 1; do
  cport=$(tshark -r two.pcapng -Y "tcp.stream == $s && tcp.flags.syn == 1 && tcp.flags.ack == 0" -T fields -e tcp.srcport 2>/dev/null | head -1)
  sub=two.split/00$((s + 1))-127.0.0.1.$cport-127.0.0.1.$PORT
  [ -d "$sub" ] || fail "two: no $sub (have ${SUBS[*]})"
  check_connection two "$sub" "$s" server_chain,server_key_exchange
done

# Session resumption: the second connection is an abbreviated handshake (RFC 5246 §7.3):
# 2-server-flight.tls runs through the server's Finished, 3-client-flight.tls is the client's
# ChangeCipherSpec and Finished, there is no 4-server-finished.tls.
RESUME=1 capture resume 2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
grep -q '^Reused' client.out || { cat client.out >&2; fail "resume: s_client did not resume"; }
split_one resume
[ ${#SUBS[@]} = 2 ] || fail "resume: ${#SUBS[@]} subdirectories, expected 2"
check_connection resume "${SUBS[0]}" 0 server_chain,server_key_exchange
j=${SUBS[1]}/connection.json
[ "$(jq -r .handshake "$j")" = abbreviated ] || fail "resume: handshake $(jq -r .handshake "$j")"
[ "$(jq -c '[.files[].name]' "$j")" = '["1-client-hello.tls","2-server-flight.tls","3-client-flight.tls","5-client-data.tls","6-server-data.tls"]' ] ||
  fail "resume: files $(jq -c '[.files[].name]' "$j")"
check_streams resume "${SUBS[1]}" 1
# types FILE: the content types of its records, walked with xxd.
types() {
  local f=$1 size off=0 hdr out=""
  size=$(stat -c %s "$f")
  while [ "$off" -lt "$size" ]; do
    hdr=$(xxd -p -s "$off" -l 5 "$f")
    out+="$((16#${hdr:0:2})) "
    off=$((off + 5 + 16#${hdr:6:4}))
  done
  echo "$out"
}
# The resumed server flight: handshake records (ServerHello, NewSessionTicket), then
# ChangeCipherSpec and the encrypted Finished; the client's: ChangeCipherSpec, Finished.
[[ "$(types "${SUBS[1]}/2-server-flight.tls")" =~ ^(22 )+20\ 22\ $ ]] ||
  fail "resume: 2-server-flight.tls records $(types "${SUBS[1]}/2-server-flight.tls")"
[ "$(types "${SUBS[1]}/3-client-flight.tls")" = "20 22 " ] ||
  fail "resume: 3-client-flight.tls records $(types "${SUBS[1]}/3-client-flight.tls")"
[ "$(types "${SUBS[1]}/5-client-data.tls" | cut -c1-2)" = 23 ] || fail "resume: 5-client-data.tls"
