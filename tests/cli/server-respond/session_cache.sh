#!/usr/bin/env bash
source "$TESTLIB"
# Session resumption by session id over files, hsk client steps against hsk server steps
# (RFC 5246 §7.3 Figure 2):
#   full:    client-hello | server-respond --session-cache cache | derive-pms (client) |
#            derive-pms (server: stores the session once the client Finished verified) | finish
#   resumed: client-hello --resume c1.json | server-respond --session-cache cache (ServerHello,
#            ChangeCipherSpec, Finished) | derive-pms (client: checks the server Finished,
#            sends its own) | finish --state s2.json (server)
# Asserted: the cache directory is 0700 and the entry 0600, named by the session id, its JSON
# fields (session_id, version, cipher_suite, extended_master_secret, master_secret = the
# server state's, expires - created = the lifetime); the resumed flight's records parsed by
# hand (xxd): a ServerHello record whose session id is the old one and suite the old one, a
# ChangeCipherSpec record 14 03 03 00 01 01, one protected handshake record, nothing else (no
# Certificate); both states resumed, handshake complete, the old master secret and a new key
# block; application data each way. Misses: --session-lifetime 0 (entry stored already
# expired: full handshake, the file removed, --explain says so); a corrupt entry (a warning
# naming the file, exit 0, full handshake); a ClientHello without extended_master_secret for
# an EMS session (full, RFC 7627 §5.3 in --explain); derive-pms on a resumed server state is a
# usage error (exit 2) pointing to hsk finish.
for tool in jq xxd; do command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"; done
cd "$T"
"$HSK" gen-cert --test-pki pki --seed session-cache >/dev/null 2>&1 || fail "gen-cert --test-pki"
srv=(--cert pki/server-rsa.pem --key pki/server-rsa.key)

# full NAME CACHE [SERVER-RESPOND ARGS...]: a whole handshake over files.
full() {
  local n=$1 cache=$2
  shift 2
  "$HSK" client-hello --state "$n.c.json" --suites ECDHE-RSA-AES128-GCM-SHA256 >"$n.1.tls"
  "$HSK" server-respond "${srv[@]}" --state "$n.s.json" --session-cache "$cache" "$@" <"$n.1.tls" >"$n.2.tls"
  "$HSK" derive-pms --state "$n.c.json" --ca pki/ca.pem <"$n.2.tls" >"$n.3.tls"
  "$HSK" derive-pms --state "$n.s.json" <"$n.3.tls" >"$n.4.tls"
  "$HSK" finish -q --state "$n.c.json" <"$n.4.tls"
}

