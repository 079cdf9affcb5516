# shellcheck shell=bash
# Sourced by the CLI tests that put hsk's server steps behind socat (after lib.sh).
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
