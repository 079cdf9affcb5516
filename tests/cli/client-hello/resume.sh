#!/usr/bin/env bash
source "$TESTLIB"
# hsk client-hello --resume STATE: the session id, version and suite come from the ServerHello
# an earlier client state received (here OpenSSL's, from testdata/handshakes/tls12-rsa); the
# suite is added when the list lacks it; the new state records the session being resumed.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"

# The earlier state: a ClientHello of ours, then OpenSSL's ServerHello (its first message:
# offset 5, 4 + 81 bytes) and a master secret, as a later step would have stored them.
flight=$TESTDATA/handshakes/tls12-rsa/2-server-flight.tls
sh_hex=$(xxd -p -s 5 -l 85 "$flight" | tr -d '\n')
[ "${sh_hex:0:8}" = 02000051 ] || fail "fixture: ServerHello not where expected"
sid=$(jq -r '.inputs[0].records[0].messages[0].body.session_id' < <("$HSK" decode --json "$flight"))
[ ${#sid} = 64 ] || fail "fixture: no 32-byte session id"
expect_exit 0 "$HSK" client-hello --state first.json --suites rsa
jq --arg sh "$sh_hex" '.transcript += [{"from": "server", "type": "server_hello", "hex": $sh}]
  | .secrets.master_secret = ("ab" * 48) | .values.handshake_complete = "true"' first.json >earlier.json

expect_exit 0 "$HSK" client-hello --state again.json --resume earlier.json --suites ecdhe-rsa --explain
cp out again.tls
expect_contains err "asks to resume the earlier session"
b() { "$HSK" decode --json again.tls | jq -r ".inputs[0].records[0].messages[0].body | $1"; }
[ "$(b .session_id)" = "$sid" ] || fail "session id not taken from the earlier ServerHello"
[ "$(b .client_version.name)" = "TLS 1.2" ] || fail "version"
[ "$(b '.cipher_suites[-1].code')" = 156 ] || fail "the resumed suite (0x009c) was not appended"
[ "$(b '.cipher_suites[0].name')" = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ] || fail "the asked suites do not come first"
[ "$(jq -r .resume.session_id again.json)" = "$sid" ] || fail "state resume.session_id"
[ "$(jq -r .resume.cipher_suite again.json)" = 0x009c ] || fail "state resume.cipher_suite"
[ "$(jq -r .resume.version again.json)" = 0x0303 ] || fail "state resume.version"
[ "$(jq -r .resume.extended_master_secret again.json)" = true ] || fail "state resume.extended_master_secret"
[ "$(jq -r .resume.master_secret again.json)" = "$(printf 'ab%.0s' $(seq 48))" ] || fail "state resume.master_secret"
[ "$(jq -r .session_id again.json)" = "$sid" ] || fail "state session_id"

# The version follows the session unless asked; a state may resume into itself.
jq '.transcript[1].hex |= (.[0:8] + "0301" + .[12:])' earlier.json >earlier10.json
expect_exit 0 "$HSK" client-hello --state earlier10.json --resume earlier10.json
"$HSK" decode --json out | jq -e '.inputs[0].records[0].messages[0].body.client_version.code == 769' >/dev/null ||
  fail "the session's TLS 1.0 was not used"
expect_exit 0 "$HSK" client-hello --state c.json --resume earlier.json --version tls1.1
"$HSK" decode --json out | jq -e '.inputs[0].records[0].messages[0].body.client_version.code == 770' >/dev/null ||
  fail "--version did not override the session's"

# A ServerHello without a session id cannot be resumed by id.
jq --arg sh "02000031${sh_hex:8:68}00${sh_hex:142}" '.transcript += [{"from": "server", "type": "server_hello", "hex": $sh}]' \
  first.json >nosid.json
expect_exit 2 "$HSK" client-hello --state c.json --resume nosid.json
expect_contains err "gave no session id"
