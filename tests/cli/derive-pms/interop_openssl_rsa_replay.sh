#!/usr/bin/env bash
source "$TESTLIB"
# The server role of hsk derive-pms against OpenSSL: `openssl s_client` connects to
# `openssl s_server` (RSA key exchange, the test PKI's server-rsa key) through a recording
# relay (socat + tee); the captures are cut into step files at record boundaries; then
#   hsk derive-pms --role server --hello 1.tls --server-flight 2.tls --key server-rsa.key < 3.tls
# must reproduce the master secret s_server wrote to its -keylogfile (the CLIENT_RANDOM line,
# byte for byte through --keylog, and the master_secret of --show-secrets), for TLS 1.2
# AES128-GCM-SHA256 and AES128-SHA256 and TLS 1.0 AES128-SHA, with extended master secret (the
# default) and without it (s_client config `Options = -ExtendedMasterSecret`). A ciphertext
# with one flipped byte still exits 0 (RFC 5246 §7.4.7.1: no error path) with another master
# secret.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
command -v socat >/dev/null || fail "socat is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
cd "$T"

# The machine's openssl.cnf must not matter; the no-EMS client gets its own.
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
cat >noems.cnf <<'EOF'
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
EOF

"$HSK" gen-cert --test-pki pki --seed interop-rsa-replay >/dev/null 2>&1 || fail "gen-cert --test-pki"

# The relay's inside (socat's address syntax would split a command line on its colons).
echo 'tee "$1/c2s.bin" | socat - "TCP:127.0.0.1:$2" | tee "$1/s2c.bin"' >relay.sh

server_pid="" relay_pid=""
stop() {
  local p
  for p in $relay_pid $server_pid; do
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
  done
  server_pid="" relay_pid=""
  exec 7>&-
}
trap 'stop; rm -rf "$T"' EXIT

