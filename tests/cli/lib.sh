# Sourced by every CLI test. Gives: $HSK, $TESTDATA, a scratch dir $T, and assertions.
set -euo pipefail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_exit CODE cmd... : runs cmd, checks its exit status, keeps stdout in $T/out, stderr in $T/err
expect_exit() {
  local want=$1; shift
  set +e; "$@" >"$T/out" 2>"$T/err"; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, expected $want"; }
}
expect_contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks: $2"; }; }
expect_lines() { local n; n=$(wc -l <"$1"); [ "$n" = "$2" ] || { cat "$1" >&2; fail "$1 has $n lines, expected $2"; }; }