full a cache
sid=$(jq -r .server_session_id a.s.json)
[ ${#sid} = 64 ] || fail "session id '$sid'"
[ -f "cache/$sid" ] || fail "no cache entry cache/$sid"
[ "$(ls cache)" = "$sid" ] || fail "cache holds: $(ls cache)"
[ "$(stat -c %a cache)" = 700 ] || fail "cache directory mode $(stat -c %a cache)"
[ "$(stat -c %a "cache/$sid")" = 600 ] || fail "cache entry mode $(stat -c %a "cache/$sid")"
ms=$(jq -r .secrets.master_secret a.s.json)
[ "$ms" = "$(jq -r .secrets.master_secret a.c.json)" ] || fail "first handshake: master secrets differ"
e="cache/$sid"
[ "$(jq -r .session_id "$e")" = "$sid" ] || fail "entry session_id"
[ "$(jq -r .version "$e")" = 0x0303 ] || fail "entry version $(jq -r .version "$e")"
[ "$(jq -r .cipher_suite "$e")" = 0xc02f ] || fail "entry cipher_suite $(jq -r .cipher_suite "$e")"
[ "$(jq -r .extended_master_secret "$e")" = true ] || fail "entry extended_master_secret"
[ "$(jq -r .master_secret "$e")" = "$ms" ] || fail "entry master_secret"
[ $(($(jq -r .expires "$e") - $(jq -r .created "$e"))) = 7200 ] || fail "entry lifetime is not the default 7200"
now=$(date +%s)
created=$(jq -r .created "$e")
[ $((now - created)) -ge 0 ] && [ $((now - created)) -lt 120 ] || fail "entry created $created, now $now"
[ "$(jq -r .values.session_cache a.s.json)" = "$T/cache" ] || fail "state values.session_cache"

# The resumption.
"$HSK" client-hello --state b.c.json --resume a.c.json >b.1.tls
"$HSK" server-respond "${srv[@]}" --state b.s.json --session-cache cache --explain <b.1.tls >b.2.tls 2>b.explain
expect_contains b.explain "finds the session in its cache and resumes it"
# Record 1: the ServerHello, alone in its record.
[ "$(xxd -p -l 1 b.2.tls)" = 16 ] || fail "first record is not handshake"
len1=$((16#$(xxd -p -s 3 -l 2 b.2.tls)))
[ "$(xxd -p -s 5 -l 1 b.2.tls)" = 02 ] || fail "first message is not ServerHello"
[ "$(xxd -p -s 9 -l 2 b.2.tls)" = 0303 ] || fail "ServerHello version"
[ "$(xxd -p -s 43 -l 1 b.2.tls)" = 20 ] || fail "session id length"
[ "$(xxd -p -c 64 -s 44 -l 32 b.2.tls)" = "$sid" ] || fail "ServerHello does not echo the session id"
[ "$(xxd -p -s 76 -l 2 b.2.tls)" = c02f ] || fail "ServerHello suite"
[ $((16#$(xxd -p -s 6 -l 3 b.2.tls))) = $((len1 - 4)) ] || fail "more than the ServerHello in its record"
# Record 2: ChangeCipherSpec; record 3: protected handshake (the Finished); then nothing.
off=$((5 + len1))
[ "$(xxd -p -s $off -l 6 b.2.tls)" = 140303000101 ] || fail "no ChangeCipherSpec after the ServerHello"
off=$((off + 6))
[ "$(xxd -p -s $off -l 3 b.2.tls)" = 160303 ] || fail "no handshake record after ChangeCipherSpec"
len3=$((16#$(xxd -p -s $((off + 3)) -l 2 b.2.tls)))
[ $((off + 5 + len3)) = "$(stat -c %s b.2.tls)" ] || fail "bytes after the server Finished"
[ "$len3" = 40 ] || fail "the Finished record is $len3 bytes (AES-GCM: 8 + 16 + 16)"

"$HSK" derive-pms --state b.c.json --ca pki/ca.pem <b.2.tls >b.3.tls
[ "$(xxd -p -l 6 b.3.tls)" = 140303000101 ] || fail "client flight does not start with ChangeCipherSpec"
"$HSK" finish --state b.s.json <b.3.tls 2>b.fin.err
expect_contains b.fin.err "handshake complete: both Finished verified"
for s in b.c.json b.s.json; do
  [ "$(jq -r .values.resumed $s)" = true ] || fail "$s: not resumed"
  [ "$(jq -r .values.handshake_complete $s)" = true ] || fail "$s: handshake not complete"
  [ "$(jq -r .secrets.master_secret $s)" = "$ms" ] || fail "$s: master secret is not the session's"
  [ "$(jq -r '.secrets.pre_master_secret // "none"' $s)" = none ] || fail "$s: a pre-master secret in a resumed handshake"
done
[ "$(jq -r .secrets.key_block b.c.json)" = "$(jq -r .secrets.key_block b.s.json)" ] || fail "key blocks differ"
[ "$(jq -r .secrets.key_block b.c.json)" != "$(jq -r .secrets.key_block a.c.json)" ] || fail "the key block was not renewed"
[ "$(jq '.transcript | length' b.s.json)" = 4 ] || fail "server transcript length"
echo "ping from the client" | "$HSK" app-data --send --state b.c.json >b.a1.tls
[ "$("$HSK" app-data --recv --state b.s.json <b.a1.tls)" = "ping from the client" ] || fail "server did not read the client's data"
echo "pong from the server" | "$HSK" app-data --send --state b.s.json >b.a2.tls
[ "$("$HSK" app-data --recv --state b.c.json <b.a2.tls)" = "pong from the server" ] || fail "client did not read the server's data"
# The resumed server state has no phase 3.
expect_exit 2 "$HSK" derive-pms --state b.s.json <b.3.tls
expect_contains "$T/err" "hsk finish"
# The resumed client state can be resumed again.
"$HSK" client-hello --state b2.c.json --resume b.c.json >b2.1.tls
"$HSK" server-respond "${srv[@]}" --state b2.s.json --session-cache cache <b2.1.tls >b2.2.tls
[ "$(jq -r .values.resumed b2.s.json)" = true ] || fail "second resumption"

# RFC 7627 §5.3: a ClientHello without extended_master_secret does not resume an EMS session.
"$HSK" client-hello --state n.c.json --resume a.c.json --no-ems >n.1.tls
"$HSK" server-respond "${srv[@]}" --state n.s.json --session-cache cache --explain <n.1.tls >n.2.tls 2>n.explain
expect_contains n.explain "lacks extended_master_secret (RFC 7627 §5.3)"
[ "$(jq -r '.values.resumed // "no"' n.s.json)" = no ] || fail "resumed without EMS"
[ "$(jq -r .server_session_id n.s.json)" != "$sid" ] || fail "no-EMS hello got the old session id"
"$HSK" derive-pms --state n.c.json --ca pki/ca.pem <n.2.tls >n.3.tls || fail "full handshake after an EMS mismatch"

# --session-lifetime 0: stored already expired; the next offer gets a full handshake.
full z cache0 --session-lifetime 0
zsid=$(jq -r .server_session_id z.s.json)
[ -f "cache0/$zsid" ] || fail "lifetime 0: no entry"
[ "$(jq -r .expires "cache0/$zsid")" = "$(jq -r .created "cache0/$zsid")" ] || fail "lifetime 0: expires != created"
"$HSK" client-hello --state y.c.json --resume z.c.json >y.1.tls
"$HSK" server-respond "${srv[@]}" --state y.s.json --session-cache cache0 --explain <y.1.tls >y.2.tls 2>y.explain
expect_contains y.explain "not resumed: its cache entry had expired (removed)"
[ ! -e "cache0/$zsid" ] || fail "the expired entry was not removed"
[ "$(jq -r .server_session_id y.s.json)" != "$zsid" ] || fail "expired session id reused"
"$HSK" derive-pms --state y.c.json --ca pki/ca.pem <y.2.tls >y.3.tls
"$HSK" derive-pms --state y.s.json <y.3.tls >y.4.tls
"$HSK" finish -q --state y.c.json <y.4.tls
[ "$(jq -r '[.transcript[] | select(.from == "server") | .type] | join(",")' y.c.json)" = \
  "server_hello,certificate,server_key_exchange,server_hello_done,finished" ] || fail "expired: not a full handshake"

# Unknown id (cache0 no longer holds it): full handshake, --explain says so.
"$HSK" client-hello --state u.c.json --resume z.c.json >u.1.tls
"$HSK" server-respond "${srv[@]}" --state u.s.json --session-cache cache0 --explain <u.1.tls >u.2.tls 2>u.explain
expect_contains u.explain "not resumed: it is not in the session cache"

# A corrupt entry: a warning naming the file, exit 0, full handshake.
printf '{"session_id": "%s", "version": "0x0303"' "$sid" >"cache/$sid"
expect_exit 0 "$HSK" server-respond "${srv[@]}" --state k.s.json --session-cache cache --explain --in b.1.tls -o k.2.tls
expect_contains "$T/err" "hsk: warning: "
expect_contains "$T/err" "cache/$sid"
expect_contains "$T/err" "treated as a miss"
[ "$(jq -r '.values.resumed // "no"' k.s.json)" = no ] || fail "resumed from a corrupt entry"
[ "$(jq -r .server_session_id k.s.json)" != "$sid" ] || fail "corrupt entry: old id reused"

# Usage: a negative lifetime.
expect_exit 2 "$HSK" server-respond "${srv[@]}" --state bad.s.json --session-cache cache --session-lifetime -1 --in b.1.tls -o bad.tls
echo ok
