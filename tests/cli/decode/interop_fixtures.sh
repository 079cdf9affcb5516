#!/usr/bin/env bash
if [ "${BASH_SOURCE[0]}" = "$0" ]; then source "$TESTLIB"; fi
# Interop tests of `hsk decode` against tshark on real OpenSSL handshakes
# (testdata/handshakes/<case>/, made by testdata/capture-openssl).
#
# This file has two roles:
# - run by itself (ctest "cli: decode/interop_fixtures") it checks the fixture set, without
#   hsk: every step file is well framed and cut at a flight boundary, the step files of each
#   direction are exactly the first bytes of that direction's TCP stream in capture.pcapng (as
#   tshark's "follow,tcp,raw" reports it), every case has its interop_<case>.sh, no private
#   key was committed, and the set stays small;
# - sourced by interop_<case>.sh (after lib.sh) it gives interop_case, which decodes the four
#   step files with one `hsk decode --json` call, dissects capture.pcapng with tshark at test
#   time, reduces both to the same normal form with jq and compares them value by value.
#
# tshark, jq and xxd are required: a missing one is a failure, not a skip. Nothing is written
# outside $T (tshark's configuration directory is pointed there too).

need_tools() {
  local tool
  for tool in tshark jq xxd; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
  done
  export WIRESHARK_CONFIG_DIR=$T/wireshark   # ignore any personal tshark profile
  mkdir -p "$WIRESHARK_CONFIG_DIR"
}

STEP_FILES=(1-client-hello.tls 2-server-flight.tls 3-client-flight.tls 4-server-finished.tls)

# server_port CAPTURE: the port the client connected to (destination of the lone SYN).
server_port() {
  local p
  p=$(tshark -r "$1" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.dstport 2>"$T/tshark.err") \
    || { cat "$T/tshark.err" >&2; fail "tshark cannot read $1"; }
  [[ "$p" =~ ^[0-9]+$ ]] || fail "$1: expected exactly one connection, SYN destination ports: '$p'"
  echo "$p"
}

hex_of() { xxd -p "$@" | tr -d '\n'; }

# ------------------------------------------------------------------ fixture checks (no hsk)

