#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode --keylog / --key CAPTURE: live loopback captures (dumpcap) of openssl
# s_client/s_server sessions that send one known message each way, decrypted by hsk with
# the client's -keylogfile (CLIENT_RANDOM), with a PMS_CLIENT_RANDOM line whose pre-master
# secret openssl pkeyutl decrypted from the ClientKeyExchange, or with the server's RSA key.
# Asserts per case: the decrypted application data is exactly what each side sent, both
# Finished are verified, the decryption facts (EMS, encrypt_then_mac, source), and hsk's
# decrypted data and Finished verify_data equal what tshark -o tls.keylog_file shows.
# Suites: ECDHE-RSA AES-128-GCM and ChaCha20-Poly1305 (TLS 1.2), AES-CBC-SHA at TLS 1.0,
# 1.1 and 1.2 (encrypt_then_mac on and off, extended master secret on and off), RSA key
# exchange with --key; then a wrong master secret, a wrong RSA key, TLS 1.3 and bad key logs.
for tool in jq openssl dumpcap tshark xxd; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
export WIRESHARK_CONFIG_DIR=$T/wireshark   # no personal profile
mkdir -p "$WIRESHARK_CONFIG_DIR"
: >"$T/openssl.cnf"
export OPENSSL_CONF=$T/openssl.cnf   # the machine's openssl.cnf must not change the cases
# OpenSSL has no switch to turn extended master secret off: a configuration does it.
cat >"$T/no-ems.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_module
[ssl_module]
system_default = no_ems
[no_ems]
Options = -ExtendedMasterSecret
EOF

