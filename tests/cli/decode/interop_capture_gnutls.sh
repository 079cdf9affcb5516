#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode CAPTURE on live loopback captures (dumpcap) of GnuTLS sessions — gnutls-cli
# against gnutls-serv --echo — compared value by value with tshark (the normal forms of
# interop_fixtures.sh, as interop_capture_tshark.sh does for OpenSSL), then decrypted with the
# key log gnutls-cli wrote (SSLKEYLOGFILE): both Finished verified and the application data
# equal, byte for byte, to the line sent and the echo that came back.
# Cases: ECDHE-RSA AES-128-GCM, DHE-RSA AES-256-GCM (FFDHE2048), ECDHE-ECDSA ChaCha20-Poly1305
# at TLS 1.2; RSA AES-128-CBC-SHA1 at TLS 1.1 (encrypt_then_mac, GnuTLS's default); TLS 1.3
# (ClientHello and ServerHello decoded, the rest encrypted).
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
need_tools
for tool in gnutls-serv gnutls-cli dumpcap; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs gnutls-bin, tshark)"
done

"$HSK" gen-cert --test-pki "$T/pki" --seed capture-gnutls >/dev/null 2>&1 || fail "gen-cert --test-pki failed"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT

# live_case LABEL MIN-MESSAGES CERT KEY PRIORITY: one gnutls-cli session to gnutls-serv --echo
# on a random port, captured; compared with tshark; decrypted with the client's key log.
live_case() {
  local label=$1 min=$2 cert=$3 key=$4 prio=$5
  local port sp cp line="hello from gnutls-cli: $label"
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    if ss -ltnH "sport = :$port" | grep -q .; then continue; fi
    timeout 30 dumpcap -q -i lo -f "tcp port $port" -w "$T/$label.pcapng" 2>"$T/dumpcap.err" &
    cp=$!; PIDS+=("$cp")
    for _ in $(seq 50); do grep -q "Capturing on" "$T/dumpcap.err" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    timeout 30 gnutls-serv --port "$port" --echo --x509certfile "$T/pki/$cert" --x509keyfile "$T/pki/$key" \
      --priority "$prio" >"$T/server.out" 2>&1 &
    sp=$!; PIDS+=("$sp")
    for _ in $(seq 50); do ss -ltnH "sport = :$port" | grep -q . && break; kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
    if ss -ltnH "sport = :$port" | grep -q .; then
      rm -f "$T/$label.keylog"
      { echo "$line"; sleep 1.5; } | SSLKEYLOGFILE="$T/$label.keylog" timeout 20 gnutls-cli --port "$port" \
        --x509cafile "$T/pki/ca.pem" --verify-hostname localhost --priority "$prio" 127.0.0.1 >"$T/client.out" 2>&1 || true
      sleep 1   # let dumpcap write the last packets
      kill "$sp" 2>/dev/null || true; wait "$sp" 2>/dev/null || true
      kill "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
      grep -qx "$line" "$T/client.out" || { cat "$T/client.out" "$T/server.out" >&2; fail "$label: no echo"; }
      compare_capture "$T/$label.pcapng" "$port" "gnutls $label" "$min"
      return
    fi
    kill "$sp" "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
  done
  fail "$label: gnutls-serv did not start"
}

# decrypted LABEL: hsk decode --keylog --app-data on the capture: one connection, decrypted,
# both Finished verified, the client's data is the line and a newline, the server's the echo.
decrypted() {
  local label=$1 cap=$T/$1.pcapng want
  grep -q '^CLIENT_RANDOM ' "$T/$label.keylog" || fail "$label: gnutls-cli wrote no CLIENT_RANDOM line"
  expect_exit 0 "$HSK" decode --json --app-data --keylog "$T/$label.keylog" "$cap"
  head -1 "$T/out" >"$T/$label.dec.json"
  [ "$(jq -r .decryption.status "$T/$label.dec.json")" = decrypted ] ||
    { jq .decryption "$T/$label.dec.json" >&2; fail "$label: not decrypted"; }
  [ "$(jq -r '[.decryption.client_finished, .decryption.server_finished] | join(",")' "$T/$label.dec.json")" = verified,verified ] ||
    { jq .decryption "$T/$label.dec.json" >&2; fail "$label: Finished not verified"; }
  want=$(printf '%s\n' "hello from gnutls-cli: $label" | xxd -p | tr -d '\n')
  for dir in client server; do
    [ "$(jq -r --arg d "$dir" '[.records[] | select(.direction == $d and .application_data) | .application_data.hex] | join("")' "$T/$label.dec.json")" = "$want" ] ||
      { jq -c '[.records[] | select(.application_data)]' "$T/$label.dec.json" >&2; fail "$label: $dir application data is not the line"; }
  done
  echo "$label: decrypted, both Finished verified, the line each way"
}

base='NONE:+COMP-NULL:+SIGN-ALL:+CURVE-ALL:+GROUP-ALL:+CTYPE-X509'
live_case ecdhe-rsa 6 server-rsa.pem server-rsa.key "$base:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD"
decrypted ecdhe-rsa
live_case dhe-rsa 6 server-rsa.pem server-rsa.key "$base:+VERS-TLS1.2:+DHE-RSA:+AES-256-GCM:+AEAD"
decrypted dhe-rsa
live_case ecdhe-ecdsa 6 server-ecdsa.pem server-ecdsa.key "$base:+VERS-TLS1.2:+ECDHE-ECDSA:+CHACHA20-POLY1305:+AEAD"
decrypted ecdhe-ecdsa
live_case rsa-tls11 5 server-rsa.pem server-rsa.key "$base:+VERS-TLS1.1:+RSA:+AES-128-CBC:+SHA1"
decrypted rsa-tls11
[ "$(jq -r .decryption.encrypt_then_mac "$T/rsa-tls11.dec.json")" = true ] || fail "rsa-tls11: GnuTLS negotiates encrypt_then_mac by default"
live_case tls13 2 server-rsa.pem server-rsa.key "NORMAL:-VERS-ALL:+VERS-TLS1.3"
[ "$(jq -c '[.messages[].type]' "$T/hsk.norm")" = '[1,2]' ] || fail "tls13: expected ClientHello and ServerHello only"
echo ok
