#!/usr/bin/env bash
# Before/after benchmark comparison for Tessera (issue 13: restructuring with no behaviour change).
#
#   bench/compare.sh [-r ROUNDS] TREE [TREE...]
#   bench/compare.sh --summary FILE...     # table only, from earlier outputs
#
# e.g.  git worktree add --detach ../before <sha> && (cd ../before && make .venv/.installed)
#       bench/compare.sh -r 2 ../before .
#
# Each TREE is a worktree with its own .venv (make .venv/.installed). Rounds are interleaved
# (base, head, base, head, ...) and every benchmark runs from inside its tree with that tree's
# .venv/bin/python, one at a time (so no two servers share the machine; http_pages and
# portal_pages pick free ports, job_throughput/renewal_run/http_pages create scratch databases
# named bench_<random> and drop them). portal_pages reads the shared seeded database
# portal_bench (--reuse; the schema is the same on both sides); it is seeded once, untimed, by
# the first tree before round 1 when missing.
#
# The reduced subset of `make bench` (defaults: 200,000 quotes, 2,000 simulations, 1,000 jobs,
# 1,000 renewals, 8 s of wrk per page; about 6 minutes a tree on the loaded 2-core machine):
#   pricing        --quotes $PRICING_QUOTES --subscriptions $PRICING_SUBS
#   job_throughput --jobs $JOBS --pg-url $BENCH_PG_URL  (SQLite and PostgreSQL: it has no PG-only flag)
#   renewal_run    --sizes $RENEWAL_SIZES --pg-url $BENCH_PG_URL --no-sqlite
#   http_pages     --duration $HTTP_DURATION --pg-url $BENCH_PG_URL --no-sqlite
#   portal_pages   --pg-url $BENCH_PG_URL --reuse   (--duration $PORTAL_DURATION)
#   invoice_pdf    only with INVOICE_PDF=1 (--n $INVOICE_N)
# Each benchmark's output (stdout and stderr) goes to $BENCH_OUT/<tree-name>-<bench>-<n>.txt,
# where n is the next free run number for that tree (earlier runs are never overwritten). At the
# end a table shows each headline figure with its ratio to the baseline/ceiling measured in the
# same run, per tree and run, plus the change of the mean ratio against the first tree and the
# spread between repeated runs of the same tree. BENCH_ONLY="pricing http_pages" restricts the set.
set -u

