#!/bin/sh
# What the campaign ran, per target, as libFuzzer's final statistics say
# (docs/reliability.md counts only these): inputs run, seconds, and how
# many rounds ended with a crash, timeout or leak report.
# Usage: fuzz/tally.sh [LOG...]   (default: fuzz/logs/*.log of campaign.sh)
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- logs/*.*.log
awk '
  FNR == 1 { target = FILENAME; sub(/^.*\//, "", target); sub(/\..*$/, "", target) }
  /stat::number_of_executed_units:/ { runs[target] += $2; total += $2 }
  /Done [0-9]+ runs in [0-9]+ second/ { for (i = 1; i <= NF; i++) if ($i == "in") secs[target] += $(i + 1) }
  /==[0-9]+== ERROR: libFuzzer|deadly signal|panicked at/ { found[target]++ }
  END {
    for (t in runs) printf "%-6s %12d inputs %8d s %3d findings\n", t, runs[t], secs[t], found[t]
    printf "total  %12d inputs\n", total
  }
' "$@"
