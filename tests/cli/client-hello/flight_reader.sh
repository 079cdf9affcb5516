#!/usr/bin/env bash
# read_server_flight FD OUT — for the client-hello interop tests (which source this file): reads
# whole TLS records from descriptor FD into the file OUT until a record completes a
# ServerHelloDone, or an alert record arrives. Each read asks for exactly the bytes still needed
# (`head -c N` never reads past N), so what follows the flight stays unread, as hsk's own stream
# reader does. Fails on end of stream, a 10-second stall or a record that is not handshake/alert.
#
# Run as a test by itself, it checks the reader on the OpenSSL fixtures: from a pipe carrying
# the server's first and second flights it takes exactly the first.
read_server_flight() {
  local fd=$1 out=$2 hs="" hdr type len frag n=0 mlen
  : >"$out"
  while :; do
    n=$((n + 1))
    [ "$n" -le 64 ] || fail "more than 64 records without ServerHelloDone"
    hdr=$(timeout 10 head -c 5 <&"$fd" | xxd -p) || true
    [ ${#hdr} = 10 ] || fail "stream ended or stalled inside a record header (got '$hdr')"
    type=${hdr:0:2}
    len=$((16#${hdr:6:4}))
    frag=$(timeout 10 head -c "$len" <&"$fd" | xxd -p | tr -d '\n') || true
    [ ${#frag} = $((2 * len)) ] || fail "stream ended or stalled inside a record of $len bytes"
    printf '%s%s' "$hdr" "$frag" | xxd -r -p >>"$out"
    case $type in
      15) return 0 ;;
      16) ;;
      *) fail "record type 0x$type in the server's first flight" ;;
    esac
    hs+=$frag
    while [ ${#hs} -ge 8 ]; do
      mlen=$((16#${hs:2:6}))
      [ ${#hs} -ge $((8 + 2 * mlen)) ] || break
      if [ "${hs:0:2}" = 0e ]; then return 0; fi
      hs=${hs:8+2*mlen}
    done
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "$TESTLIB"
  command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
  for case in tls12-ecdhe-rsa tls12-rsa-client-auth tls10-dhe-rsa; do
    d=$TESTDATA/handshakes/$case
    exec 4< <(cat "$d/2-server-flight.tls" "$d/4-server-finished.tls")
    read_server_flight 4 "$T/flight.tls"
    cat <&4 >"$T/rest.tls"
    exec 4<&-
    cmp "$T/flight.tls" "$d/2-server-flight.tls" || fail "$case: the flight read differs from 2-server-flight.tls"
    cmp "$T/rest.tls" "$d/4-server-finished.tls" || fail "$case: the reader consumed bytes after the flight"
  done
  # An alert ends the read; the bytes after it stay.
  exec 4< <(printf '\x15\x03\x03\x00\x02\x02\x28\x16')
  read_server_flight 4 "$T/alert.tls"
  [ "$(xxd -p "$T/alert.tls")" = 15030300020228 ] || fail "alert record not read whole"
  [ "$(xxd -p <&4)" = 16 ] || fail "the reader consumed bytes after the alert"
  exec 4<&-
fi
