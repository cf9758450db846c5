#!/usr/bin/env bash
# Runs the frame benchmark and prints, per terminal size, the median cost with 1,000,000 log
# lines as a ratio of the cost with 1,000 (same run). The target is at most 1.2.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cargo bench --bench render 2>/dev/null)
echo "$out"
echo
echo "$out" | python3 -c '
import re, sys
units = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
med = {}
for line in sys.stdin:
    m = re.search(r"\((\d+), (\d+), (\d+)\)\s+[\d.]+ \S+\s*│\s*[\d.]+ \S+\s*│\s*([\d.]+) (\S+)", line)
    if m:
        w, h, n, v, u = m.groups()
        med[(w, h, n)] = float(v) * units[u]
for (w, h) in sorted({(k[0], k[1]) for k in med}, key=lambda k: int(k[0])):
    small, big = med[(w, h, "1000")], med[(w, h, "1000000")]
    print(f"{w}x{h}: 1,000 lines {small*1e6:.1f} µs, 1,000,000 lines {big*1e6:.1f} µs, ratio {big/small:.2f}")
'