# records_of FILE: prints "content_type length" per record; fails unless FILE is exactly a
# sequence of TLS 1.0-1.2 records.
records_of() {
  local hex pos=0 len
  hex=$(hex_of "$1")
  [ -n "$hex" ] || fail "$1 is empty"
  while [ "$pos" -lt "${#hex}" ]; do
    [ $((pos + 10)) -le "${#hex}" ] || fail "$1: truncated record header at byte $((pos / 2))"
    [[ "${hex:pos+2:4}" =~ ^030[1-3]$ ]] || fail "$1: record version ${hex:pos+2:4} at byte $((pos / 2))"
    len=$((16#${hex:pos+6:4}))
    [ $((pos + 10 + 2 * len)) -le "${#hex}" ] || fail "$1: record at byte $((pos / 2)) overruns the file"
    echo "$((16#${hex:pos:2})) $len"
    pos=$((pos + 10 + 2 * len))
  done
}

# check_framing DIR: each step file ends where its flight ends.
check_framing() {
  local d=$1 types last
  # 1 and 2: plaintext handshake records only; 1 starts with a ClientHello, 2 with a
  # ServerHello and ends with a ServerHelloDone (its last 4 bytes are the empty message).
  for f in 1-client-hello.tls 2-server-flight.tls; do
    types=$(records_of "$d/$f" | cut -d' ' -f1 | sort -u | tr '\n' ' ')
    [ "$types" = "22 " ] || fail "$d/$f: record types $types, expected only handshake (22)"
  done
  [ "$(hex_of "$d/1-client-hello.tls" | cut -c11-12)" = 01 ] || fail "$d/1-client-hello.tls: does not start with a ClientHello"
  [ "$(hex_of "$d/2-server-flight.tls" | cut -c11-12)" = 02 ] || fail "$d/2-server-flight.tls: does not start with a ServerHello"
  last=$(hex_of "$d/2-server-flight.tls"); last=${last: -8}
  [ "$last" = 0e000000 ] || fail "$d/2-server-flight.tls: does not end with ServerHelloDone (ends $last)"
  # 3 and 4: handshake records, then one ChangeCipherSpec, then exactly one (encrypted
  # Finished) record.
  local recs
  for f in 3-client-flight.tls 4-server-finished.tls; do
    recs=$(records_of "$d/$f" | tr '\n' ' ')
    [[ "$recs" =~ ^(22\ [0-9]+\ )*20\ 1\ 22\ [0-9]+\ $ ]] \
      || fail "$d/$f: records (type length) '$recs', expected handshake records, a 1-byte ChangeCipherSpec, Finished"
  done
}

# check_bytes DIR: 1+3 and 2+4 are the first bytes of the client's and server's TCP streams,
# and what follows them in the capture is application data (23) or an alert (21).
check_bytes() {
  local d=$1 cap=$1/capture.pcapng
  tshark -r "$cap" -q -z follow,tcp,raw,0 >"$T/follow.txt" 2>"$T/tshark.err" \
    || { cat "$T/tshark.err" >&2; fail "tshark follow failed on $cap"; }
  grep -q '^Node 1: ' "$T/follow.txt" || fail "$cap: no TCP stream 0"
  # Node 0 sent the first packet (the SYN): the client. Its lines are not indented.
  local client server
  client=$(awk '/^Node 1:/ {on = 1; next} /^====/ {on = 0} on && !/^\t/' "$T/follow.txt" | tr -d '\n\t')
  server=$(awk '/^Node 1:/ {on = 1; next} /^====/ {on = 0} on && /^\t/' "$T/follow.txt" | tr -d '\n\t')
  local want_c want_s
  want_c=$(cat "$d/1-client-hello.tls" "$d/3-client-flight.tls" | xxd -p | tr -d '\n')
  want_s=$(cat "$d/2-server-flight.tls" "$d/4-server-finished.tls" | xxd -p | tr -d '\n')
  [ "${client:0:${#want_c}}" = "$want_c" ] \
    || fail "$d: 1-client-hello.tls + 3-client-flight.tls (${#want_c} hex digits) are not the start of the client's TCP stream in capture.pcapng"
  [ "${server:0:${#want_s}}" = "$want_s" ] \
    || fail "$d: 2-server-flight.tls + 4-server-finished.tls (${#want_s} hex digits) are not the start of the server's TCP stream in capture.pcapng"
  case ${client:${#want_c}:2} in 17|15) ;; *) fail "$d: client stream continues after the step files with '${client:${#want_c}:2}', expected application data or alert";; esac
  case ${server:${#want_s}:2} in 17|15) ;; *) fail "$d: server stream continues after the step files with '${server:${#want_s}:2}', expected application data or alert";; esac
}

check_fixture_set() {
  local root=$TESTDATA/handshakes here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  [ -d "$root" ] || fail "$root is missing (run testdata/capture-openssl)"
  local n=0 d name f
  for d in "$root"/*/; do
    d=${d%/}; name=$(basename "$d"); n=$((n + 1))
    for f in "${STEP_FILES[@]}" capture.pcapng info.txt; do
      [ -s "$d/$f" ] || fail "$d/$f is missing or empty"
    done
    [ -f "$here/interop_$name.sh" ] || fail "fixture $name has no test tests/cli/decode/interop_$name.sh"
    grep -qF "$name" "$TESTDATA/README.md" || fail "testdata/README.md does not describe $name"
    grep -q '^produced by: OpenSSL' "$d/info.txt" || fail "$d/info.txt does not name the OpenSSL version"
    check_framing "$d"
    check_bytes "$d"
  done
  [ "$n" -ge 10 ] || fail "only $n handshake fixtures in $root, expected 10"
  local size
  size=$(find "$root" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  [ "$size" -lt 307200 ] || fail "$root holds $size bytes, keep it under 300 KB"
  if grep -rlI -- 'PRIVATE KEY' "$root" >"$T/keys"; then cat "$T/keys" >&2; fail "private keys in $root"; fi
}

# ------------------------------------------------------------------ decoder vs tshark

# Both sides are reduced to {records: [{content_type, version, length}],
# messages: [{type, length, ...fields of that message type}]}, one message per plaintext
# handshake message in order (encrypted Finished messages are opaque to both).
JQ_COMMON='
def arr: if type == "array" then .[] elif . == null then empty else . end;
def hexval: ascii_downcase | explode
  | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def num: if type == "number" then . elif startswith("0x") then (.[2:] | hexval) else tonumber end;
def numn: if . == null then null else num end;
def hexn: if . == null then null else (ascii_downcase | gsub("[: ]"; "")) end;
'

# tshark -T json --no-duplicate-keys: repeated keys become arrays; bytes are aa:bb:..
JQ_TSHARK=$JQ_COMMON'
def vals($k): [.. | objects | select(has($k)) | .[$k] | arr];
def one($k): vals($k) | if length == 0 then null else .[0] end;
def ext:
  (."tls.handshake.extension.type" | num) as $t
  | {type: $t, length: (."tls.handshake.extension.len" | num)}
  + if $t == 0 then {server_names: vals("tls.handshake.extensions_server_name")}
    elif $t == 10 then {groups: [vals("tls.handshake.extensions_supported_group")[] | num]}
    elif $t == 11 then {point_formats: [vals("tls.handshake.extensions_ec_point_format")[] | num]}
    elif $t == 13 then {signature_algorithms: [vals("tls.handshake.sig_hash_alg")[] | num]}
    elif $t == 43 then {versions: [vals("tls.handshake.extensions.supported_version")[] | num]}
    elif $t == 45 then {ke_modes: [vals("tls.extension.psk_ke_mode")[] | num]}
    elif $t == 51 then {share_groups: [vals("tls.handshake.extensions_key_share_group")[] | num],
                        share_keys: [vals("tls.handshake.extensions_key_share_key_exchange")[] | hexn]}
    elif $t == 35 then {ticket: (one("tls.handshake.extension.data") // "" | hexn)}
    elif $t == 65281 then {renegotiated_connection: (one("tls.handshake.extensions_reneg_info") // "" | hexn)}
    else {} end;
def signed: {signature_algorithm: (one("tls.handshake.sig_hash_alg") | numn),
             signature: (one("tls.handshake.sig") | hexn)};
def msg:
  (."tls.handshake.type" | num) as $t
  | {type: $t, length: (."tls.handshake.length" | num)}
  + if $t == 1 or $t == 2 then
      {version: (."tls.handshake.version" | num),
       random: (."tls.handshake.random" | hexn),
       session_id: (."tls.handshake.session_id" // "" | hexn),
       extensions: [.. | objects | select(has("tls.handshake.extension.type")) | ext]}
      + if $t == 1 then
          {cipher_suites: [vals("tls.handshake.ciphersuite")[] | num],
           compression_methods: [vals("tls.handshake.comp_method")[] | num]}
        else
          {cipher_suite: (."tls.handshake.ciphersuite" | num),
           compression_method: (."tls.handshake.comp_method" | num)}
        end
    elif $t == 11 then
      {certificate_lengths: [vals("tls.handshake.certificate_length")[] | num],
       certificates: [vals("tls.handshake.certificate")[] | hexn]}
    elif $t == 12 then
      {dh_p: (one("tls.handshake.p") | hexn), dh_g: (one("tls.handshake.g") | hexn),
       dh_Ys: (one("tls.handshake.ys") | hexn),
       curve_type: (one("tls.handshake.server_curve_type") | numn),
       named_curve: (one("tls.handshake.server_named_curve") | numn),
       point: (one("tls.handshake.server_point") | hexn)} + signed
    elif $t == 13 then
      {certificate_types: [vals("tls.handshake.cert_type")[] | num],
       signature_algorithms: [vals("tls.handshake.sig_hash_alg")[] | num],
       authority_lengths: [vals("tls.handshake.dname_len")[] | num]}
    elif $t == 15 then
      {signature_algorithm: (one("tls.handshake.sig_hash_alg") | numn),
       signature: (one("tls.handshake.client_cert_vrfy.sig") | hexn)}
    elif $t == 16 then
      if one("tls.handshake.epms") != null then
        {key_field: "encrypted_pre_master_secret", key: (one("tls.handshake.epms") | hexn)}
      elif one("tls.handshake.yc") != null then {key_field: "dh_Yc", key: (one("tls.handshake.yc") | hexn)}
      elif one("tls.handshake.client_point") != null then
        {key_field: "ecdh_Yc", key: (one("tls.handshake.client_point") | hexn)}
      else {key_field: null, key: null} end
    elif $t == 4 then
      {ticket_lifetime_hint: (one("tls.handshake.session_ticket_lifetime_hint") | numn),
       ticket: (one("tls.handshake.session_ticket") | hexn)}
    else {} end;
[.[]._source.layers.tls | arr | ."tls.record" | arr | objects] as $r
| {records: [$r[] | {content_type: (."tls.record.content_type" | num),
                     version: (."tls.record.version" | num), length: (."tls.record.length" | num)}],
   messages: [$r[] | select(."tls.record.content_type" == "22") | ."tls.handshake" | arr | objects
              | select(has("tls.handshake.type")) | msg]}
'

# hsk decode --json (schema in man/hsk-decode.1): {code, name} objects, lowercase hex strings.
JQ_HSK=$JQ_COMMON'
def code: if type == "object" then .code else . end | if type == "string" then num else . end;
def coden: if . == null then null else code end;
def codes: if . == null then null
  elif type == "string" then (hexn | [range(0; length / 2) as $i | .[2 * $i:2 * $i + 2] | hexval])
  else map(code) end;
def signed: if . == null then {signature_algorithm: null, signature: null}
  else {signature_algorithm: (.algorithm | coden), signature: (.signature | hexn)} end;
def ext:
  (.extension_type | code) as $t | (.data // {}) as $d
  | {type: $t, length}
  + if $t == 0 then {server_names: [($d.server_name_list // [])[] | .host_name // .host_name_hex]}
    elif $t == 10 then {groups: ($d.named_group_list | codes)}
    elif $t == 11 then {point_formats: ($d.ec_point_format_list | codes)}
    elif $t == 13 then {signature_algorithms: ($d.supported_signature_algorithms | codes)}
    elif $t == 43 then {versions: ($d.versions | codes)}
    elif $t == 45 then {ke_modes: ($d.ke_modes | codes)}
    elif $t == 51 then {share_groups: [($d.client_shares // [])[] | .group | code],
                        share_keys: [($d.client_shares // [])[] | .key_exchange | hexn]}
    elif $t == 35 then {ticket: ($d.ticket | hexn)}
    elif $t == 65281 then {renegotiated_connection: ($d.renegotiated_connection | hexn)}
    else {} end;
def msg:
  (.msg_type | code) as $t | (.body // {}) as $b
  | {type: $t, length}
  + if $t == 1 or $t == 2 then
      {random: ($b.random | hexn), session_id: ($b.session_id | hexn),
       extensions: [($b.extensions // [])[] | ext]}
      + if $t == 1 then
          {version: ($b.client_version | coden), cipher_suites: ($b.cipher_suites | codes),
           compression_methods: ($b.compression_methods | codes)}
        else
          {version: ($b.server_version | coden), cipher_suite: ($b.cipher_suite | coden),
           compression_method: ($b.compression_method | coden)}
        end
    elif $t == 11 then
      {certificate_lengths: [($b.certificate_list // [])[] | .length],
       certificates: [($b.certificate_list // [])[] | .cert_hex | hexn]}
    elif $t == 12 then
      ($b.params // {}) as $p
      | {dh_p: ($p.dh_p | hexn), dh_g: ($p.dh_g | hexn), dh_Ys: ($p.dh_Ys | hexn),
         curve_type: ($p.curve_type | coden), named_curve: ($p.named_curve | coden),
         point: ($p.point | hexn)} + ($b.signature | signed)
    elif $t == 13 then
      {certificate_types: ($b.certificate_types | codes),
       signature_algorithms: ($b.supported_signature_algorithms // [] | codes),
       authority_lengths: [($b.certificate_authorities // [])[] | hexn | length / 2]}
    elif $t == 15 then ($b.signature | signed)
    elif $t == 16 then
      if $b.encrypted_pre_master_secret != null then
        {key_field: "encrypted_pre_master_secret", key: ($b.encrypted_pre_master_secret | hexn)}
      elif $b.dh_Yc != null then {key_field: "dh_Yc", key: ($b.dh_Yc | hexn)}
      elif $b.ecdh_Yc != null then {key_field: "ecdh_Yc", key: ($b.ecdh_Yc | hexn)}
      else {key_field: null, key: null} end
    elif $t == 4 then {ticket_lifetime_hint: $b.ticket_lifetime_hint, ticket: ($b.ticket | hexn)}
    else {} end;
if .hsk_decode != 1 then error("hsk_decode is not 1") else . end
| [.inputs[].records[]] as $r
| {records: [$r[] | {content_type: (.content_type | code), version: (.version | code), length}],
   messages: [$r[] | select((.content_type | code) == 22 and .encrypted != true) | .messages // [] | .[] | msg]}
'

# Prints one line per difference; the capture goes on after the step files (application data,
# alerts), so hsk's records are compared with the first records tshark reports.
JQ_DIFF='
def show: tojson | if length > 72 then .[:69] + "..." else . end;
def diffs($path; $a; $b):
  if $a == $b then empty
  elif ($a | type) == "object" and ($b | type) == "object" then
    (($a | keys) + ($b | keys) | unique[]) as $k | diffs("\($path).\($k)"; $a[$k]; $b[$k])
  elif ($a | type) == "array" and ($b | type) == "array" and ($a | length) == ($b | length) then
    range(0; $a | length) as $i | diffs("\($path)[\($i)]"; $a[$i]; $b[$i])
  else "\($path): tshark \($a | show), hsk \($b | show)" end;
$ts[0] as $t | $hs[0] as $h | ($h.records | length) as $n
| (if $n > ($t.records | length) then "records: hsk decodes \($n), the capture holds \($t.records | length)" else empty end),
  diffs("record"; $t.records[:$n]; $h.records),
  ($t.records[$n:][] | select(.content_type != 23 and .content_type != 21)
   | "record after the step files is neither application data nor alert: \(tojson)"),
  (if ($t.messages | length) != ($h.messages | length) then
     "messages: tshark types \([$t.messages[].type]), hsk types \([$h.messages[].type])" else empty end),
  (range(0; [($t.messages | length), ($h.messages | length)] | min) as $i
   | diffs("message \($i) (type \($t.messages[$i].type))"; $t.messages[$i]; $h.messages[$i]))
'

# hsk's connection line -> the document shape JQ_HSK reads; a ServerHello key_share
# (server_share) is shown as a one-entry list, as tshark's fields are.
JQ_CAP_TO_DOC='{hsk_decode: 1, inputs: [{records: [.records[]
  | if .messages then .messages |= map(
      if .body.extensions then .body.extensions |= map(
        if .data.server_share then .data.client_shares = [.data.server_share] else . end)
      else . end) else . end]}]}'

# compare_capture CAP PORT LABEL [MIN_MESSAGES]: one TLS connection in CAP (a live capture, or a
# recorded one), hsk decode --json and tshark reduced to the same normal form and equal; at
# least MIN_MESSAGES plaintext handshake messages. Used by interop_capture_*.sh.
compare_capture() {
  local cap=$1 port=$2 label=$3 min=${4:-1}
  tshark -r "$cap" -d "tcp.port==$port,tls" -T json --no-duplicate-keys -J tls >"$T/tshark.json" 2>"$T/tshark.err" \
    || { cat "$T/tshark.err" >&2; fail "$label: tshark failed"; }
  # tshark names the outer type of a TLS 1.3 record opaque_type.
  jq 'walk(if type == "object" and has("tls.record.opaque_type")
           then . + {"tls.record.content_type": ."tls.record.opaque_type"} | del(."tls.record.opaque_type")
           else . end)' "$T/tshark.json" >"$T/tshark.fixed" || fail "$label: tshark's JSON"
  jq "$JQ_TSHARK" "$T/tshark.fixed" >"$T/tshark.norm" || fail "$label: cannot reduce tshark's JSON"
  expect_exit 0 "$HSK" decode --json --port "$port" "$cap"
  jq -s '[.[] | select(.connection)] | length' "$T/out" | grep -qx 1 || fail "$label: expected one TLS connection"
  head -1 "$T/out" | jq "$JQ_CAP_TO_DOC" >"$T/hsk.json"
  jq "$JQ_HSK" "$T/hsk.json" >"$T/hsk.norm" || fail "$label: hsk output does not follow the schema"
  jq -rn --slurpfile ts "$T/tshark.norm" --slurpfile hs "$T/hsk.norm" "$JQ_DIFF" >"$T/diff" || fail "jq comparison failed"
  if [ -s "$T/diff" ]; then
    cat "$T/diff" >&2
    fail "$label: hsk decode and tshark disagree on $(wc -l <"$T/diff") value(s)"
  fi
  local nrec nmsg
  nrec=$(jq '.records | length' "$T/hsk.norm"); nmsg=$(jq '.messages | length' "$T/hsk.norm")
  [ "$nrec" = "$(jq '.records | length' "$T/tshark.norm")" ] || fail "$label: tshark has more records than hsk"
  [ "$nmsg" -ge "$min" ] || fail "$label: only $nmsg handshake messages"
  echo "$label: $nrec records and $nmsg messages agree with tshark ($(jq '[.. | scalars] | length' "$T/hsk.norm") values)"
}

# interop_case NAME VERSION SUITE TYPES CKE SKE
#   VERSION, SUITE: what ServerHello must say (e.g. 0x0303 0x009c);
#   TYPES: the plaintext handshake message types in order (e.g. "1 2 11 14 16");
#   CKE: encrypted_pre_master_secret | dh_Yc | ecdh_Yc (the ClientKeyExchange form);
#   SKE: none (no ServerKeyExchange) | dh-anon (unsigned) | dh-tls12 | ecdh-tls12 (signed,
#        with a signature algorithm) | dh-legacy | ecdh-legacy (TLS 1.0/1.1: no algorithm).
# The expectations are checked on tshark's view first (the fixture is what its name says),
# then hsk's view is compared with tshark's, value by value.
interop_case() {
  local name=$1 version=$2 suite=$3 types=$4 cke=$5 ske=$6
  need_tools
  local d=$TESTDATA/handshakes/$name cap=$TESTDATA/handshakes/$name/capture.pcapng f
  for f in "${STEP_FILES[@]}" capture.pcapng; do
    [ -s "$d/$f" ] || fail "$d/$f is missing (run testdata/capture-openssl $name)"
  done
  local port
  port=$(server_port "$cap")

  tshark -r "$cap" -d "tcp.port==$port,tls" -T json --no-duplicate-keys -J tls >"$T/tshark.json" 2>"$T/tshark.err" \
    || { cat "$T/tshark.err" >&2; fail "tshark failed on $cap"; }
  jq "$JQ_TSHARK" "$T/tshark.json" >"$T/tshark.norm" || fail "cannot reduce tshark's JSON for $name"

  # The fixture is what its name says (tshark's view).
  local got
  got=$(jq -r '[.messages[].type] | join(" ")' "$T/tshark.norm")
  [ "$got" = "$types" ] || fail "$name: tshark sees handshake types '$got', expected '$types'"
  got=$(jq -r '.messages[] | select(.type == 2) | "\(.version) \(.cipher_suite)"' "$T/tshark.norm")
  [ "$got" = "$((version)) $((suite))" ] || fail "$name: ServerHello version/suite '$got', expected $((version)) $((suite))"
  got=$(jq -r '.messages[] | select(.type == 16) | .key_field' "$T/tshark.norm")
  [ "$got" = "$cke" ] || fail "$name: ClientKeyExchange form '$got', expected $cke"
  got=$(jq -r '[.messages[] | select(.type == 12)
                | (if .dh_p != null and .dh_g != null and .dh_Ys != null then "dh"
                   elif .point != null and .named_curve != null then "ecdh" else "?" end)
                  + (if .signature == null then (if .signature_algorithm == null then "-anon" else "-?" end)
                     elif .signature_algorithm == null then "-legacy" else "-tls12" end)]
               | if length == 0 then "none" else join(",") end' "$T/tshark.norm")
  [ "$got" = "$ske" ] || fail "$name: ServerKeyExchange '$got', expected $ske"

  # hsk's view: the four step files in one call, so the ServerHello decides the later forms.
  expect_exit 0 "$HSK" decode --json "${STEP_FILES[@]/#/$d/}"
  cp "$T/out" "$T/hsk.json"
  jq "$JQ_HSK" "$T/hsk.json" >"$T/hsk.norm" || { head -c 2000 "$T/hsk.json" >&2; fail "hsk decode --json output does not follow the schema"; }
  got=$(jq -r '[.inputs[] | .records | length] | join(" ")' "$T/hsk.json")
  local want="" c
  for f in "${STEP_FILES[@]}"; do
    c=$(records_of "$d/$f" | wc -l); want+="$c "
  done
  [ "$got " = "$want" ] || fail "$name: hsk decodes record counts per input '$got', the files hold '${want% }'"

  jq -rn --slurpfile ts "$T/tshark.norm" --slurpfile hs "$T/hsk.norm" "$JQ_DIFF" >"$T/diff" \
    || fail "jq comparison failed"
  if [ -s "$T/diff" ]; then
    cat "$T/diff" >&2
    fail "$name: hsk decode and tshark disagree on $(wc -l <"$T/diff") value(s)"
  fi
  local nvalues
  nvalues=$(jq -n --slurpfile ts "$T/tshark.norm" --slurpfile hs "$T/hsk.norm" \
    '[$ts[0].records[:($hs[0].records | length)], $ts[0].messages] | [.. | scalars] | length')
  echo "$name: hsk decode agrees with tshark on $nvalues values"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  need_tools
  check_fixture_set
  echo "fixtures: $(ls -d "$TESTDATA"/handshakes/*/ | wc -l) cases framed and matching their captures"
fi
