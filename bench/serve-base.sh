#!/bin/sh
# bench/serve-base.sh DIR SIM_URL — make bench's row for llm-serve's
# text-only path against a baseline build, in the same run (markdown table
# rows on standard output, progress on standard error), run by bench/run.sh:
#   the p50 latency at one connection of this build's llm-serve and of the
#   baseline's, on the same llm-sim, the same pool and the same text-only
#   request, in alternation (BENCH_RUNS pairs, medians), so that a drift of
#   the machine weighs on both alike. The difference is what the work added
#   since the baseline (content parts, capability checks, the size estimate)
#   costs a request that uses none of it. One run is wrk -c1 for 2 s, or,
#   without wrk, 400 requests over one keep-alive connection of curl (its
#   time_total per request).
#   BENCH_BASE      a git revision to build as the baseline (default main,
#                   when the tree is a git checkout that has it; 0 skips)
#   BENCH_BASE_BIN  or an llm-serve binary to use as the baseline
set -u
d=$1 SIM=$2
RUNS=${BENCH_RUNS:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '%s\n' "$*" >&2; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

base=${BENCH_BASE_BIN:-}
rev=${BENCH_BASE:-main}
what=$rev
[ -n "$base" ] && what="binary"
if [ -z "$base" ] && [ "$rev" != 0 ] && git -C "$top" rev-parse --verify -q "$rev^{commit}" >/dev/null; then
	say "llm-serve baseline: building $rev"
	mkdir -p "$d/base"
	if git -C "$top" archive "$rev" | tar -x -C "$d/base" &&
	    make -C "$d/base" -j2 bin/llm-serve >"$d/base.log" 2>&1; then
		base="$d/base/bin/llm-serve"
	else
		say "llm-serve baseline: the build of $rev failed (see $d/base.log); row skipped"
	fi
fi
if [ -z "$base" ] || [ ! -x "$base" ]; then
	row "llm-serve text-only -c1 p50 ms vs a baseline build" "-" "-" "-" "skipped: no BENCH_BASE revision or BENCH_BASE_BIN"
	exit 0
fi

bpids=""
trap 'for p in $bpids; do kill "$p" 2>/dev/null; done' EXIT
start() { # start NAME BINARY
	rm -f "$d/bport.$1"
	env LLM_STATE=memory OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 \
	    "$2" --listen 127.0.0.1:0 --port-file "$d/bport.$1" >/dev/null 2>&1 &
	bpids="$bpids $!"
	i=0; while [ ! -s "$d/bport.$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
}
start new "$top/bin/llm-serve"
start old "$base"
body='{"model":"auto","messages":[{"role":"user","content":"hello"}]}'
printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
    "'$body'" >"$d/bserve.lua"
p50() { # p50 NAME: the median latency in ms of one run at one connection
	url="http://127.0.0.1:$(cat "$d/bport.$1")/v1/chat/completions"
	if command -v wrk >/dev/null; then
		wrk -t1 -c1 -d2s --latency -s "$d/bserve.lua" "$url" 2>/dev/null | awk '
		    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		    /^ +50%/ { p = ms($2) } END { printf "%.3f\n", p }'
	else
		: >"$d/curl.cfg.$1"
		for k in $(seq 400); do
			printf 'url = "%s"\nheader = "Content-Type: application/json"\ndata = %s\noutput = "/dev/null"\n' \
			    "$url" "'$body'" >>"$d/curl.cfg.$1"
		done
		curl -s -K "$d/curl.cfg.$1" -w '%{time_total}\n' | awk '{ print $1 * 1000 }' | median |
		    awk '{ printf "%.3f\n", $1 }'
	fi
}
say "llm-serve text-only p50 at -c1: this build vs $what ($RUNS alternating pairs)"
: > "$d/p50.new"; : > "$d/p50.old"
for k in $(seq "$RUNS"); do
	p50 new >> "$d/p50.new"
	p50 old >> "$d/p50.old"
done
n=$(median < "$d/p50.new") o=$(median < "$d/p50.old")
spread=$(sort -n "$d/p50.old" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f", hi - lo }')
row "llm-serve text-only -c1 p50 ms: this build vs baseline $what (median of $RUNS alternating runs)" \
	"$n" "$o" "$(awk -v a="$n" -v b="$o" 'BEGIN { printf "%+.3f ms", a - b }') (baseline spread $spread)" \
	"within the baseline's spread"
