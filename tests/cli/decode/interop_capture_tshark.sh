#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode CAPTURE against tshark on the same capture, value by value: record headers
# (every record, encrypted ones included) and every plaintext handshake message (versions,
# randoms, session IDs, suites, extensions, certificates, DH p/g/Ys, EC points, signatures,
# ClientKeyExchange values, tickets), reduced to one normal form by the jq programs of
# interop_fixtures.sh. First the recorded testdata/handshakes/*/capture.pcapng, then a live
# loopback capture (dumpcap) of openssl s_client/s_server: ECDHE-RSA TLS 1.2, DHE-RSA TLS 1.0,
# TLS 1.3 (ClientHello and ServerHello decoded, the rest encrypted, by both) and a resumed
# TLS 1.2 session (abbreviated handshake).
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
need_tools
for tool in openssl dumpcap; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done

for d in "$TESTDATA"/handshakes/*/; do
  cap=$d/capture.pcapng
  compare_capture "$cap" "$(server_port "$cap")" "$(basename "$d")" 5
done

# ---- live: dumpcap on lo around openssl sessions
"$HSK" gen-cert --test-pki "$T/pki" >/dev/null 2>&1 || fail "gen-cert --test-pki failed"
mkfifo "$T/hold"
exec 7<>"$T/hold"
PIDS=()
cleanup() { local p; exec 7>&-; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT

live_case() {
  local label=$1 min=$2; shift 2
  local server_args=() client_args=() port try sp cp
  while [ "$1" != -- ]; do server_args+=("$1"); shift; done; shift
  client_args=("$@")
  for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    timeout 30 dumpcap -q -i lo -f "tcp port $port" -w "$T/$label.pcapng" 2>"$T/dumpcap.err" &
    cp=$!; PIDS+=("$cp")
    for _ in $(seq 50); do grep -q "Capturing on" "$T/dumpcap.err" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    # s_server quits at the end of its standard input: a FIFO we hold open (fd 7) never ends.
    timeout 20 openssl s_server -accept "127.0.0.1:$port" -naccept 1 -cert "$T/pki/server-rsa.pem" \
      -key "$T/pki/server-rsa.key" "${server_args[@]}" >"$T/server.out" 2>&1 <"$T/hold" &
    sp=$!; PIDS+=("$sp")
    for _ in $(seq 50); do grep -q ACCEPT "$T/server.out" && break; sleep 0.1; done
    if grep -q ACCEPT "$T/server.out"; then
      (echo hello; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/pki/ca.pem" \
        "${client_args[@]}" >"$T/client.out" 2>&1 || true
      wait "$sp" 2>/dev/null || true
      sleep 1   # let dumpcap write the last packets
      kill "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
      grep -q "hello" "$T/server.out" || { cat "$T/client.out" >&2; fail "$label: the session did not carry data"; }
      compare_capture "$T/$label.pcapng" "$port" "live $label" "$min"
      return
    fi
    kill "$sp" "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
  done
  fail "$label: no free port for s_server"
}

live_case ecdhe-rsa-tls12 6 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
live_case dhe-rsa-tls10 6 -cipher 'DHE-RSA-AES128-SHA:@SECLEVEL=0' -- -tls1 -cipher 'DHE-RSA-AES128-SHA:@SECLEVEL=0'
live_case tls13 2 -tls1_3 -- -tls1_3
# TLS 1.3: only ClientHello and ServerHello are plaintext, the rest is encrypted.
[ "$(jq -c '[.messages[].type]' "$T/hsk.norm")" = '[1,2]' ] || fail "tls13: expected ClientHello and ServerHello only"
[ "$(head -1 "$T/out" | jq '[.records[] | select(.content_type.code == 23 and .encrypted)] | length >= 4')" = true ] \
  || fail "tls13: encrypted records"

# Resumption (RFC 5246 §7.3): a first session saves its state (-sess_out), then a second
# connection, the only one captured, resumes it by session id (-sess_in; -no_ticket on the
# server): ClientHello, ServerHello with the same id, then ChangeCipherSpec and the encrypted
# Finished both ways.
resume_case() {
  local port try sp cp
  for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    timeout 40 openssl s_server -accept "127.0.0.1:$port" -naccept 2 -no_ticket \
      -cert "$T/pki/server-rsa.pem" -key "$T/pki/server-rsa.key" \
      -cipher ECDHE-RSA-AES128-GCM-SHA256 >"$T/server.out" 2>&1 <"$T/hold" &
    sp=$!; PIDS+=("$sp")
    for _ in $(seq 50); do grep -q ACCEPT "$T/server.out" && break; sleep 0.1; done
    if ! grep -q ACCEPT "$T/server.out"; then
      kill "$sp" 2>/dev/null || true
      continue
    fi
    (echo first; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/pki/ca.pem" \
      -tls1_2 -sess_out "$T/session.pem" >"$T/client1.out" 2>&1 || true
    [ -s "$T/session.pem" ] || { cat "$T/client1.out" >&2; fail "resume: the first session was not saved"; }
    timeout 30 dumpcap -q -i lo -f "tcp port $port" -w "$T/resume.pcapng" 2>"$T/dumpcap.err" &
    cp=$!; PIDS+=("$cp")
    for _ in $(seq 50); do grep -q "Capturing on" "$T/dumpcap.err" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    (echo second; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/pki/ca.pem" \
      -tls1_2 -sess_in "$T/session.pem" >"$T/client2.out" 2>&1 || true
    wait "$sp" 2>/dev/null || true
    sleep 1
    kill "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
    grep -q '^Reused, TLSv1.2' "$T/client2.out" || { cat "$T/client2.out" >&2; fail "resume: s_client did not resume"; }
    compare_capture "$T/resume.pcapng" "$port" "live resume" 2
    # No Certificate, no key exchange: the Finished messages follow the ChangeCipherSpecs,
    # encrypted.
    [ "$(jq -c '[.messages[].type]' "$T/hsk.norm")" = '[1,2]' ] \
      || fail "resume: plaintext messages $(jq -c '[.messages[].type]' "$T/hsk.norm"), expected [1,2]"
    local line ch_id sh_id
    line=$(head -1 "$T/out")
    [ "$(echo "$line" | jq '[.records[] | select(.content_type.code == 20)] | length')" = 2 ] \
      || fail "resume: expected a ChangeCipherSpec from each side"
    ch_id=$(echo "$line" | jq -r '[.records[].messages[]? | select(.msg_type.code == 1)][0].body.session_id')
    sh_id=$(echo "$line" | jq -r '[.records[].messages[]? | select(.msg_type.code == 2)][0].body.session_id')
    [ ${#ch_id} = 64 ] && [ "$ch_id" = "$sh_id" ] || fail "resume: session ids $ch_id / $sh_id"
    return
  done
  fail "resume: no free port for s_server"
}
resume_case
