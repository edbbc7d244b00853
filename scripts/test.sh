#!/usr/bin/env bash
# Runs every test suite and prints what each counted. Exits non-zero if any suite failed.
#   unit (app, server) · integration on SQLite · integration on PostgreSQL · browser (Chromium)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/env.sh
. scripts/env.sh
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
summary=()
total_passed=0
total_failed=0
status=0

# Sums "test result: ok. N passed; M failed" lines of cargo test output.
cargo_counts() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "%d %d\n", p, f }' "$1"
}

run_suite() {
  local name="$1"; shift
  local log="$logs/$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
  echo "==> $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local passed failed
  if [ "${SUITE_KIND:-cargo}" = cargo ]; then
    read -r passed failed < <(cargo_counts "$log")
  else
    passed=$(grep -Eo '^ *[0-9]+ passed' "$log" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
    failed=$(grep -Eo '^ *[0-9]+ failed' "$log" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
  fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  [ "$rc" -eq 0 ] || status=1
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  summary+=("$(printf '%-32s %4d passed, %d failed' "$name" "$passed" "$failed")")
}

run_suite "unit: app (shared rules, types)" cargo test -p app --features ssr
run_suite "unit: server" cargo test -p server --lib --bins
# Everything but the PostgreSQL tests: the SQLite ones and those that need no database.
run_suite "integration: SQLite" cargo test -p server --test api -- --skip postgres::

pg_url="${PORTCULLIS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
pg_host="$(sed -E 's#^[a-z]+://([^@/]*@)?([^:/?]+).*#\2#' <<<"$pg_url")"
pg_port="$(sed -nE 's#^[a-z]+://([^@/]*@)?[^:/?]+:([0-9]+).*#\2#p' <<<"$pg_url")"
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$pg_host" -p "${pg_port:-5432}"; then
  PORTCULLIS_REQUIRE_POSTGRES=1 run_suite "integration: PostgreSQL" cargo test -p server --test api -- postgres::
else
  echo "==> integration: PostgreSQL"
  echo "SKIPPED: PostgreSQL is not reachable at $pg_host:${pg_port:-5432} (set PORTCULLIS_TEST_POSTGRES_URL)"
  summary+=("$(printf '%-32s SKIPPED (not reachable at %s:%s)' "integration: PostgreSQL" "$pg_host" "${pg_port:-5432}")")
fi

echo "==> release build for the browser tests"
if cargo leptos build --release --split --precompress; then
  SUITE_KIND=playwright run_suite "browser: Chromium" npm --prefix end2end test
else
  echo "the release build failed"
  status=1
  summary+=("$(printf '%-32s not run: the release build failed' "browser: Chromium")")
fi

echo
echo "Summary"
for line in "${summary[@]}"; do echo "  $line"; done
echo
echo "$total_passed passed, $total_failed failed"
exit "$status"