PG_URL=${BENCH_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
OUT=${BENCH_OUT:-/tmp/bench}
PRICING_QUOTES=${PRICING_QUOTES:-200000}
PRICING_SUBS=${PRICING_SUBS:-2000}
JOBS=${JOBS:-1000}
RENEWAL_SIZES=${RENEWAL_SIZES:-1000}
HTTP_DURATION=${HTTP_DURATION:-8}
PORTAL_DURATION=${PORTAL_DURATION:-8}
INVOICE_N=${INVOICE_N:-30}
BENCHES=${BENCH_ONLY:-pricing job_throughput renewal_run http_pages portal_pages}
if [ "${INVOICE_PDF:-0}" = 1 ] && [ -z "${BENCH_ONLY:-}" ]; then BENCHES="$BENCHES invoice_pdf"; fi
SELF_DIR=$(cd "$(dirname "$0")" && pwd)

summary() {  # FILE... -> the table (stdlib python only)
  python3 - "$@" <<'PY'
import json, os, re, statistics, sys
from collections import defaultdict

files = sys.argv[1:]
# rows[(bench, label)][(tree, n)] = (value, ratio or None, unit)
rows = defaultdict(dict)
order = []
cols = []
notes = []
shas = {}

def add(bench, label, col, value, ratio):
    key = (bench, label)
    if key not in rows:
        order.append(key)
    rows[key][col] = (value, ratio)

def last_json(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("[{") or line == "[]":
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None

for path in files:
    m = re.match(r"(.+)-(pricing|job_throughput|renewal_run|http_pages|portal_pages|invoice_pdf)-(\d+)\.txt$",
                 os.path.basename(path))
    if not m:
        continue
    tree, bench, n = m.group(1), m.group(2), int(m.group(3))
    col = (tree, n)
    if col not in cols:
        cols.append(col)
    text = open(path, errors="replace").read()
    sha = re.search(r"^# tree .* at ([0-9a-f]{7,40})", text, re.M)
    if sha:
        shas[tree] = sha.group(1)[:9]
    ld = re.search(r"^# \S+ load: ([\d.]+)", text, re.M)
    if ld:
        add("load", f"{bench} load avg (1 min) at start", col, float(ld.group(1)), None)
    rc = re.search(r"^# exit (\d+) after ([\d.]+) s", text, re.M)
    if rc:
        add("time", f"{bench} wall s", col, float(rc.group(2)), None)
        if rc.group(1) != "0":
            notes.append(f"{os.path.basename(path)}: FAILED (exit {rc.group(1)})")
    if bench == "pricing":
        q = re.search(r"quotes:.*?([\d,]+)/s\s+baseline.*?([\d,]+)/s\s+ratio ([\d.]+)", text)
        s = re.search(r"simulations:.*?([\d,]+)/s\s+baseline.*?([\d,]+)/s\s+ratio ([\d.]+)", text)
        for name, mm in (("quotes/s", q), ("simulations/s", s)):
            if mm:
                v, b = (float(x.replace(",", "")) for x in mm.group(1, 2))
                add(bench, f"{name} (÷ baseline)", col, v, v / b)
                add(bench, f"{name} baseline", col, b, None)
        continue
    data = last_json(text)
    if data is None:
        if bench != "invoice_pdf":
            notes.append(f"{os.path.basename(path)}: no result JSON")
        mm = re.search(r"invoice \(WeasyPrint\)\s+([\d.]+).*?baseline \(one line\)\s+([\d.]+)", text, re.S)
        if mm:
            v, b = float(mm.group(1)), float(mm.group(2))
            add(bench, "median ms/PDF (÷ baseline)", col, v, v / b)
            add(bench, "baseline ms/PDF", col, b, None)
        continue
    if bench == "job_throughput":
        for r in data:
            be, b = r["backend"], r["baseline_per_s"]
            add(bench, f"{be} run/s (÷ baseline)", col, r["run_per_s"], r["run_per_s"] / b)
            add(bench, f"{be} end-to-end/s (÷ baseline)", col, r["end_to_end_per_s"], r["end_to_end_per_s"] / b)
            add(bench, f"{be} enqueue/s (÷ baseline)", col, r["enqueue_per_s"], r["enqueue_per_s"] / b)
            add(bench, f"{be} baseline/s", col, b, None)
    elif bench == "renewal_run":
        for r in data:
            be, b = r["backend"], r["baseline_per_s"]
            add(bench, f"{be} {r['subscriptions']} invoices/s (÷ baseline)", col, r["invoices_per_s"], r["invoices_per_s"] / b)
            add(bench, f"{be} {r['subscriptions']} charges/s (÷ baseline)", col, r["charges_per_s"], r["charges_per_s"] / b)
            add(bench, f"{be} {r['subscriptions']} baseline/s", col, b, None)
            if r.get("renew_attempts", 1) != 1:
                notes.append(f"{os.path.basename(path)}: renew_attempts={r['renew_attempts']}")
    elif bench in ("http_pages", "portal_pages"):
        ceiling = next((r["requests_per_s"] for r in data
                        if "ceiling" in r["target"] and r["status"] == "ok"), 0)
        for r in data:
            be = r.get("backend", "pg")
            name = r["target"] if be in ("-", "pg") else f"{be} {r['target']}"
            if r["status"] != "ok":
                add(bench, f"{name} req/s", col, r["status"], None)
                continue
            is_ceiling = "ceiling" in r["target"]
            add(bench, f"{name} req/s" + ("" if is_ceiling else " (÷ ceiling)"), col,
                r["requests_per_s"], None if is_ceiling or not ceiling else r["requests_per_s"] / ceiling)
            if not is_ceiling:
                add(bench, f"{name} p50 ms", col, r["p50_ms"], None)
            if r.get("errors"):
                notes.append(f"{os.path.basename(path)}: {r['target']}: {r['errors']} errors {r.get('error_detail', '')}")
        if bench == "portal_pages" and "seeded in" in text:
            notes.append(f"{os.path.basename(path)}: portal_bench was (re)seeded in this run")

trees = []
for t, _ in cols:
    if t not in trees:
        trees.append(t)
cols.sort(key=lambda c: (c[1], trees.index(c[0])))  # interleaved order as run

def fmt(v):
    if isinstance(v, str):
        return v[:14]
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"

def cell(entry):
    if entry is None:
        return "-"
    v, ratio = entry
    s = fmt(v)
    if ratio is not None:
        s += f" ×{ratio:.3f}" if ratio < 0.1 else f" ×{ratio:.2f}"
    return s

def metric(entry):  # the figure compared between trees: the ratio when there is one
    if entry is None or isinstance(entry[0], str):
        return None
    return entry[1] if entry[1] is not None else entry[0]

for col in cols:  # one tree run's wall time: the sum of its benchmarks'
    times = [rows[k][col][0] for k in order if k[0] == "time" and col in rows[k]]
    if times:
        add("time", "zall benchmarks wall s", col, sum(times), None)
BENCH_ORDER = ["pricing", "job_throughput", "renewal_run", "http_pages", "portal_pages",
               "invoice_pdf", "time", "load"]
order.sort(key=lambda k: (BENCH_ORDER.index(k[0]),
                          BENCH_ORDER.index(k[1].split(" ")[0]) if k[0] in ("time", "load") and k[1][0] != "z" else 99))
heads = [f"{t}#{n}" for t, n in cols]
first = trees[0] if trees else None
extra = [f"Δ {t} vs {first}" for t in trees[1:]] + [f"spread {t}" for t in trees
                                                      if sum(1 for c in cols if c[0] == t) > 1]
width = max([len(f"{b}: {l}") for b, l in order] + [10])
cw = max([len(h) for h in heads] + [16])
print()
print("Tessera bench comparison; cells: figure ×ratio to the in-run baseline/ceiling;")
print("Δ = change of the mean ratio (or of the mean figure when there is no ratio) against the first tree;")
print("spread = (max - min) / mean between runs of one tree.")
if shas:
    print("trees: " + ", ".join(f"{t} = {s}" for t, s in shas.items()))
print()
line = f"{'figure':<{width}} | " + " | ".join(f"{h:>{cw}}" for h in heads)
if extra:
    line += " | " + " | ".join(f"{e:>{max(len(e), 8)}}" for e in extra)
print(line)
print("-" * len(line))
last_bench = None
for key in order:
    bench, label = key
    if bench != last_bench and last_bench is not None:
        print()
    last_bench = bench
    row = rows[key]
    out = f"{bench + ': ' + label.lstrip('z'):<{width}} | " + " | ".join(f"{cell(row.get(c)):>{cw}}" for c in cols)
    per_tree = {t: [m for m in (metric(row.get(c)) for c in cols if c[0] == t) if m is not None]
                for t in trees}
    vals = []
    for t in trees[1:]:
        a, b = per_tree[first], per_tree[t]
        if a and b and statistics.mean(a):
            vals.append(f"{(statistics.mean(b) / statistics.mean(a) - 1) * 100:+.1f}%")
        else:
            vals.append("-")
    for t in trees:
        if sum(1 for c in cols if c[0] == t) > 1:
            v = per_tree[t]
            vals.append(f"{(max(v) - min(v)) / statistics.mean(v) * 100:.1f}%"
                        if len(v) > 1 and statistics.mean(v) else "-")
    if extra:
        out += " | " + " | ".join(f"{v:>{max(len(e), 8)}}" for v, e in zip(vals, extra))
    print(out)
if notes:
    print()
    for n in notes:
        print("note:", n)
PY
}

if [ "${1:-}" = "--summary" ]; then shift; summary "$@"; exit 0; fi

ROUNDS=1
if [ "${1:-}" = "-r" ]; then ROUNDS=$2; shift 2; fi
if [ $# -lt 1 ]; then sed -n '2,30p' "$0"; exit 2; fi
TREES=()
for t in "$@"; do
  t=$(cd "$t" && pwd) || exit 2
  [ -x "$t/.venv/bin/python" ] || { echo "no $t/.venv: run 'make .venv/.installed' there" >&2; exit 2; }
  TREES+=("$t")
done
command -v wrk >/dev/null || { echo "wrk missing: make bench-packages (apt-get install -y wrk)" >&2; exit 2; }
mkdir -p "$OUT"

next_n() {  # tree-name -> next free run number
  local name=$1 n=1 f
  for f in "$OUT/$name"-*-*.txt; do
    [ -e "$f" ] || continue
    f=${f##*-}; f=${f%.txt}
    case $f in *[!0-9]*) continue ;; esac
    [ "$f" -ge "$n" ] && n=$((f + 1))
  done
  echo "$n"
}

portal_ready() {
  psql "${PG_URL%/*}/portal_bench" -Atqc \
    "SELECT (SELECT count(*) FROM customer) >= 100001 AND EXISTS (SELECT 1 FROM account WHERE email = 'heavy@example.test')" \
    2>/dev/null | grep -qx t
}

case " $BENCHES " in *" portal_pages "*)
  if ! portal_ready; then
    echo "portal_bench missing or incomplete: seeding it once with ${TREES[0]} (untimed, about 1-3 min)" >&2
    (cd "${TREES[0]}" && .venv/bin/python -m bench.portal_pages --pg-url "$PG_URL" --reuse \
      --duration 1 --warmup 1) > "$OUT/portal-seed.txt" 2>&1 || { echo "seeding failed: $OUT/portal-seed.txt" >&2; exit 1; }
  fi ;;
esac

args_for() {
  case $1 in
    pricing) echo "--quotes $PRICING_QUOTES --subscriptions $PRICING_SUBS" ;;
    job_throughput) echo "--jobs $JOBS --pg-url $PG_URL" ;;
    renewal_run) echo "--sizes $RENEWAL_SIZES --pg-url $PG_URL --no-sqlite" ;;
    http_pages) echo "--duration $HTTP_DURATION --pg-url $PG_URL --no-sqlite" ;;
    portal_pages) echo "--pg-url $PG_URL --reuse --duration $PORTAL_DURATION" ;;
    invoice_pdf) echo "--n $INVOICE_N" ;;
  esac
}

