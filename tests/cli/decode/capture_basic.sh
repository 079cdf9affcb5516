#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode CAPTURE: JSON Lines per connection equal (messages and records) to decoding the
# step files beside each recorded capture; hand-made captures; exit codes; text; stdin; --port.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"

# The step files' records, each tagged with its direction, without offsets and ciphertext.
norm_steps='[.inputs | to_entries[] | .key as $k | .value.records[]
  | (if .encrypted == true then del(.fragment_hex) else . end)
  + {direction: (if $k % 2 == 0 then "client" else "server" end)}]
  | walk(if type == "object" then del(.offset) else . end)'
norm_cap='walk(if type == "object" then del(.offset, .packet, .time) else . end)'

seen=0
for d in "$TESTDATA"/handshakes/*/; do
  name=$(basename "$d")
  seen=$((seen + 1))
  expect_exit 0 "$HSK" decode --json "$d/capture.pcapng"
  mv "$T/out" "$T/cap.jsonl"
  [ "$(jq -s '[.[] | select(.connection)] | length' "$T/cap.jsonl")" = 1 ] || fail "$name: expected one connection"
  [ "$(jq -s '.[-1].summary.tls_connections' "$T/cap.jsonl")" = 1 ] || fail "$name: summary"
  expect_exit 0 "$HSK" decode --json "$d"/{1-client-hello,2-server-flight,3-client-flight,4-server-finished}.tls
  jq -cS "$norm_steps" "$T/out" >"$T/want"
  n=$(jq length "$T/want")
  jq -scS --argjson n "$n" "[.[0].records[:\$n][] | $norm_cap]" "$T/cap.jsonl" >"$T/got"
  cmp -s "$T/want" "$T/got" || { diff <(jq . "$T/want") <(jq . "$T/got") | head -20 >&2; fail "$name: capture and step files disagree"; }
  # After the handshake: encrypted application data and alerts only; no notes, no errors.
  rest=$(jq -r --argjson n "$n" '.records[$n:][] | "\(.content_type.code)\(.encrypted)"' <(head -1 "$T/cap.jsonl") | sort -u | tr '\n' ' ')
  [[ "$rest" =~ ^(21true\ )?23true\ $ ]] || fail "$name: after the handshake: $rest"
  [ "$(head -1 "$T/cap.jsonl" | jq -c '[.notes, .errors]')" = '[[],[]]' ] || fail "$name: notes or errors"
done
[ "$seen" -ge 10 ] || fail "only $seen recorded captures under $TESTDATA/handshakes"

C=$TESTDATA/captures
# Reordered / duplicated / 3-segment ClientHello: the same 11 records as the clean capture.
expect_exit 0 "$HSK" decode --json "$C/tls12-vlan.pcap"
head -1 "$T/out" | jq -c '.records | map(del(.packet, .time))' >"$T/clean"
[ "$(jq length "$T/clean")" = 11 ] || fail "vlan: 11 records expected"
for f in tls12-ethernet-reordered.pcap tls12-null.pcap tls12-raw.pcap; do
  expect_exit 0 "$HSK" decode --json "$C/$f"
  head -1 "$T/out" | jq -c '.records | map(del(.packet, .time))' | cmp -s - "$T/clean" || fail "$f: records differ from tls12-vlan.pcap"
done
expect_exit 0 "$HSK" decode --json "$C/tls12-ethernet-reordered.pcap"
[ "$(head -1 "$T/out" | jq -c '[.records[0].packet, .records[0].messages[0].msg_type.name, .client, .server]')" = '[7,"client_hello","10.0.0.1:40000","10.0.0.2:443"]' ] \
  || fail "reordered: ClientHello completes at packet 7"

# Garbage after the handshake: exit 3, everything printed, one error on the connection.
expect_exit 3 "$HSK" decode --json "$C/tls12-garbage-after-handshake.pcap"
[ ! -s "$T/err" ] || fail "garbage: nothing expected on stderr"
[ "$(head -1 "$T/out" | jq '.records | length')" = 11 ] || fail "garbage: records before the garbage"
head -1 "$T/out" | jq -r '.errors[0]' | grep -q '^client: stream offset 246: record: content type 0x01 .*unexpected_message' || fail "garbage: error text"
[ "$(tail -1 "$T/out" | jq .summary.connections_with_errors)" = 1 ] || fail "garbage: summary"

# Snaplen: notes, exit 0. Truncated: warning on stderr, exit 0, note on the connection.
expect_exit 0 "$HSK" decode --json "$C/tls12-snaplen-200.pcap"
[ "$(head -1 "$T/out" | jq '.notes | length')" = 2 ] || fail "snaplen: two notes"
head -1 "$T/out" | jq -r '.notes[0]' | grep -q 'cut by the snapshot length' || fail "snaplen: note text"
expect_exit 0 "$HSK" decode --json "$C/tls12-truncated.pcap"
expect_contains "$T/err" "hsk: warning: $C/tls12-truncated.pcap: capture truncated at packet 7"
[ "$(head -1 "$T/out" | jq -c '[.close, (.records | length)]')" = '["end of capture",8]' ] || fail "truncated: records"
head -1 "$T/out" | jq -r '.notes[0]' | grep -q '^the capture file ends early' || fail "truncated: note"

# Text, stdin, --port.
expect_exit 3 "$HSK" decode --offsets "$C/tls12-garbage-after-handshake.pcap"
expect_contains "$T/out" "connection 1: client 10.0.0.1:40000, server 10.0.0.2:443, packets 1-"
expect_contains "$T/out" "  server, packet "
expect_contains "$T/out" "      message: server_key_exchange (0x0c), length "
expect_contains "$T/out" "  error: client: stream offset 246: record: content type 0x01"
expect_exit 0 "$HSK" decode --json - <"$C/tls12-vlan.pcap"
head -1 "$T/out" | jq -c '.records | map(del(.packet, .time))' | cmp -s - "$T/clean" || fail "stdin capture"
[ "$(head -1 "$T/out" | jq -r .capture)" = - ] || fail "stdin: capture name"
expect_exit 0 "$HSK" decode --json --port 443 "$C/tls12-vlan.pcap"
[ "$(wc -l <"$T/out")" = 2 ] || fail "--port 443: one connection and the summary"
expect_exit 0 "$HSK" decode --json --port 8443 "$C/tls12-vlan.pcap"
[ "$(wc -l <"$T/out")" = 1 ] || fail "--port 8443: only the summary"
expect_exit 2 "$HSK" decode "$C/tls12-vlan.pcap" "$TESTDATA/handshakes/tls12-rsa/1-client-hello.tls"
expect_exit 2 "$HSK" decode --suite 0xc02f "$C/tls12-vlan.pcap"
expect_exit 2 "$HSK" decode --port 443 "$TESTDATA/handshakes/tls12-rsa/1-client-hello.tls"
# A capture header cut short is malformed input.
head -c 12 "$C/tls12-vlan.pcap" >"$T/short.pcap"
expect_exit 3 "$HSK" decode "$T/short.pcap"
echo "capture decode: 10 recorded captures equal their step files; hand-made ones as expected"
