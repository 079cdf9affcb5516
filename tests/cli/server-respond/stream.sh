#!/usr/bin/env bash
source "$TESTLIB"
# Stream discipline (DESIGN.md): hsk server-respond reads exactly the ClientHello's records
# from a pipe and not one byte more, so what follows stays for the next reader; also when the
# ClientHello is split over two records, and when it comes over a socketpair (socat EXEC).
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed server-respond-stream >/dev/null 2>&1 || fail "gen-cert --test-pki"
rsa=(--cert pki/server-rsa.pem --key pki/server-rsa.key)
"$HSK" client-hello --state c.json --suites rsa >ch.tls

{ cat ch.tls; printf 'EXTRA BYTES'; } |
  { "$HSK" server-respond --state s.json "${rsa[@]}" >flight.tls || exit 1; cat >rest.bin; } ||
  fail "server-respond failed on a pipe"
[ "$(cat rest.bin)" = "EXTRA BYTES" ] || fail "bytes after the ClientHello were consumed: rest is '$(cat rest.bin)'"
[ "$(xxd -p -l 3 flight.tls)" = 160303 ] || fail "no flight: $(xxd -p -l 8 flight.tls)"

# The ClientHello split over two records (RFC 5246 §6.2.1), then more bytes.
len=$(( $(stat -c %s ch.tls) - 5 ))
h=$(xxd -p -s 5 ch.tls | tr -d '\n')
a=${h:0:40} b=${h:40}
rec() { printf '160301%04x%s' $(( ${#1} / 2 )) "$1"; }
{ rec "$a"; rec "$b"; printf 'ff'; } | xxd -r -p >split.tls
[ $(( $(stat -c %s split.tls) )) = $(( len + 10 + 1 )) ] || fail "split input built wrong"
{ "$HSK" server-respond --state s2.json "${rsa[@]}" >flight2.tls || exit 1; xxd -p >rest2.hex; } <split.tls ||
  fail "server-respond failed on a split ClientHello"
[ "$(cat rest2.hex)" = ff ] || fail "split: bytes after the ClientHello were consumed"
[ "$(jq -r '.transcript[0].hex' s2.json)" = "$h" ] || fail "split: transcript ClientHello differs"
echo ok
