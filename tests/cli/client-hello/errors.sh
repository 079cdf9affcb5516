#!/usr/bin/env bash
source "$TESTLIB"
# hsk client-hello: bad options exit 2, an unwritable state or output exits 4, a state file
# that is not one exits 3; a failed run writes nothing to stdout and leaves no state behind.
cd "$T"

usage() {
  expect_exit 2 "$HSK" client-hello "$@"
  [ ! -s out ] || fail "'$*' wrote to stdout"
}
usage                                                   # no --state
usage --state c.json --suites bogus
expect_contains err "unknown cipher suite 'bogus'"
usage --state c.json --suites 'rsa,,dhe'
usage --state c.json --suites 0x12345
usage --state c.json --version tls1.3
usage --state c.json --version ssl3.0
usage --state c.json --version tls9
usage --state c.json --record-version 0x0203
usage --state c.json --random 00ff
expect_contains err "32 bytes"
usage --state c.json --random nothex
usage --state c.json --time -1
usage --state c.json --session-id "$(printf '%066d' 0)"
expect_contains err "at most 32"
usage --state c.json --session-id xyz
usage --state c.json --compression zstd
usage --state c.json --groups curve9
usage --state c.json --sigalgs rsa_sha256
usage --state c.json --point-formats round
usage --state c.json --alpn "h2,,x"
usage --state c.json --sni 'bad name'
usage --state c.json --sni 'host.'
usage --state c.json --no-extensions --sni a.example
usage --state c.json --no-extensions --alpn h2
usage --state c.json --scsv --no-reneg
usage --state c.json --session-id 00 --resume c.json
usage --state - 
usage --state c.json -o c.json
usage --state c.json --nonsense
[ ! -e c.json ] || fail "a usage error left a state file"

# I/O: the state cannot be written (nothing goes out then), the output cannot be written.
expect_exit 4 "$HSK" client-hello --state /nonexistent/dir/c.json
[ ! -s out ] || fail "a ClientHello went out although the state could not be written"
expect_contains err "/nonexistent/dir/c.json"
mkdir ro && chmod 500 ro
if [ "$(id -u)" != 0 ]; then
  expect_exit 4 "$HSK" client-hello --state ro/c.json
fi
expect_exit 4 "$HSK" client-hello --state c.json -o /nonexistent/dir/1.tls
expect_contains err "/nonexistent/dir/1.tls"
ls -a | grep -q '\.tmp-' && fail "a temporary file was left behind"

# --resume: a missing file (4), not a state (3), a newer format (3), the other role (2), a
# state without a ServerHello (2).
expect_exit 4 "$HSK" client-hello --state c.json --resume missing.json
echo 'not json' >bad.json
expect_exit 3 "$HSK" client-hello --state c.json --resume bad.json
expect_contains err "bad.json: not an hsk state file"
expect_exit 0 "$HSK" client-hello --state first.json
sed 's/"hsk_state": 1/"hsk_state": 7/' first.json >newer.json
expect_exit 3 "$HSK" client-hello --state c.json --resume newer.json
expect_contains err "written by a newer hsk"
sed 's/"role": "client"/"role": "server"/' first.json >server.json
expect_exit 2 "$HSK" client-hello --state c.json --resume server.json
expect_contains err "server.json: this is a server state file"
expect_exit 2 "$HSK" client-hello --state c.json --resume first.json
expect_contains err "no ServerHello"