"$HSK" gen-cert --test-pki "$T/pki" >/dev/null 2>&1 || fail "gen-cert --test-pki failed"
PIDS=()
cleanup() { local p; exec 7>&- 2>/dev/null || true; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT

CMSG=$'GET /keylog-test HTTP/1.0\r\nX-From: the client \xc3\xa9\t"quoted" \\ back\r\n\r\n'
SMSG=$'HTTP/1.0 200 OK from the server\nline two\n'

# capture LABEL CONF SERVER_ARGS -- CLIENT_ARGS: a loopback session into $T/LABEL.pcapng,
# the client's key log in $T/LABEL.keys, the port in $T/LABEL.port. CONF is an OpenSSL
# configuration file for both sides.
capture() {
  local label=$1 conf=$2; shift 2
  local server_args=() client_args=() port try sp cp
  while [ "$1" != -- ]; do server_args+=("$1"); shift; done; shift
  client_args=("$@")
  for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    rm -f "$T/hold"; mkfifo "$T/hold"; exec 7<>"$T/hold"
    timeout 30 dumpcap -q -i lo -f "tcp port $port" -w "$T/$label.pcapng" 2>"$T/dumpcap.err" &
    cp=$!; PIDS+=("$cp")
    for _ in $(seq 50); do grep -q "Capturing on" "$T/dumpcap.err" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    # s_server sends what it reads from its standard input: the FIFO we hold open (fd 7).
    printf '%s' "$SMSG" >&7
    OPENSSL_CONF=$conf timeout 20 openssl s_server -accept "127.0.0.1:$port" -naccept 1 \
      -cert "$T/pki/server-rsa.pem" -key "$T/pki/server-rsa.key" "${server_args[@]}" \
      >"$T/server.out" 2>&1 <"$T/hold" &
    sp=$!; PIDS+=("$sp")
    for _ in $(seq 50); do grep -q ACCEPT "$T/server.out" && break; sleep 0.1; done
    if grep -q ACCEPT "$T/server.out"; then
      rm -f "$T/$label.keys"
      (printf '%s' "$CMSG"; sleep 1.5) | OPENSSL_CONF=$conf timeout 20 openssl s_client \
        -connect "127.0.0.1:$port" -nocommands -keylogfile "$T/$label.keys" "${client_args[@]}" \
        >"$T/client.out" 2>&1 || true
      wait "$sp" 2>/dev/null || true
      sleep 1   # let dumpcap write the last packets
      kill "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
      exec 7>&-
      grep -q "X-From: the client" "$T/server.out" || { cat "$T/client.out" >&2; fail "$label: the client's data did not arrive"; }
      grep -q "from the server" "$T/client.out" || { cat "$T/client.out" >&2; fail "$label: the server's data did not arrive"; }
      echo "$port" >"$T/$label.port"
      return
    fi
    kill "$sp" "$cp" 2>/dev/null || true; wait "$cp" 2>/dev/null || true
    exec 7>&-
  done
  fail "$label: no free port for s_server"
}

# hsk_data FILE DIRECTION: the decrypted application data of one direction, hex.
hsk_data() {
  head -1 "$1" | jq -r --arg d "$2" '[.records[] | select(.direction == $d and .application_data)
    | .application_data.hex] | join("")'
}
# tshark_data LABEL KEYLOG SIDE: what tshark decrypts of one direction (src port = server
# port for the server), hex: the data.data fields, HTTP's heuristics off (the client's
# message looks like a request).
tshark_data() {
  local label=$1 keys=$2 side=$3 port
  port=$(cat "$T/$label.port")
  tshark -r "$T/$label.pcapng" -o "tls.keylog_file:$keys" -d "tcp.port==$port,tls" \
    --disable-protocol http -T fields -E occurrence=a -E aggregator=, -e tcp.srcport -e data.data 2>/dev/null |
    awk -F'\t' -v p="$port" -v s="$side" '(s == "server") == ($1 == p) && $2 != "" {gsub(",", "", $2); printf "%s", $2}'
}
# tshark_verify_data LABEL KEYLOG: the two Finished verify_data tshark decrypts, in capture
# order (tshark 4.0 does not fill the field: taken from its hex dump of the decrypted TLS
# data, "14 00 00 0c" then 12 bytes).
tshark_verify_data() {
  local label=$1 keys=$2 port
  port=$(cat "$T/$label.port")
  tshark -r "$T/$label.pcapng" -o "tls.keylog_file:$keys" -d "tcp.port==$port,tls" \
    -Y "tls.handshake.type == 20" -x 2>/dev/null |
    awk '/^Decrypted TLS/ {getline; if ($2 $3 $4 $5 == "1400000c") {v = ""; for (i = 6; i <= 17; i++) v = v $i; out = out (out == "" ? "" : " ") v}} END {print out}'
}

WANT_C=$(printf '%s' "$CMSG" | xxd -p | tr -d '\n')
WANT_S=$(printf '%s' "$SMSG" | xxd -p | tr -d '\n')

