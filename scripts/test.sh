#!/usr/bin/env bash
# The README's second command: installs what is missing and runs every test.
#   1. format and lint of the workspace (cargo fmt, clippy native + wasm32), and the core's
#      purity: nothing of wasm-bindgen, js-sys or web-sys in crm-core's dependency tree
#   2. native tests of the workspace (cargo test), and each fuzz target for a short while
#   3. a fresh test backend (PostgreSQL + Parse Server on 127.0.0.1:1437), stopped at exit
#   4. browser tests of the wasm surface against it: headless Chromium and Firefox
#   5. backend tests (CLPs, ACLs, Cloud Code, GraphQL) over HTTP, and the adversarial security
#      suite (tests/security/: raw REST, GraphQL and LiveQuery as hostile signed-up users)
#   6. the release package: typed .d.ts, no secrets; the React app linted (eslint with the
#      react-hooks rules), type-checked and built; the Parse JS SDK compatibility suite (tests/sdk/);
#      the bad-input table, fault injection with a killed server, two-user security, a load test
#   7. end-to-end: Playwright drives the app in Chromium against the backend, both the built app
#      and the Vite dev server as `scripts/dev.sh` serves it (StrictMode on); screenshots of every
#      screen and axe-core checks at 1440x900 and 390x844 (tests/artifacts/)
#   8. a quick run of the side-by-side benchmark against the Parse JS SDK
#   9. the cluster (scripts/cluster-test.sh): Live Query across instances, an API instance, the
#      LiveQuery process and Redis killed under load, backup and restore, throughput 1/2/4
#  10. the test backend's crash log is empty (it runs supervised, so a crash would be hidden)
# Ends with one line "N passed, N failed" summing every runner's own counts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/scripts/node_modules/.bin:$HOME/.cargo/bin:$PATH"
logs="$root/target/test-logs"
mkdir -p "$logs"
# Browsers leave their profiles behind when killed (wasm-pack's Chromium, the e2e runs), and the
# package tests their consumer apps: every temporary file of the run goes in one folder, removed
# at its end, so runs on one machine do not fill its disk.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/crm-test.XXXXXX")
export TMPDIR=$scratch
trap 'rm -rf "$scratch"' EXIT INT TERM
passed=0
failed=0

step() { printf '\n=== %s\n' "$*"; }

