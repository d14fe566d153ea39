#!/usr/bin/env bash
# Fuzzes the pure core natively with cargo-fuzz (libFuzzer) on stable Rust: every target in
# fuzz/fuzz_targets for SECONDS each (default 60). A crash stops that target; its input is saved
# under fuzz/artifacts/<target>/ -- copy it into fuzz/regressions/<target>/ so that `cargo test`
# (tests/fuzz_regressions.rs) replays it from then on.
#   fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${1:-60}
shift || true
command -v cargo-fuzz >/dev/null || bash "$root/scripts/ensure-tools.sh"
cd "$root/fuzz"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
# No sanitizer: stable Rust cannot build ASan, and safe Rust does not need it to find panics.
# RUSTC_BOOTSTRAP lets cargo-fuzz pass its few unstable flags to the stable compiler.
export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none --release >/dev/null 2>&1 || cargo fuzz build --sanitizer none --release
failed=0
ok=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "[fuzz] $t for ${seconds}s"
  if cargo fuzz run --sanitizer none --release "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 >"corpus/$t.log" 2>&1; then
    grep -E "stat::number_of_executed_units|stat::new_units_added" "corpus/$t.log" | sed "s/^/[fuzz] $t /"
    ok=$((ok + 1))
  else
    failed=$((failed + 1))
    tail -40 "corpus/$t.log"
    echo "[fuzz] $t FAILED: the input is in fuzz/artifacts/$t/"
  fi
done
# In node --test's words, so scripts/test.sh counts each target as a test.
echo "# pass $ok"
echo "# fail $failed"
[ "$failed" -eq 0 ]
