#!/usr/bin/env bash
# Same-machine A/B of the side-by-side runner: this checkout against a baseline commit, run alternately
# (baseline, this, baseline, this, ...) so that both see the same machine state, then per row the median of
# LossGen's milliseconds over the runs and this checkout's time as a percentage of the baseline's; and the same for
# LossGen's time over the copy of x timed in the same run (which takes out how fast the machine's memory is that minute).
#   bench/ab.sh <baseline-commit> [runs per side, default 2] [extra runner arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/ab.sh <baseline-commit> [runs] [runner args...]}
runs=${2:-2}
shift $(( $# >= 2 ? 2 : 1 ))
tree=$(mktemp -d /tmp/lossgen-ab.XXXXXX)
git worktree add -q --detach "$tree" "$base"
trap 'git worktree remove --force "$tree"' EXIT
for dir in "$tree" .; do dotnet build -c Release "$dir/bench/LossGen.SideBySide" > /dev/null; done
out=$(mktemp)
for ((i = 1; i <= runs; i++)); do
  for side in base this; do
    dir=$([ "$side" = base ] && echo "$tree" || echo .)
    dotnet "$dir/bench/LossGen.SideBySide/bin/Release/net10.0/linux-x64/LossGen.SideBySide.dll" \
      --no-check --no-write --no-chart "$@" 2>&1 \
      | awk -v side="$side" '/^  [0-9a-z].*LossGen +[0-9.]+ ms/ { row = $0; sub(/^  /, "", row); sub(/ +(copy|libtorch) .*/, "", row);
          match($0, /LossGen +[0-9.]+ ms/); ms = substr($0, RSTART, RLENGTH); gsub(/[^0-9.]/, "", ms);
          copy = "-"; if (match($0, /copy +[0-9.]+/)) { c = substr($0, RSTART, RLENGTH); gsub(/[^0-9.]/, "", c); if (c + 0 > 0) copy = sprintf("%.3f", ms / c) }
          print side "\t" row "\t" ms "\t" copy }' >> "$out"
  done
done
echo "baseline $(git rev-parse --short "$base") against $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)'), $runs runs each, alternating"
awk -F'\t' '{ v[$1 FS $2] = v[$1 FS $2] " " $3; if ($4 != "-") q[$1 FS $2] = q[$1 FS $2] " " $4; if (!($2 in order)) { order[$2] = ++n; name[n] = $2 } }
  function median(s,   a, k, i, j, t) { k = split(s, a, " "); for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  END { printf "| row | baseline LossGen ms (runs) | this LossGen ms (runs) | this ÷ baseline (medians) | baseline ÷ copy (runs) | this ÷ copy (runs) | this ÷ baseline (÷ copy medians) |\n|---|---|---|---:|---|---|---:|\n";
    for (i = 1; i <= n; i++) { r = name[i]; b = median(v["base" FS r]); t = median(v["this" FS r]);
      ratio = "n/a"; if (q["base" FS r] != "" && q["this" FS r] != "") ratio = sprintf("%.0f %%", 100 * median(q["this" FS r]) / median(q["base" FS r]));
      printf "| %s |%s |%s | %.0f %% |%s |%s | %s |\n", r, v["base" FS r], v["this" FS r], 100 * t / b, q["base" FS r] == "" ? " n/a" : q["base" FS r], q["this" FS r] == "" ? " n/a" : q["this" FS r], ratio } }' "$out"