# records FILE: one line "offset content_type length" per record.
records() {
  local f=$1 size off=0 hdr
  size=$(stat -c %s "$f")
  while [ "$off" -lt "$size" ]; do
    hdr=$(xxd -p -s "$off" -l 5 "$f")
    [ ${#hdr} = 10 ] || fail "$f: truncated record header at offset $off"
    echo "$off $((16#${hdr:0:2})) $((16#${hdr:6:4}))"
    off=$((off + 5 + 16#${hdr:6:4}))
  done
}
# first_of FILE TYPE [FROM]: offset of the first record of TYPE at or after FROM.
first_of() {
  local off type len
  while read -r off type len; do
    if [ "$type" = "$2" ] && [ "$off" -ge "${3:-0}" ]; then echo "$off"; return; fi
  done < <(records "$1")
  fail "$1: no record of content type $2"
}
# cut FILE FROM TO: bytes [FROM, TO).
cut_bytes() { tail -c +$(($2 + 1)) "$1" | head -c $(($3 - $2)); }

# run_case NAME SERVER_CIPHER default|noems CLIENT_ARGS... : one connection through the
# relay; leaves NAME/{c2s,s2c}.bin and NAME/keylog. noems: s_client without extended master
# secret.
run_case() {
  local name=$1 cipher=$2 client_conf=$T/openssl.cnf
  [ "$3" = noems ] && client_conf=$T/noems.cnf
  shift 3
  mkdir "$name"
  rm -f server.in && mkfifo server.in
  : >"$name/server.out"
  openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert pki/server-rsa.pem -key pki/server-rsa.key \
    -no_tls1_3 -no_ticket -cipher "$cipher" -keylogfile "$name/keylog" \
    <server.in >>"$name/server.out" 2>&1 &
  server_pid=$!
  exec 7>server.in
  local port="" relay_port="" try
  for _ in $(seq 100); do grep -q '^ACCEPT' "$name/server.out" && break; sleep 0.1; done
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$name/server.out")
  [ -n "$port" ] || { cat "$name/server.out" >&2; fail "$name: s_server did not start"; }
  # The relay on a random high port (retried when taken), recording each direction.
  for try in $(seq 20); do
    relay_port=$((20000 + RANDOM % 40000))
    timeout 30 socat "TCP-LISTEN:$relay_port,bind=127.0.0.1,reuseaddr" \
      EXEC:"bash relay.sh $name $port" 2>"$name/relay.err" &
    relay_pid=$!
    for _ in $(seq 30); do
      ss -ltnH "sport = :$relay_port" | grep -q . && break
      kill -0 "$relay_pid" 2>/dev/null || break
      sleep 0.1
    done
    ss -ltnH "sport = :$relay_port" | grep -q . && break
    wait "$relay_pid" 2>/dev/null || true
    relay_pid=""
  done
  [ -n "$relay_pid" ] || fail "$name: no relay port found"
  echo "hello from s_client" | OPENSSL_CONF=$client_conf timeout 20 openssl s_client -connect "127.0.0.1:$relay_port" \
    -CAfile pki/ca.pem "$@" >"$name/client.out" 2>&1 ||
    { cat "$name/client.out" >&2; fail "$name: s_client failed"; }
  # The relay ends when both directions are closed; then its captures are complete.
  for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
  stop
  grep -q '^CLIENT_RANDOM ' "$name/keylog" || { cat "$name/server.out" >&2; fail "$name: no key log line"; }
}

# replay NAME WANT_EMS: cut the captures, run hsk, compare with OpenSSL's key log.
replay() {
  local name=$1 want_ems=$2 d=$1
  local ch_end ccs_c ccs_s
  read -r _ _ len < <(records "$d/c2s.bin")
  ch_end=$((5 + len))
  ccs_c=$(first_of "$d/c2s.bin" 20 "$ch_end")
  ccs_s=$(first_of "$d/s2c.bin" 20)
  cut_bytes "$d/c2s.bin" 0 "$ch_end" >"$d/1.tls"
  cut_bytes "$d/s2c.bin" 0 "$ccs_s" >"$d/2.tls"
  cut_bytes "$d/c2s.bin" "$ch_end" "$ccs_c" >"$d/3.tls"
  # The step files hold what they should.
  "$HSK" decode --json "$d/1.tls" "$d/2.tls" "$d/3.tls" >"$d/decoded.json" || fail "$name: decode of the step files"
  local types
  types=$(jq -r '[.inputs[].records[].messages[]?.msg_type.name] | join(",")' "$d/decoded.json")
  [ "$types" = "client_hello,server_hello,certificate,server_hello_done,client_key_exchange" ] ||
    fail "$name: step files hold $types"
  local ems
  ems=$(jq -r '[.inputs[1].records[].messages[]? | select(.msg_type.name == "server_hello")
                | .body.extensions[]?.extension_type.name] | index("extended_master_secret") != null' "$d/decoded.json")
  [ "$ems" = "$want_ems" ] || fail "$name: extended_master_secret in ServerHello is $ems, expected $want_ems"

  expect_exit 0 "$HSK" derive-pms --role server --hello "$d/1.tls" --server-flight "$d/2.tls" \
    --key pki/server-rsa.key --show-secrets --keylog "$d/hsk.keylog" --in "$d/3.tls"
  cp "$T/out" "$d/hsk.out"
  local want got
  want=$(grep '^CLIENT_RANDOM ' "$d/keylog" | head -1)
  got=$(cat "$d/hsk.keylog")
  [ "$got" = "$want" ] || fail "$name: key log differs:
  openssl: $want
  hsk:     $got"
  got=$(sed -n 's/^master_secret: *//p' "$d/hsk.out" | tr 'A-F' 'a-f')
  [ "$got" = "$(echo "$want" | cut -d' ' -f3 | tr 'A-F' 'a-f')" ] ||
    { cat "$d/hsk.out" >&2; fail "$name: --show-secrets master_secret $got differs from OpenSSL's"; }
}

run_case tls12-gcm 'AES128-SHA256:AES128-GCM-SHA256' default -cipher AES128-GCM-SHA256
replay tls12-gcm true
run_case tls12-gcm-noems 'AES128-SHA256:AES128-GCM-SHA256' noems -cipher AES128-GCM-SHA256
replay tls12-gcm-noems false
run_case tls12-cbc-noems 'AES128-SHA256:AES128-GCM-SHA256' noems -cipher AES128-SHA256
replay tls12-cbc-noems false
run_case tls10 'AES128-SHA:@SECLEVEL=0' default -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'
replay tls10 true

# One flipped byte inside the encrypted pre-master secret (byte 100 of it: record header 5,
# handshake header 4, length 2 come first): still exit 0, no warning, another master secret —
# the RFC 5246 §7.4.7.1 countermeasure has no error path. A key that is not the server's is a
# usage error.
d=tls12-gcm
cp "$d/3.tls" "$d/3-flipped.tls"
b=$(xxd -p -s 111 -l 1 "$d/3.tls")
printf "\\x$(printf '%02x' $((16#$b ^ 0x01)))" | dd of="$d/3-flipped.tls" bs=1 seek=111 conv=notrunc status=none
cmp -s "$d/3.tls" "$d/3-flipped.tls" && fail "the byte was not flipped"
expect_exit 0 "$HSK" derive-pms --role server --hello "$d/1.tls" --server-flight "$d/2.tls" \
  --key pki/server-rsa.key --show-secrets --in "$d/3-flipped.tls"
got=$(sed -n 's/^master_secret: *//p' "$T/out")
[ ${#got} = 96 ] || { cat "$T/out" >&2; fail "flipped: no master secret printed"; }
[ "$got" != "$(sed -n 's/^master_secret: *//p' "$d/hsk.out")" ] || fail "flipped: the same master secret"
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "flipped: something was said on stderr"; }
expect_exit 2 "$HSK" derive-pms --role server --hello "$d/1.tls" --server-flight "$d/2.tls" \
  --key pki/client.key --in "$d/3.tls"
expect_contains "$T/err" "does not belong"