FILES=()
TIMES=()
for ((round = 1; round <= ROUNDS; round++)); do
  for tree in "${TREES[@]}"; do
    name=$(basename "$tree")
    n=$(next_n "$name")
    sha=$(git -C "$tree" rev-parse HEAD)
    dirty=$(git -C "$tree" status --porcelain --untracked-files=no | head -c1)
    echo "== round $round: $name at ${sha:0:9}${dirty:+ (uncommitted changes!)} -> $OUT/$name-*-$n.txt" >&2
    t0=$(date +%s.%N)
    for b in $BENCHES; do
      f="$OUT/$name-$b-$n.txt"
      a=$(args_for "$b")
      s0=$(date +%s.%N)
      {
        echo "# tree $tree at $sha${dirty:+ (dirty)}"
        echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# cd $tree && .venv/bin/python -m bench.$b $a"
      } > "$f"
      (cd "$tree" && exec .venv/bin/python -m "bench.$b" $a) >> "$f" 2>&1
      rc=$?
      s1=$(date +%s.%N)
      el=$(echo "$s1 - $s0" | bc)
      echo "# exit $rc after $el s" >> "$f"
      printf '   %-15s %6.1f s%s\n' "$b" "$el" "$([ $rc = 0 ] || echo "  FAILED (exit $rc), see $f")" >&2
      FILES+=("$f")
    done
    t1=$(date +%s.%N)
    TIMES+=("$name#$n: $(printf '%.0f' "$(echo "$t1 - $t0" | bc)") s")
  done
done

summary "${FILES[@]}"
echo
echo "wall time per tree run: ${TIMES[*]}"
echo "outputs: ${FILES[*]}" | fold -w 200
