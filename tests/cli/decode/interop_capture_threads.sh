#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode --threads N CAPTURE: a capture of 300 TLS connections, 30 open at a time
# (scripts/make-bench-capture copies the 10 recorded OpenSSL handshakes), decoded with 1, 2, 3
# and 8 worker threads and with the default: the JSON and the text are byte-identical for
# every N, every connection is there once, in close order, and the ClientHello randoms and
# the number of TLS connections equal tshark's. Then the usage errors.
for tool in jq tshark editcap python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
export WIRESHARK_CONFIG_DIR=$T/wireshark   # no personal profile
mkdir -p "$WIRESHARK_CONFIG_DIR"

python3 "$TESTDATA/../scripts/make-bench-capture" 300 "$T/many.pcap" --concurrent 30 >/dev/null ||
  fail "make-bench-capture failed"

expect_exit 0 "$HSK" decode --json --threads 1 "$T/many.pcap"
cp "$T/out" "$T/one.json"
[ "$(tail -1 "$T/one.json" | jq '.summary.tls_connections')" = 300 ] || fail "not 300 connections"
[ "$(head -n -1 "$T/one.json" | jq -s 'map(.connection) | unique | length')" = 300 ] ||
  fail "a connection is missing or repeated"
for n in 2 3 8; do
  expect_exit 0 "$HSK" decode --json --threads "$n" "$T/many.pcap"
  cmp -s "$T/out" "$T/one.json" || fail "--threads $n: the JSON differs from --threads 1"
done
expect_exit 0 "$HSK" decode --json "$T/many.pcap"
cmp -s "$T/out" "$T/one.json" || fail "default threads: the JSON differs from --threads 1"
expect_exit 0 "$HSK" decode --threads 1 "$T/many.pcap"
cp "$T/out" "$T/one.txt"
expect_exit 0 "$HSK" decode --threads 3 "$T/many.pcap"
cmp -s "$T/out" "$T/one.txt" || fail "--threads 3: the text differs from --threads 1"

# Connections come in the order they close: the last packet numbers never go down.
head -n -1 "$T/one.json" | jq -r '.last_packet' >"$T/last"
sort -n -c "$T/last" || fail "connections are not in close order"

# The ClientHello randoms: each of the 10 recorded ones 30 times (the copies are
# round-robin), and the same 10 that tshark finds. (tshark's count is not compared: it
# loses a few of the copies, whose client ports repeat, to its conversation tracking.)
tshark -r "$T/many.pcap" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.random \
  2>"$T/tshark.err" | sort -u >"$T/tshark-randoms" || fail "tshark failed: $(cat "$T/tshark.err")"
head -n -1 "$T/one.json" |
  jq -r '.records[] | .messages[]? | select(.msg_type.name == "client_hello") | .body.random' |
  sort | uniq -c | awk '{print $1, $2}' >"$T/hsk-randoms"
[ "$(wc -l <"$T/hsk-randoms")" = 10 ] || fail "hsk shows $(wc -l <"$T/hsk-randoms") distinct randoms"
[ "$(cut -d' ' -f1 "$T/hsk-randoms" | sort -u)" = 30 ] || fail "a ClientHello is not there 30 times"
cut -d' ' -f2 "$T/hsk-randoms" | cmp -s - "$T/tshark-randoms" ||
  fail "ClientHello randoms differ from tshark's"

# Usage: --threads applies to capture decoding only, 0..64.
expect_exit 2 "$HSK" decode --threads 65 "$T/many.pcap"
expect_exit 2 "$HSK" decode --threads -1 "$T/many.pcap"
expect_exit 2 "$HSK" decode --threads 2 --split "$T/split" "$T/many.pcap"
expect_contains "$T/err" "--threads"
[ ! -e "$T/split" ] || fail "--split wrote despite the usage error"
expect_exit 2 "$HSK" decode --threads 2 "$TESTDATA/handshakes/tls12-rsa/1-client-hello.tls"
expect_contains "$T/err" "apply to captures only"
expect_exit 0 "$HSK" decode --help
expect_contains "$T/out" "--threads"
echo ok
