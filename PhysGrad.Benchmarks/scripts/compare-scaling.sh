#!/usr/bin/env bash
# Whole-process cost of `physgrad compare --methods M --iterations 100` (one process per method M, by
# default gd:0.001 only) on the Rosenbrock residuals r_i = 10(x_{i+1} - x_i^2) (i < n-1), r_{n-1} = 1 - x0, loss ½‖r‖², start (-1.2, 1, -1.2, …),
# read from a problem file (issues 13 and 14, BENCHMARKS.md). Prints one markdown row per size and
# method: wall time, user and system CPU, peak RSS (GNU time's "Maximum resident set size"), the exit
# code and the final loss (from the run's table).
#
# Usage, from the repository root, after a Release build of the CLI
# (/work/buildslot dotnet build -c Release PhysGrad.Cli/PhysGrad.Cli.csproj):
#   PhysGrad.Benchmarks/scripts/compare-scaling.sh [n ...]        (default: 1000 10000)
# Environment: PHYSGRAD_DLL (default PhysGrad.Cli/bin/Release/net10.0/physgrad.dll),
#   WORK (scratch directory for the problem files, plots and logs; default a fresh mktemp -d),
#   LIMIT (seconds before a run is stopped; default 600),
#   METHODS (space-separated --methods values, one process each; default "gd:0.001"), e.g.
#   METHODS="gd:0.001 newton-cg gn lm" PhysGrad.Benchmarks/scripts/compare-scaling.sh 10000
#   ROUNDS (how many times the whole list of methods is run, interleaved: method by method within a
#   round, so a burst of load falls on every method alike; default 1).
set -euo pipefail
dll=${PHYSGRAD_DLL:-PhysGrad.Cli/bin/Release/net10.0/physgrad.dll}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
limit=${LIMIT:-600}
read -r -a methods <<<"${METHODS:-gd:0.001}"
rounds=${ROUNDS:-1}
[ -f "$dll" ] || { echo "no $dll: build the CLI in Release first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo
echo "| n | method | round | wall | user CPU | system CPU | peak RSS | exit | final loss |"
echo "|---:|---|--:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  problem="$work/rosen$n.json"
  python3 - "$n" "$problem" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
json.dump({"variables": [f"x{i}" for i in range(n)],
           "simulator": [f"10*(x{i+1} - x{i}^2)" for i in range(n - 1)] + ["1 - x0"],
           "target": [0] * n,
           "start": [-1.2 if i % 2 == 0 else 1.0 for i in range(n)]}, open(path, "w"))
PY
  for round in $(seq 1 "$rounds"); do
    for m in "${methods[@]}"; do
      tag="$n-${m//:/_}-$round"
      log="$work/time$tag.txt"
      set +e
      /usr/bin/time -v -o "$log" timeout "$limit" dotnet "$dll" compare --problem "$problem" --methods "$m" \
        --iterations 100 --out "$work/out$tag" >"$work/stdout$tag.txt" 2>"$work/stderr$tag.txt"
      rc=$?
      set -e
      field() { grep -F "$1" "$log" | sed 's/.*: //'; }
      rss_kb=$(field "Maximum resident set size")
      # The final loss: the row under the table's header, read up to where the header's "final loss" ends
      # (the column is right-aligned). Not by counting fields: the final x before it is "[…] (n values, max
      # |·| at [0] = …)", whose words change with the vector's form.
      loss=$(python3 - "$work/stdout$tag.txt" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
header = next((k for k, l in enumerate(lines) if l.startswith("method ") and "final loss" in l), None)
if header is not None and header + 1 < len(lines):
    end = lines[header].index("final loss") + len("final loss")
    words = lines[header + 1][:end].split()
    print(words[-1] if words else "")
PY
)
      echo "| $n | $m | $round | $(field "Elapsed (wall clock)") | $(field "User time") s | $(field "System time") s | $((rss_kb / 1024)) MB | $rc | $loss |"
    done
  done
done
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; logs in $work"
