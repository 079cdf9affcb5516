#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode --split DIR CAPTURE on the recorded captures (testdata/handshakes/*/capture.pcapng):
# one subdirectory per connection whose 1-4 files are byte for byte the step files recorded
# beside the capture (cut there by the recording script from the record framing), whose files
# per direction concatenate to the TCP stream tshark follows (follow,tcp,raw), whose
# connection.json names tshark's version and suite, and whose verify-sig command exits 0.
# Then: a non-empty DIR (exit 2, nothing written), a DIR that is a file, --split with two
# inputs or with a file of records, --port, JSON Lines, and the hand-made captures with a gap,
# garbage and a cut file.
for tool in jq tshark xxd; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done

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
# files_hex DIR FILE...: the concatenation of the files that exist, in hex.
files_hex() {
  local d=$1 f; shift
  for f in "$@"; do [ -f "$d/$f" ] && cat "$d/$f"; done | xxd -p | tr -d '\n'
}

seen=0
for d in "$TESTDATA"/handshakes/*/; do
  name=$(basename "$d")
  cap=$d/capture.pcapng
  seen=$((seen + 1))
  out=$T/split-$name
  expect_exit 0 "$HSK" decode --split "$out" "$cap"
  subs=("$out"/*/)
  [ ${#subs[@]} = 1 ] || fail "$name: ${#subs[@]} subdirectories, expected 1"
  sub=${subs[0]%/}
  # The directory name: number and endpoints, as tshark sees them (the SYN's sender first).
  ep=$(tshark -r "$cap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport 2>/dev/null | head -1)
  read -r cip cport sip sport <<<"$ep"
  [ "$(basename "$sub")" = "001-$cip.$cport-$sip.$sport" ] || fail "$name: subdirectory $(basename "$sub")"
  expect_contains "$T/out" "001-$cip.$cport-$sip.$sport: "
  for f in 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls 4-server-finished.tls; do
    cmp -s "$d/$f" "$sub/$f" || fail "$name: $f differs from the recorded step file"
  done
  # Each direction: the files in order are the TCP stream.
  [ "$(files_hex "$sub" 1-client-hello.tls 3-client-flight.tls 5-client-data.tls)" = "$(stream_hex "$cap" 0 client)" ] ||
    fail "$name: the client's files are not the client's stream"
  [ "$(files_hex "$sub" 2-server-flight.tls 4-server-finished.tls 6-server-data.tls)" = "$(stream_hex "$cap" 0 server)" ] ||
    fail "$name: the server's files are not the server's stream"
  [ -s "$sub/5-client-data.tls" ] && [ -s "$sub/6-server-data.tls" ] || fail "$name: no data files"
  # connection.json against tshark's ServerHello.
  port=$sport
  read -r tver tsuite < <(tshark -r "$cap" -d "tcp.port==$port,tls" -Y 'tls.handshake.type == 2' -T fields \
    -e tls.handshake.version -e tls.handshake.ciphersuite 2>/dev/null | head -1)
  j=$sub/connection.json
  [ "$(jq -r '.handshake' "$j")" = full ] || fail "$name: handshake $(jq -r .handshake "$j")"
  [ "$(jq '.version.code' "$j")" = "$((tver))" ] || fail "$name: version $(jq .version "$j"), tshark $tver"
  [ "$(jq '.cipher_suite.code' "$j")" = "$((tsuite))" ] || fail "$name: suite $(jq .cipher_suite "$j"), tshark $tsuite"
  [ "$(jq -r '.client' "$j")" = "$cip:$cport" ] || fail "$name: client $(jq -r .client "$j")"
  [ "$(jq -c '[.files[].name]' "$j")" = '["1-client-hello.tls","2-server-flight.tls","3-client-flight.tls","4-server-finished.tls","5-client-data.tls","6-server-data.tls"]' ] ||
    fail "$name: files $(jq -c '[.files[].name]' "$j")"
  [ "$(jq '.files[0].bytes' "$j")" = "$(stat -c %s "$sub/1-client-hello.tls")" ] || fail "$name: file size in connection.json"
  [ "$(jq -c '[.notes, .errors]' "$j")" = '[[],[]]' ] || fail "$name: notes or errors: $(jq -c '[.notes, .errors]' "$j")"
  # Client authentication: the CertificateRequest was seen.
  want_auth=false
  [ "$name" = tls12-rsa-client-auth ] && want_auth=true
  [ "$(jq '.client_auth_requested' "$j")" = "$want_auth" ] || fail "$name: client_auth_requested"
  # The commands: decode and verify-sig run in the subdirectory and exit 0.
  verify=$(jq -r '.commands[] | select(startswith("hsk verify-sig "))' "$j")
  [ -n "$verify" ] || fail "$name: no verify-sig command"
  (cd "$sub" && ${verify/hsk/$HSK} >"$T/verify.out" 2>&1) || { cat "$T/verify.out" >&2; fail "$name: $verify failed"; }
  decode=$(jq -r '.commands[] | select(startswith("hsk decode "))' "$j")
  (cd "$sub" && ${decode/hsk/$HSK} >/dev/null 2>&1) || fail "$name: $decode failed"
  # derive-pms is offered for RSA key exchange only.
  kx=$(jq -r '.cipher_suite.name' "$j")
  n=$(jq '[.commands[] | select(startswith("hsk derive-pms "))] | length' "$j")
  if [[ "$kx" == TLS_RSA_* ]]; then [ "$n" = 1 ] || fail "$name: no derive-pms command"; else [ "$n" = 0 ] || fail "$name: derive-pms offered"; fi
  [ "$(stat -c %a "$sub")" = 755 ] || fail "$name: subdirectory mode $(stat -c %a "$sub")"
done
# Each connection is written into NNN-....partial and renamed when complete: none is left.
[ -z "$(find "$T" -name '*.partial')" ] || fail "a .partial directory is left: $(find "$T" -name '*.partial')"
[ "$seen" -ge 10 ] || fail "only $seen recorded captures"

cap=$TESTDATA/handshakes/tls12-ecdhe-rsa/capture.pcapng
# A non-empty DIR: usage error, nothing written.
mkdir "$T/full" && echo keep >"$T/full/x"
expect_exit 2 "$HSK" decode --split "$T/full" "$cap"
expect_contains "$T/err" "not empty"
[ "$(ls -A "$T/full")" = x ] || fail "something was written into a non-empty DIR"
[ ! -s "$T/out" ] || fail "stdout not empty after a refused DIR"
echo file >"$T/afile"
expect_exit 2 "$HSK" decode --split "$T/afile" "$cap"
[ "$(cat "$T/afile")" = file ] || fail "DIR that is a file was changed"
# An existing empty DIR is used; a missing one is created with its parents.
mkdir "$T/empty"
expect_exit 0 "$HSK" decode --split "$T/empty" "$cap"
[ "$(ls "$T/empty" | wc -l)" = 1 ] || fail "empty DIR: expected one subdirectory"
expect_exit 0 "$HSK" decode --split "$T/a/b/c" "$cap"
[ "$(ls "$T/a/b/c" | wc -l)" = 1 ] || fail "nested DIR: expected one subdirectory"
# Not one capture: usage errors, nothing created.
expect_exit 2 "$HSK" decode --split "$T/two" "$cap" "$cap"
expect_exit 2 "$HSK" decode --split "$T/recs" "$TESTDATA/handshakes/tls12-rsa/1-client-hello.tls"
expect_exit 2 "$HSK" decode --split "$T/offs" --offsets "$cap"
expect_exit 2 "$HSK" decode --split "$T/keyl" --keylog /dev/null "$cap"
for x in two recs offs keyl; do [ ! -e "$T/$x" ] || fail "--split $x created its DIR"; done
# A file that is not a capture libpcap reads: malformed, no DIR.
printf '\xa1\xb2\xc3\xd4garbage' >"$T/bad.pcap"
expect_exit 3 "$HSK" decode --split "$T/bad" "$T/bad.pcap"
[ ! -e "$T/bad" ] || fail "a bad capture created DIR"
# --port that matches nothing: DIR created, empty; the summary says 0.
expect_exit 0 "$HSK" decode --split "$T/port" --port 1 "$cap"
[ -z "$(ls -A "$T/port")" ] || fail "--port 1: something was written"
expect_contains "$T/out" "0 TCP connections, 0 TLS"
# JSON Lines: one object per connection (as connection.json), then the summary.
expect_exit 0 "$HSK" decode --json --split "$T/json" "$cap"
expect_lines "$T/out" 2
sub=$(ls -d "$T/json"/*/)
head -1 "$T/out" | jq -S . >"$T/line.json"
jq -S . "$sub/connection.json" >"$T/file.json"
cmp -s "$T/line.json" "$T/file.json" || fail "--json line differs from connection.json"
[ "$(tail -1 "$T/out" | jq -c '.summary | [.tcp_connections, .tls_connections, .connections_with_errors]')" = '[1,1,0]' ] ||
  fail "--json summary: $(tail -1 "$T/out")"
# Standard input.
expect_exit 0 "$HSK" decode --split "$T/stdin" - <"$cap"
cmp -s "$T/stdin"/*/2-server-flight.tls "$TESTDATA/handshakes/tls12-ecdhe-rsa/2-server-flight.tls" ||
  fail "stdin: 2-server-flight.tls differs"

# Hand-made captures (scripts/make-test-captures): reordered and VLAN ones split like the
# clean capture; garbage after the handshake is an error (exit 3) that keeps the handshake
# files; a cut file and a snaplen-cut one give notes.
C=$TESTDATA/captures
expect_exit 0 "$HSK" decode --split "$T/vlan" "$C/tls12-vlan.pcap"
expect_exit 0 "$HSK" decode --split "$T/reord" "$C/tls12-ethernet-reordered.pcap"
for f in 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls 4-server-finished.tls; do
  cmp -s "$T/vlan"/*/"$f" "$TESTDATA/handshakes/tls12-ecdhe-rsa/$f" || fail "vlan: $f differs from the step file"
  cmp -s "$T/reord"/*/"$f" "$TESTDATA/handshakes/tls12-ecdhe-rsa/$f" || fail "reordered: $f differs"
done
expect_exit 3 "$HSK" decode --split "$T/garbage" "$C/tls12-garbage-after-handshake.pcap"
j=$(ls "$T/garbage"/*/connection.json)
[ "$(jq '.errors | length' "$j")" -ge 1 ] || fail "garbage: no error"
[ "$(jq -r '.handshake' "$j")" = full ] || fail "garbage: the handshake files were lost"
expect_contains "$T/out" "with errors"
expect_exit 0 "$HSK" decode --split "$T/trunc" "$C/tls12-truncated.pcap"
expect_contains "$T/err" "warning"
j=$(ls "$T/trunc"/*/connection.json)
[ "$(jq '.notes | map(select(test("ends early"))) | length' "$j")" = 1 ] || fail "truncated: no note: $(jq -c .notes "$j")"
expect_exit 0 "$HSK" decode --split "$T/snap" "$C/tls12-snaplen-200.pcap"
j=$(ls "$T/snap"/*/connection.json)
[ "$(jq '.notes | map(select(test("bytes missing"))) | length' "$j")" -ge 1 ] || fail "snaplen: no gap note: $(jq -c .notes "$j")"
[ -z "$(find "$T" -name '*.partial')" ] || fail "a .partial directory is left after a run"
