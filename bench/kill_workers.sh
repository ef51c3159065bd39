#!/usr/bin/env bash
# Issue 16's kill test at its size, in one command (from anywhere):
#
#   bench/kill_workers.sh [ACCOUNTS]      # 200,000 by default
#
# Runs the consumer cards example for ACCOUNTS accounts from 2026-03-02 to
# 2026-05-15 once on SQLite, uninterrupted; then three `dun run --worker`
# processes over one database of a throw-away PostgreSQL cluster
# (runtime/src/store/testpg.rs), SIGKILLs one of them at random moments
# three times (starting a fresh one each time), lets them finish, and
# checks the exported actions against the SQLite run's, id for id and line
# for line, and `dun status` against its. Prints the seed (DUN_KILL_SEED
# replays one), the kills' moments and the times.
#
# The `dun` processes are the release build (fat LTO: minutes to build);
# the harness is the debug test `kill_test_at_scale` of tests/workers.rs.
# It needs about 3 GB of disk per 100,000 accounts under target/ (two
# stores and two actions files) while it runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
accounts="${1:-200000}"
nice cargo build --release --bin dun
DUN_KILL_BIN="$root/target/release/dun" DUN_KILL_ACCOUNTS="$accounts" \
  cargo test --test workers kill_test_at_scale -- --ignored --nocapture
