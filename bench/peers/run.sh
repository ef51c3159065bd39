#!/usr/bin/env bash
# dun beside its peers, in one command (from anywhere):
#
#   bench/peers/run.sh [--profile release|dev] [--accounts N] [--runs R]
#
# Installs the pinned peers (package.json, package-lock.json: asl-validator
# 4.0.0, XState 5.33.3) with `npm ci`, writes the workloads (gen.js), then
#  1. checks the same 3,000-stage chain with `dun check` (a .dun flow) and
#     with asl-validator (the Amazon States Language machine), whole process
#     each, the median of R runs; goal: dun at least 30x faster;
#  2. steps the same collection machine for N accounts (default 100,000)
#     through dun's engine (bench/examples/peers_engine.rs) and XState v5's
#     pure transition() (xstate_run.js), transitions per CPU-second; goal:
#     dun at least 100x.
# Figures for docs/performance.md come from `--profile release` (the fat
# LTO build takes minutes); `--profile dev` is for trying the harness.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
profile=release accounts=100000 runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: $0 [--profile release|dev] [--accounts N] [--runs R]" >&2; exit 2 ;;
  esac
done
case "$profile" in release) dir=release; flag=--release ;; dev) dir=debug; flag= ;;
  *) echo "--profile is release or dev" >&2; exit 2 ;; esac

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
work="$here/work"
node "$here/gen.js" "$work" 3000
(cd "$root" && cargo build -q $flag -p dun --bin dun && cargo build -q $flag -p dun-bench --example peers_engine)
dun="$root/target/$dir/dun"
engine="$root/target/$dir/examples/peers_engine"

# Wall-clock milliseconds of a whole process, the median of $runs.
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

dun_ms=$(median_ms "$dun" check "$work/chain.dun")
asl_ms=$(median_ms node "$here/node_modules/.bin/asl-validator" --json-path "$work/chain.asl.json")
echo "check, 3,000 stages, whole process (median of $runs): dun ${dun_ms} ms, asl-validator ${asl_ms} ms"

dun_json=$("$engine" "$work/collection.dun" "$accounts")
xs_json=$(node "$here/xstate_run.js" "$accounts")
echo "engine, $accounts accounts: dun $dun_json"
echo "engine, $accounts accounts: xstate $xs_json"

node - "$dun_ms" "$asl_ms" "$dun_json" "$xs_json" <<'JS'
const [dunMs, aslMs, d, x] = process.argv.slice(2);
const dj = JSON.parse(d), xj = JSON.parse(x);
const rate = (j) => j.transitions / Math.max(j.cpu_seconds, 0.01);
const check = Number(aslMs) / Math.max(Number(dunMs), 1);
const engine = rate(dj) / rate(xj);
const say = (name, r, goal) =>
  console.log(`${name}: dun ${r.toFixed(1)}x (goal ${goal}x: ${r >= goal ? 'met' : 'missed'})`);
console.log(`dun ${Math.round(rate(dj)).toLocaleString('en')} transitions/CPU-s, XState ${Math.round(rate(xj)).toLocaleString('en')}`);
say('check vs asl-validator, whole process', check, 30);
say('engine vs XState transition(), per CPU-second', engine, 100);
JS
