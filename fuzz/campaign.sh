#!/bin/sh
# The fuzzing campaign (docs/reliability.md): each target in turn on one
# core for the seconds given, inputs cut at MAX_LEN bytes, starting from
# the seeds and the corpus earlier runs grew. A crash stops libFuzzer; its
# input is kept in fuzz/artifacts/TARGET/ and fuzzing goes on for the time
# left. Built without a sanitizer (dun forbids unsafe code; the sanitizer
# tripled the time per input) but with debug assertions, so an arithmetic
# overflow is a crash.
# Usage: fuzz/campaign.sh TARGET:SECONDS:MAX_LEN...
# TIMEOUT (seconds of wall time for one input, default 60: the campaign
# runs at the lowest priority beside other work) marks an input as hung.
# Logs go to fuzz/logs/ (not committed); fuzz/tally.sh sums what ran.
set -eu
cd "$(dirname "$0")"
mkdir -p logs seeds/check
# The flows of the fixtures and the examples seed the parser, checker and
# formatter targets.
# (NO_SEED_COPY: they were copied already, as by a run started beside.)
[ "${NO_SEED_COPY:-}" ] || find ../tests/cases ../examples -name '*.dun' | while read -r f; do
  cp "$f" "seeds/check/$(echo "$f" | sed 's|^\.\./||; s|/|_|g')"
done
# Built once: the targets then run as they are while the sources change.
[ "${NO_BUILD:-}" ] || nice cargo +nightly fuzz build -s none -O --debug-assertions
bin=target/x86_64-unknown-linux-gnu/release
for spec in "$@"; do
  target=${spec%%:*}
  rest=${spec#*:}
  seconds=${rest%%:*}
  max_len=${rest#*:}
  seeds=seeds/$target
  [ "$target" = fmt ] && seeds=seeds/check
  mkdir -p "corpus/$target" "artifacts/$target"
  end=$(( $(date +%s) + seconds ))
  began=$(date +%s)
  round=0
  while [ "$(date +%s)" -lt "$end" ]; do
    round=$((round + 1))
    left=$(( end - $(date +%s) ))
    echo "$(date -u +%FT%TZ) $target round $round ${left}s max_len=$max_len" >>logs/campaign.log
    nice "$bin/$target" "corpus/$target" "$seeds" \
      -max_total_time="$left" -timeout="${TIMEOUT:-60}" -rss_limit_mb=2048 -max_len="$max_len" \
      -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
      >"logs/$target.$began.$round.log" 2>&1 || true
    grep -h "stat::number_of_executed_units\|Test unit written\|panicked at" "logs/$target.$began.$round.log" >>logs/campaign.log || true
  done
done