# check LABEL KEYARGS EMS ETM SOURCE [TSHARK_KEYLOG]: decrypt with hsk and compare.
check() {
  local label=$1 keyargs=$2 ems=$3 etm=$4 source=$5 tkeys=${6:-$T/$1.keys}
  # shellcheck disable=SC2086
  expect_exit 0 "$HSK" decode --json --app-data $keyargs "$T/$label.pcapng"
  cp "$T/out" "$T/$label.json"
  [ "$(jq -s '[.[] | select(.connection)] | length' "$T/out")" = 1 ] || fail "$label: one connection expected"
  local dec
  dec=$(head -1 "$T/out" | jq -c '.decryption | [.status, .master_secret_from, .extended_master_secret, .encrypt_then_mac, .client_finished, .server_finished]')
  [ "$dec" = "[\"decrypted\",\"$source\",$ems,$etm,\"verified\",\"verified\"]" ] || fail "$label: decryption $dec"
  [ "$(head -1 "$T/out" | jq -c '.errors')" = '[]' ] || fail "$label: errors $(head -1 "$T/out" | jq -c .errors)"
  [ "$(head -1 "$T/out" | jq -c '[.records[] | select(.encrypted and (.decrypted | not))] | length')" = 0 ] \
    || fail "$label: records left encrypted"
  [ "$(hsk_data "$T/out" client)" = "$WANT_C" ] || fail "$label: the client's data differs: $(hsk_data "$T/out" client)"
  [ "$(hsk_data "$T/out" server)" = "$WANT_S" ] || fail "$label: the server's data differs"
  head -1 "$T/out" | jq -e --arg s "$SMSG" '[.records[] | select(.direction == "server" and .application_data)
    | .application_data.text] | add == $s' >/dev/null || fail "$label: the server's data as text"
  # Both Finished: decrypted, verified; the close_notify alerts named.
  [ "$(head -1 "$T/out" | jq -c '[.records[] | .messages[]? | select(.msg_type.code == 20) | .body.verified]')" = '[true,true]' ] \
    || fail "$label: Finished not verified"
  head -1 "$T/out" | jq -e '[.records[] | select(.decrypted and .alert) | .alert.description.name] | index("close_notify") != null' >/dev/null \
    || fail "$label: no decrypted close_notify"
  # tshark with the same secrets.
  [ "$(tshark_data "$label" "$tkeys" client)" = "$WANT_C" ] || fail "$label: tshark decrypts other client data"
  [ "$(tshark_data "$label" "$tkeys" server)" = "$WANT_S" ] || fail "$label: tshark decrypts other server data"
  local hv tv
  hv=$(head -1 "$T/out" | jq -r '[.records[] | .messages[]? | select(.msg_type.code == 20) | .body.verify_data] | join(" ")')
  tv=$(tshark_verify_data "$label" "$tkeys")
  [ "$hv" = "$tv" ] || fail "$label: Finished verify_data: hsk '$hv', tshark '$tv'"
  echo "$label: both directions' data and both Finished ($hv) agree with what was sent and with tshark"
}

NOEMS=$T/no-ems.cnf
SL0='@SECLEVEL=0'
capture gcm12 "$T/openssl.cnf" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
check gcm12 "--keylog $T/gcm12.keys" true false keylog
capture chacha12 "$T/openssl.cnf" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -- -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
check chacha12 "--keylog $T/chacha12.keys" true false keylog
capture cbc10 "$T/openssl.cnf" -tls1 -cipher "ECDHE-RSA-AES128-SHA:$SL0" -- -tls1 -cipher "ECDHE-RSA-AES128-SHA:$SL0"
check cbc10 "--keylog $T/cbc10.keys" true true keylog
# TLS 1.0: OpenSSL splits each write into an empty record first (BEAST countermeasure).
[ "$(head -1 "$T/cbc10.json" | jq '[.records[] | select(.application_data and .plaintext_length == 0)] | length >= 2')" = true ] \
  || fail "cbc10: the empty application data records"
capture cbc11 "$T/openssl.cnf" -tls1_1 -no_etm -cipher "ECDHE-RSA-AES256-SHA:$SL0" -- -tls1_1 -cipher "ECDHE-RSA-AES256-SHA:$SL0"
check cbc11 "--keylog $T/cbc11.keys" true false keylog
capture cbc12-noems "$NOEMS" -tls1_2 -cipher ECDHE-RSA-AES128-SHA256 -- -tls1_2 -cipher ECDHE-RSA-AES128-SHA256
check cbc12-noems "--keylog $T/cbc12-noems.keys" false true keylog
capture cbc12-noetm "$T/openssl.cnf" -tls1_2 -cipher DHE-RSA-AES256-SHA -- -tls1_2 -no_etm -cipher DHE-RSA-AES256-SHA
check cbc12-noetm "--keylog $T/cbc12-noetm.keys" true false keylog

