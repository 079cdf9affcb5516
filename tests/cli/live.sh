# shellcheck shell=bash
# Sourced (after lib.sh) by the CLI tests that talk to live peers on loopback.
# socat_listen NAME [fork]: socat on a random free loopback port (20 tries), running
# `bash $T/server.sh` with each connection as its standard input and output (DIR=$T, NAME and
# HSK exported for it; `fork`: a script per connection, else one connection). Sets $port and
# $SOCAT_PID; socat's stderr goes to NAME.socat.err in the current directory.
# socat_stop: stops socat (when running) and waits for it.
SOCAT_PID=""
socat_stop() {
  if [ -n "$SOCAT_PID" ]; then
    kill "$SOCAT_PID" 2>/dev/null || true
    wait "$SOCAT_PID" 2>/dev/null || true
  fi
  SOCAT_PID=""
}
# shellcheck disable=SC2034  # port is for the caller
socat_listen() {
  local name=$1 opts=bind=127.0.0.1,reuseaddr p
  if [ "${2:-}" = fork ]; then opts+=,fork; fi
  export DIR=$T NAME=$name HSK
  port=""
  for _ in $(seq 20); do
    p=$((20000 + RANDOM % 40000))
    timeout 60 socat "TCP-LISTEN:$p,$opts" EXEC:"bash $T/server.sh" 2>"$name.socat.err" &
    SOCAT_PID=$!
    for _ in $(seq 30); do
      if ss -ltnH "sport = :$p" | grep -q .; then port=$p; return 0; fi
      kill -0 "$SOCAT_PID" 2>/dev/null || break
      sleep 0.1
    done
    socat_stop
  done
  fail "$name: no free port for socat"
}

# gnutls_cli_to_socat NAME PRIORITY [GNUTLS-CLI ARGS...]: socat_listen NAME, then one
# gnutls-cli connection to it (trusting pki/ca.pem, host name localhost) that sends the line
# "hello from gnutls-cli: NAME"; its output goes to NAME.cli.out. Waits up to 10 s for the
# server script to leave NAME.srv.rc, then stops socat.
gnutls_cli_to_socat() {
  local name=$1 prio=$2
  shift 2
  socat_listen "$name"
  { echo "hello from gnutls-cli: $name"; sleep 2; } | timeout 20 gnutls-cli --port "$port" --x509cafile pki/ca.pem \
    --verify-hostname localhost --priority "$prio" "$@" 127.0.0.1 >"$name.cli.out" 2>&1 || true
  for _ in $(seq 100); do [ -e "$name.srv.rc" ] && break; sleep 0.1; done
  socat_stop
}

# gnutls_serv_start OUT ARGS...: gnutls-serv ARGS (it takes no port 0) on a random free
# loopback port, 8 tries, stopped after 120 s at the latest; its output goes to OUT. Sets
# $port and $SERVER_PID. stop_server: stops it (when running) and waits.
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
# shellcheck disable=SC2034  # port is for the caller
gnutls_serv_start() {
  local out=$1 p
  shift
  port=""
  for _ in 1 2 3 4 5 6 7 8; do
    p=$((20000 + RANDOM % 40000))
    if ss -ltnH "sport = :$p" | grep -q .; then continue; fi
    timeout 120 gnutls-serv --port "$p" "$@" </dev/null >"$out" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
      grep -q 'listening on IPv4.*done' "$out" && break
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if grep -q 'listening on IPv4.*done' "$out"; then port=$p; return 0; fi
    stop_server
  done
  cat "$out" >&2
  fail "gnutls-serv did not start"
}
