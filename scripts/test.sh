#!/usr/bin/env bash
# Every test: typecheck, the pure-core unit tests, then the integration and crash suites against SQLite
# and against PostgreSQL (SAOMA_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test), then the
# browser tests (Debian's Chromium through playwright-core, on SQLite; SAOMA_CHROMIUM overrides the path).
# Ends with one line "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
status=0

run() {
  local label=$1; shift
  echo "== $label"
  "$@" 2>&1 | tee -a "$log" | grep -E '^ *(not ok|# (pass|fail|tests))' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}

echo "== typecheck"
npx tsc --noEmit || status=1
npx tsc --noEmit -p web/pos || status=1
npx tsc --noEmit -p web/wallet || status=1
npx tsc --noEmit -p web/display || status=1
npx tsc --noEmit -p web/console || status=1

# The POS terminal (web/pos) and the wallet simulator (web/wallet), both Vite, are built before the tests
# that check their bundles and drive them in Chromium.
echo "== build the web apps (/pos, /wallet, /display, /console)"
npm run -s build:web || status=1

run "unit" node --import tsx --test --test-reporter=tap $(find test/unit -name '*.test.ts' | sort)
for store in sqlite pg; do
  run "integration on $store" env SAOMA_TEST_STORE=$store node --import tsx --test --test-reporter=tap --test-concurrency=2 $(find test/integration -name '*.test.ts' | sort)
done

run "browser on sqlite" env SAOMA_TEST_STORE=sqlite node --import tsx --test --test-reporter=tap --test-concurrency=1 $(find test/browser -name '*.test.ts' | sort)

passed=$(grep -E '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
# A test cancelled (its parent timed out, or it left a promise pending) did not pass either.
failed=$(grep -E '^# (fail|cancelled) [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
if [ "$failed" -gt 0 ]; then
  echo; echo "Failures:"; grep -B2 -A30 '^ *not ok' "$log" | grep -vE '^ *(ok|#)' | head -300
fi
rm -f "$log"
[ "$failed" -eq 0 ] || status=1
echo "tests: $passed passed, $failed failed"
exit $status