# RSA key exchange: --key alone; then a PMS_CLIENT_RANDOM line with the pre-master secret
# that openssl decrypts from the capture's ClientKeyExchange. With and without EMS.
for ems in true false; do
  label=rsa-ems-$ems
  conf=$T/openssl.cnf; [ "$ems" = true ] || conf=$NOEMS
  capture "$label" "$conf" -tls1_2 -cipher AES128-GCM-SHA256 -- -tls1_2 -cipher AES128-GCM-SHA256
  check "$label" "--key $T/pki/server-rsa.key" "$ems" false "RSA key"
  port=$(cat "$T/$label.port")
  epms=$(tshark -r "$T/$label.pcapng" -d "tcp.port==$port,tls" -T fields -e tls.handshake.epms 2>/dev/null | tr -d ':\n')
  cr=$(tshark -r "$T/$label.pcapng" -d "tcp.port==$port,tls" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.random 2>/dev/null | tr -d ':\n')
  [ "${#epms}" = 512 ] && [ "${#cr}" = 64 ] || fail "$label: tshark did not give the encrypted pre-master secret and client random"
  echo "$epms" | xxd -r -p >"$T/epms.bin"
  openssl pkeyutl -decrypt -inkey "$T/pki/server-rsa.key" -pkeyopt rsa_padding_mode:pkcs1 -in "$T/epms.bin" -out "$T/pms.bin" \
    || fail "$label: openssl pkeyutl could not decrypt the pre-master secret"
  printf '# from openssl pkeyutl\n\nCLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\nPMS_CLIENT_RANDOM %s %s\n' "$cr" "$(xxd -p -c 48 "$T/pms.bin")" \
    "$cr" "$(xxd -p -c 48 "$T/pms.bin")" >"$T/$label.pms"
  check "$label" "--keylog $T/$label.pms" "$ems" false "keylog pre-master secret" "$T/$label.pms"
done

# Text: the decrypted records, the preview and the decryption line.
expect_exit 0 "$HSK" decode --keylog "$T/gcm12.keys" "$T/gcm12.pcapng"
expect_contains "$T/out" '      decrypted: 16 bytes of plaintext'
expect_contains "$T/out" '      data: "GET /keylog-test HTTP/1.0\r\nX-From: the client \xc3\xa9..."'
expect_contains "$T/out" '      data: "HTTP/1.0 200 OK from the server\nline two\n"'
expect_contains "$T/out" '      message: finished (0x14), length 12'
expect_contains "$T/out" 'verified: true'
expect_contains "$T/out" '  decryption: decrypted (master secret from keylog; extended master secret; client Finished verified; server Finished verified)'
expect_contains "$T/out" ', 1 decrypted'
expect_exit 0 "$HSK" decode --json --keylog "$T/gcm12.keys" "$T/gcm12.pcapng"
[ "$(head -1 "$T/out" | jq -r '[.records[] | select(.application_data and .direction == "client" and .plaintext_length > 0)][0].application_data.preview')" = 'GET /keylog-test HTTP/1.0\r\nX-From: the client \xc3\xa9...' ] \
  || fail "gcm12: preview"
[ "$(tail -1 "$T/out" | jq -c '.summary | [.connections_decrypted, .connections_failing_checks]')" = '[1,0]' ] || fail "gcm12: summary"

# A wrong master secret: the first protected record of each direction fails its tag; exit 1.
awk '/^CLIENT_RANDOM/ {m = $3; $3 = (substr(m, 1, 1) == "0" ? "1" : "0") substr(m, 2)} {print}' "$T/gcm12.keys" >"$T/wrong.keys"
expect_exit 1 "$HSK" decode --json --keylog "$T/wrong.keys" "$T/gcm12.pcapng"
[ "$(head -1 "$T/out" | jq -r .decryption.status)" = failed ] || fail "wrong secret: status"
[ "$(head -1 "$T/out" | jq '.errors | length')" = 2 ] || fail "wrong secret: one error per direction"
head -1 "$T/out" | jq -r '.errors[]' | grep -q '^client: stream offset [0-9]*: record: bad record MAC (or padding) (alert bad_record_mac): decryption of this direction stops$' \
  || fail "wrong secret: error text $(head -1 "$T/out" | jq -c .errors)"