# Runs a test command, shows its output, adds its counts to the totals. A runner that fails
# without reporting counts still counts as one failure.
run_counted() {
  local name=$1; shift
  local log="$logs/$name.log" rc=0
  "$@" 2>&1 | tee "$log" || rc=$?
  local p f
  # cargo/wasm-bindgen-test: "test result: ok. 8 passed; 0 failed"; node --test: "# pass 8".
  read -r p f < <(awk '
    /test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed/ {
      for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
    /^# pass [0-9]+$/ { p += $3 }
    /^# fail [0-9]+$/ { f += $3 }
    END { print p+0, f+0 }' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  printf -- '--- %s: %s passed, %s failed (exit %s)\n' "$name" "$p" "$f" "$rc"
}

step "tools"
bash scripts/ensure-tools.sh

step "format and lint"
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --workspace --target wasm32-unknown-unknown --all-targets -- -D warnings
# The build, not a README table, keeps browser types out of the core: with every feature, for
# every target (its TypeScript declarations are a checked file, not a derive).
if cargo tree -p crm-core -e normal --all-features --target all --prefix none | grep -E '^(wasm-bindgen|js-sys|web-sys) '; then
  echo "crm-core depends on a browser crate (above)"; exit 1
fi

step "native tests (the workspace: crm-core and crm-wasm)"
run_counted native cargo test --quiet --workspace
step "fuzzing (cargo-fuzz, ${CRM_FUZZ_SECONDS:=20} s per target; scripts/fuzz.sh runs longer)"
run_counted fuzz bash scripts/fuzz.sh "$CRM_FUZZ_SECONDS"

step "test backend"
. scripts/test-backend.sh
start_test_backend "$logs/fault-proxy.log"
trap 'stop_test_backend; rm -rf "$scratch"' EXIT INT TERM
# A sales-manager account (role membership needs the master key: set up here, not in a browser).
CRM_TEST_MANAGER=$(node tests/support/make-manager.mjs)
export CRM_TEST_MANAGER

# wasm-bindgen-test gives each test file 20 s by default; on a busy machine (the CI box runs
# two other checkouts' suites) the Live Query files, which wait on real reconnects, need more.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-60}
# One test file at a time: cargo stops at the first file that fails, and the files after it
# went uncounted (a CI run reported one failure and 16 tests fewer, with no way to tell which).
# (wasm-pack hands cargo's --no-fail-fast to `cargo build` too, which refuses it.)
# A file whose page stopped answering before any test reported ("Failed to detect test as
# having been run": ChromeDriver gives up after webdriver.json's 60 s page load) is run once
# more, and said so. Seen in Chromium on browser_local, intermittently since 2026-11-30 and in
# two of three loads on 2026-12-01: the page never finished loading its scripts. browser_local
# was the only test file with an inline_js snippet of its own; with its helpers made at run
# time instead, 9 loads of 9 finished. The rerun stays as a safety net. A test that fails an
# assertion is never run again.
browser_tests() {
  local rc=0 file out
  for file in tests/browser*.rs; do
    out=$(mktemp)
    if ! wasm-pack test "$@" --mode no-install --test "$(basename "$file" .rs)" 2>&1 | tee "$out"; then
      if grep -q 'Failed to detect test as having been run' "$out" && ! grep -q '^test result' "$out"; then
        echo "=== RUN AGAIN: the browser stopped answering before $(basename "$file" .rs) reported (above); once more"
        wasm-pack test "$@" --mode no-install --test "$(basename "$file" .rs)" || rc=1
      else
        rc=1
      fi
    fi
    rm -f "$out"
  done
  return "$rc"
}
step "browser tests: headless Chromium"
run_counted browser-chromium browser_tests --headless --chrome
step "browser tests: headless Firefox"
run_counted browser-firefox browser_tests --headless --firefox

step "backend tests"
run_counted backend node --test tests/backend/

step "security: attacks on the backend over raw HTTP, GraphQL and WebSocket"
run_counted security node --test --test-concurrency=1 tests/security/

step "package and app build"
bash scripts/build.sh release
run_counted www-lint bash -c 'cd www && npx eslint --max-warnings 0 src && echo "# pass 1"'
(cd www && VITE_PARSE_SERVER_URL="$CRM_TEST_SERVER_URL" npm run --silent build)
run_counted package node --test tests/pkg.test.mjs

step "Parse JS SDK compatibility (the description's snippets with npm parse, GraphQL, interop with crm-wasm)"
run_counted sdk node --test tests/sdk/

step "robustness and security (bad input, faults, two users, load)"
run_counted robustness node --test tests/robustness/

step "end-to-end (Playwright + Chromium)"
run_counted e2e node --test --test-concurrency=1 tests/e2e/

step "benchmark smoke run (bench/compare.mjs --quick; bash scripts/bench.sh for figures)"
run_counted bench node --test tests/bench.test.mjs

step "the cluster (scripts/cluster-test.sh: 2 API instances, LiveQuery, Redis, HAProxy; instances killed)"
run_counted cluster bash scripts/cluster-test.sh

# Parse Server runs supervised, so a crash would go unnoticed by the tests that come after it:
# any line in the crash log fails the run.
step "no crash of the test backend during the run"
if bash backend/ctl.sh crashes test; then
  echo "no crash"; passed=$((passed + 1))
else
  echo "Parse Server crashed during the tests (backend/.data/test/crashes.log above)"; failed=$((failed + 1))
fi

printf '\n%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