[ "$(tail -1 "$T/out" | jq -c '.summary | [.connections_with_errors, .connections_failing_checks]')" = '[0,1]' ] || fail "wrong secret: summary"
# A wrong RSA key: said, exit 1, records listed as encrypted.
expect_exit 1 "$HSK" decode --json --key "$T/pki/ca.key" "$T/rsa-ems-true.pcapng"
[ "$(head -1 "$T/out" | jq -c '[.decryption.status, .errors]')" = '["failed",["decryption: the RSA key does not decrypt the pre-master secret (not the server'"'"'s key?)"]]' ] \
  || fail "wrong RSA key: $(head -1 "$T/out" | jq -c '[.decryption, .errors]')"
# An ECDHE connection with only --key, and a key log without the connection: no secret, exit 0.
expect_exit 0 "$HSK" decode --json --key "$T/pki/server-rsa.key" "$T/gcm12.pcapng"
[ "$(head -1 "$T/out" | jq -r .decryption.status)" = "no secret" ] || fail "ECDHE with --key: status"
expect_exit 0 "$HSK" decode --json --keylog "$T/cbc10.keys" "$T/gcm12.pcapng"
head -1 "$T/out" | jq -r .decryption.detail | grep -q '^no key log line for client random [0-9a-f]\{64\}$' || fail "other keylog: detail"
# TLS 1.3 stays encrypted.
capture tls13 "$T/openssl.cnf" -tls1_3 -- -tls1_3
expect_exit 0 "$HSK" decode --json --keylog "$T/tls13.keys" "$T/tls13.pcapng"
[ "$(head -1 "$T/out" | jq -c '[.decryption.status, ([.records[] | select(.decrypted)] | length)]')" = '["unsupported",0]' ] || fail "tls13"
# Option errors.
printf 'CLIENT_RANDOM 0011 2233\n' >"$T/bad.keys"
expect_exit 2 "$HSK" decode --keylog "$T/bad.keys" "$T/gcm12.pcapng"
expect_contains "$T/err" "hsk: $T/bad.keys:1: CLIENT_RANDOM: client random is 4 hex digits, expected 64"
[ ! -s "$T/out" ] || fail "bad keylog: nothing on stdout"
printf '# c\n\nCLIENT_RANDOM %064d\n' 1 >"$T/bad.keys"
expect_exit 2 "$HSK" decode --keylog "$T/bad.keys" "$T/gcm12.pcapng"
expect_contains "$T/err" "bad.keys:3: CLIENT_RANDOM: expected 3 fields (label, client random, secret), found 2"
# A bad secret is named by position, its digits are not shown.
printf 'CLIENT_RANDOM %064d 5ec7e75ec7e7z%083d\n' 1 0 >"$T/bad.keys"
expect_exit 2 "$HSK" decode --keylog "$T/bad.keys" "$T/gcm12.pcapng"
expect_contains "$T/err" "bad.keys:1: CLIENT_RANDOM: master secret: character 13 of 96 is not a hex digit"
! grep -q 5ec7e7 "$T/err" || fail "bad keylog: the secret's digits are on stderr"
expect_exit 2 "$HSK" decode --key "$T/pki/server-ecdsa.key" "$T/gcm12.pcapng"
expect_contains "$T/err" "not an RSA private key"
expect_exit 2 "$HSK" decode --keylog "$T/gcm12.keys" "$TESTDATA/handshakes/tls12-rsa/1-client-hello.tls"
expect_exit 4 "$HSK" decode --keylog "$T/missing.keys" "$T/gcm12.pcapng"
echo "capture keylog: 8 live TLS 1.0-1.2 sessions decrypted as sent and as tshark does; TLS 1.3 left encrypted; failures as documented"
