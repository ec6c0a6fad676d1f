#!/bin/sh
# make bench — every figure measured side by side with its baseline, in one
# run, on this machine, against llm-sim on loopback; one markdown table.
#
#   BENCH_N      requests per throughput run (default 4000)
#   BENCH_BIG    input lines for the large peak-RSS run (default 1000000)
#   BENCH_RUNS   repetitions for medians (default 5)
#   BENCH_QUOTA  seconds per quota-utilisation run (default 60; 0 skips)
#   BENCH_NGINX_N lines per nginx run (default 20000)
#   BENCH_FLEET  items of the free-fleet batch (default 2000; 0 skips)
#   BENCH_PORTKEY=0 skips the Portkey gateway (it needs npm)
#   BENCH_EMBED_N  inputs per embedding throughput run (default 2000)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
N=${BENCH_N:-4000}
BIG=${BENCH_BIG:-1000000}
RUNS=${BENCH_RUNS:-5}
QT=${BENCH_QUOTA:-60}
d=$(mktemp -d "${TMPDIR:-/tmp}/many-llm-bench.XXXXXX")
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT INT TERM
export XDG_STATE_HOME="$d/state" LC_ALL=C
unset LLM_STATE LLM_POOL LLM_LOG

say() { printf '%s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
rows=""
row() { rows="$rows| $1 | $2 | $3 | $4 | $5 |
"; }

start_sim() { # start_sim NAME [args]: sets SIM_<NAME>
	rm -f "$d/port.$1"
	llm-sim --port 0 --port-file "$d/port.$1" -q --threads 2 &
	pids="$pids $!"
	i=0; while [ ! -s "$d/port.$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
	eval "SIM_$1=http://127.0.0.1:$(cat "$d/port.$1")"
}

gcc -O2 -o "$d/multi" "$top/bench/multi.c" -lcurl || exit 1
start_sim main
SIM=$SIM_main
body='{"model":"m1","messages":[{"role":"user","content":"hello"}]}'
cat > "$d/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer good1"
EOF
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1

# ---- the simulator's own ceiling
say "llm-sim ceiling (wrk)"
sim_rps=$(wrk -t2 -c64 -d3s -s "$d/post.lua" "$SIM/v1/chat/completions" 2>/dev/null | awk '/Requests\/sec/ {printf "%.0f", $2}')
row "llm-sim ceiling, wrk -c64, req/s" "$sim_rps" "-" "-" "never the bottleneck"

# ---- one call: llm-ask against curl
say "per call: llm-ask vs curl ($RUNS x 10)"
for r in $(seq "$RUNS"); do
	t0=$(now_ms); for k in 1 2 3 4 5 6 7 8 9 10; do llm-ask --no-stream hello >/dev/null; done; t1=$(now_ms)
	echo $(( (t1 - t0) )) >> "$d/ask.ms"
	t0=$(now_ms); for k in 1 2 3 4 5 6 7 8 9 10; do curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer good1' -d "$body" "$SIM/v1/chat/completions" >/dev/null; done; t1=$(now_ms)
	echo $(( (t1 - t0) )) >> "$d/curl.ms"
done
a=$(median < "$d/ask.ms"); c=$(median < "$d/curl.ms")
row "one call, wall ms (median of $RUNS x 10 calls / 10)" "$(awk -v x="$a" 'BEGIN{printf "%.1f", x/10}')" "curl $(awk -v x="$c" 'BEGIN{printf "%.1f", x/10}')" "$(ratio "$a" "$c")x" "<= 1.5x curl"

# ---- a batch: llm-map against xargs -P 8 curl, curl --parallel, a libcurl-multi loop
say "batch of $N: xargs -P 8 curl, curl --parallel, multi loop, llm-map"
seq "$N" > "$d/in.txt"
: > "$d/curl.cfg"
for i in $(seq "$N"); do
	printf 'url = "%s/v1/chat/completions"\nheader = "Content-Type: application/json"\nheader = "Authorization: Bearer good1"\ndata = "{\\"model\\":\\"m1\\",\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"%s\\"}]}"\noutput = "/dev/null"\nnext\n' "$SIM" "$i" >> "$d/curl.cfg"
done
tput() { # tput CMD...: requests per second of a run over $N inputs
	t0=$(now_ms); "$@" >/dev/null 2>&1; t1=$(now_ms)
	awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'
}
xargs_run() { xargs -P 8 -I{} curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Authorization: Bearer good1' -d '{"model":"m1","messages":[{"role":"user","content":"{}"}]}' "$SIM/v1/chat/completions" < "$d/in.txt"; }
par_run() { curl -s --parallel --parallel-max 64 -K "$d/curl.cfg"; }
multi_run() { "$d/multi" "$SIM/v1/chat/completions" good1 64 < "$d/in.txt"; }
map_mem() { LLM_STATE=memory llm-map -q -j 64 . "$d/in.txt"; }
map_sql() { llm-map -q -j 64 . "$d/in.txt"; }
for r in $(seq "$RUNS"); do
	tput xargs_run >> "$d/t.xargs"; echo >> "$d/t.xargs"
	tput par_run >> "$d/t.par"; echo >> "$d/t.par"
	tput multi_run >> "$d/t.multi"; echo >> "$d/t.multi"
	tput map_mem >> "$d/t.mapm"; echo >> "$d/t.mapm"
	tput map_sql >> "$d/t.maps"; echo >> "$d/t.maps"
done
tx=$(median < "$d/t.xargs"); tp=$(median < "$d/t.par"); tm=$(median < "$d/t.multi")
mm=$(median < "$d/t.mapm"); ms=$(median < "$d/t.maps")
row "llm-map -j 64 vs xargs -P 8 curl, req/s" "$mm" "$tx" "$(ratio "$mm" "$tx")x" ">= 50x"
row "llm-map -j 64 vs curl --parallel-max 64, req/s" "$mm" "$tp" "$(ratio "$mm" "$tp")x" ">= 0.6x"
row "llm-map -j 64 vs libcurl-multi loop, req/s" "$mm" "$tm" "$(ratio "$mm" "$tm")x" ">= 0.5x"
row "llm-map -j 64, shared SQLite state, vs multi loop, req/s" "$ms" "$tm" "$(ratio "$ms" "$tm")x" "(shared state)"

# ---- the shared state's cost against a zero-latency upstream (nginx)
say "shared state against nginx"
rows="$rows$(OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 sh "$top/bench/nginx.sh" "$d" "${BENCH_NGINX_N:-20000}" "$RUNS")
"

# ---- CPU per request
say "CPU per request"
cpu() { /usr/bin/time -f "%U %S" -o "$d/cpu" "$@" >/dev/null 2>&1; awk -v n="$N" '{ printf "%.1f", ($1 + $2) * 1e6 / n }' "$d/cpu"; }
cm=$(cpu env LLM_STATE=memory llm-map -q -j 64 . "$d/in.txt"); cb=$(cpu "$d/multi" "$SIM/v1/chat/completions" good1 64 < "$d/in.txt")
row "CPU per request, us (user+sys)" "$cm" "multi loop $cb" "$(ratio "$cm" "$cb")x" "-"

# ---- peak RSS against input size
say "peak RSS: 10k and $BIG lines"
rss() { seq "$1" | /usr/bin/time -f "%M" -o "$d/rss" env LLM_STATE=memory llm-map -q -j 64 . >/dev/null 2>&1; cat "$d/rss"; }
r10k=$(rss 10000); rbig=$(rss "$BIG")
row "peak RSS, KB: 10k lines vs $BIG lines" "$rbig" "$r10k" "$(ratio "$rbig" "$r10k")x" "<= 1.2x and < 64 MB"

# ---- building a large pool: 10,000 keys in a .env file
say "pool of 10,000 keys"
awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "OPENAI_API_KEY_%d=sk-bench%08d\n", i, i;
	print "OPENAI_MODELS=m1,m2" }' > "$d/big.env"
chmod 600 "$d/big.env"
awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "OPENAI_API_KEY_%d=sk-bench%08d\n", i, i;
	print "OPENAI_MODELS=m1,m2" }' > "$d/small.env"
chmod 600 "$d/small.env"
poolms() {
	_b=""
	for _r in $(seq "$RUNS"); do
		_t0=$(date +%s%N); llm-pool --env "$1" > /dev/null; _t1=$(date +%s%N)
		_b="$_b $(( (_t1 - _t0) / 1000000 ))"
	done
	printf '%s\n' $_b | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
p10k=$(poolms "$d/big.env"); p1k=$(poolms "$d/small.env")
row "llm-pool building 20,000 entries (10,000 keys x 2 models), ms" "$p10k" "1,000 keys $p1k" "$(ratio "$p10k" "$p1k")x" "<= 15x (linear: 10x)"

# ---- quota utilisation: declared and learned limits
if [ "$QT" -gt 0 ]; then
	say "quota utilisation (${QT}s each)"
	start_sim quota
	rpm=300
	seq 100000 > "$d/many.txt"
	printf '{"provider":"openai","model":"m1","base_url":"%s/v1","key_env":"QK","rpm":%d}\n' "$SIM_quota" "$rpm" > "$d/declared.pool"
	printf '{"provider":"openai","model":"m1","base_url":"%s/v1","key_env":"QK"}\n' "$SIM_quota" > "$d/learned.pool"
	for mode in declared learned; do
		export QK="q-$mode+rpm=$rpm"
		XDG_STATE_HOME="$d/q-$mode" timeout -s INT "$QT" llm-map -q -j 8 --pool "$d/$mode.pool" \
			-o "$d/q-$mode.out" . "$d/many.txt" >/dev/null 2>&1
		ok=$(grep -c '"ok":true' "$d/q-$mode.out")
		curl -s "$SIM_quota/_sim/stats" > "$d/q-$mode.stats"
		all=$(jq -r --arg k "q-$mode" '.by_key[$k].requests // 0' "$d/q-$mode.stats")
		err=$(jq -r --arg k "q-$mode" '.by_key[$k].errors // 0' "$d/q-$mode.stats")
		# a rolling minute admits rpm in any 60 s: capacity over t seconds
		cap=$(awk -v r="$rpm" -v t="$QT" 'BEGIN { m = int((t + 59) / 60); printf "%.0f", r * m }')
		util=$(awk -v o="$ok" -v c="$cap" 'BEGIN { printf "%.1f", 100 * o / c }')
		p429=$(awk -v e="$err" -v a="$all" 'BEGIN { printf "%.1f", a ? 100 * e / a : 0 }')
		goal=">= 97%"; [ $mode = learned ] && goal=">= 90%, 429s < 5%"
		row "quota utilisation, $mode limit ($rpm rpm, ${QT}s)" "$util% ($ok ok)" "capacity $cap" "429s $p429% of $all" "$goal"
	done
	unset QK
fi

# ---- batch quality: makespan on a free fleet against the capacity bound
if [ "${BENCH_FLEET:-2000}" -gt 0 ]; then
	say "free fleet: ${BENCH_FLEET:-2000} items, declared and learned limits"
	rows="$rows$(sh "$top/bench/fleet.sh" "$d" "${BENCH_FLEET:-2000}")
"
fi

# ---- failover cost: one of two owners failing
say "failover cost"
start_sim fo
fo() { # fo KEY1 [KEY2]: median ms of 20 sequential llm-ask calls
	: > "$d/fo.ms"
	for k in $(seq 20); do
		t0=$(now_ms)
		OPENAI_BASE_URL="$SIM_fo/v1" OPENAI_API_KEY_1="$1" OPENAI_API_KEY_2="${2:-}" \
			XDG_STATE_HOME="$d/fo-$3" llm-ask --strategy sequential --no-stream "q$k" >/dev/null 2>&1
		t1=$(now_ms); echo $((t1 - t0)) >> "$d/fo.ms"
	done
	median < "$d/fo.ms"
}
good=$(fo fo-good "" a)
bad=$(fo fo-bad+status=500 fo-good2 b)
spent=$(curl -s "$SIM_fo/_sim/stats" | jq -r '.by_key["fo-bad"].requests // 0')
row "failover: ms per call while one of two owners fails" "$bad" "$good (healthy pool)" "$(awk -v a="$bad" -v b="$good" 'BEGIN{printf "%+.1f", a - b}') ms" "-"
row "failover: attempts spent on the failing owner in 20 calls" "$spent" "-" "-" "<= 3 after it is known bad"

# ---- llm-serve: added latency and throughput; the Portkey gateway
say "llm-serve vs direct (wrk), and the Portkey gateway"
serve() { # serve NAME [VAR=value...]
	name=$1; shift
	rm -f "$d/sport.$name"
	env "$@" llm-serve --listen 127.0.0.1:0 --port-file "$d/sport.$name" >/dev/null 2>&1 &
	pids="$pids $!"
	i=0; while [ ! -s "$d/sport.$name" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
}
serve mem LLM_STATE=memory
cat > "$d/serve.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"model":"auto","messages":[{"role":"user","content":"hello"}]}'
wrk.headers["Content-Type"] = "application/json"
EOF
lat() { # lat URL LUA CONC: "p50 p99 rps" (ms ms req/s)
	wrk -t1 -c"$3" -d2s --latency -s "$2" "$1" 2>/dev/null | awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /Requests\/sec/ { r = $2 }
		END { printf "%.3f %.3f %.0f", p50, p99, r }'
}
# direct and through llm-serve in alternation, 3 pairs: the medians, so a
# drift of the machine during the run weighs on both sides alike
for c in 1 64; do
	: > "$d/lat.direct"; : > "$d/lat.serve"
	for k in 1 2 3; do
		lat "$SIM/v1/chat/completions" "$d/post.lua" $c >> "$d/lat.direct"; echo >> "$d/lat.direct"
		lat "http://127.0.0.1:$(cat "$d/sport.mem")/v1/chat/completions" "$d/serve.lua" $c >> "$d/lat.serve"; echo >> "$d/lat.serve"
	done
	col() { awk -v f="$1" '{ print $f }' "$2" | median; }
	dp50=$(col 1 "$d/lat.direct") dp99=$(col 2 "$d/lat.direct") drps=$(col 3 "$d/lat.direct")
	sp50=$(col 1 "$d/lat.serve") sp99=$(col 2 "$d/lat.serve") srps=$(col 3 "$d/lat.serve")
	row "llm-serve -c$c: p50 / p99 ms (added; median of 3 alternating runs)" "$sp50 / $sp99" "direct $dp50 / $dp99" "+$(awk -v a="$sp50" -v b="$dp50" 'BEGIN{printf "%.3f", a-b}') / +$(awk -v a="$sp99" -v b="$dp99" 'BEGIN{printf "%.3f", a-b}')" "$( [ $c = 1 ] && echo '+0.15 / +1 ms' || echo '-')"
	[ $c = 64 ] && serve_rps=$srps
done
if [ "${BENCH_PORTKEY:-1}" != 0 ]; then
	pk="$top/bench/node"
	if [ ! -d "$pk/node_modules/@portkey-ai/gateway" ]; then
		(cd "$pk" && npm install --no-audit --no-fund >/dev/null 2>&1) || say "npm install of the Portkey gateway failed; skipped"
	fi
	if [ -f "$pk/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
		node "$pk/node_modules/@portkey-ai/gateway/build/start-server.js" >/dev/null 2>&1 &
		pids="$pids $!"
		i=0; while ! curl -s -o /dev/null localhost:8787 && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
		cat > "$d/pk.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer good1"
wrk.headers["x-portkey-provider"] = "openai"
wrk.headers["x-portkey-custom-host"] = "$SIM/v1"
EOF
		set -- $(lat "http://127.0.0.1:8787/v1/chat/completions" "$d/pk.lua" 64); pkrps=$3
		set -- $(lat "http://127.0.0.1:8787/v1/chat/completions" "$d/pk.lua" 1); pk50=$1 pk99=$2
		row "llm-serve vs Portkey gateway, -c64 req/s" "$serve_rps" "$pkrps" "$(ratio "$serve_rps" "$pkrps")x" ">= 10x"
		row "Portkey gateway -c1: p50 / p99 ms" "-" "$pk50 / $pk99" "-" "-"
	fi
fi

# ---- llm-serve's text-only path against a baseline build (bench/serve-base.sh)
rows="$rows$(sh "$top/bench/serve-base.sh" "$d" "$SIM")
"

# ---- embeddings: batched vs one a request, peak RSS (bench/embed.sh)
rows="$rows$(sh "$top/bench/embed.sh" "$d" "$SIM")
"

# ---- the table
printf '\nmake bench, %s, %s, %s cores, %s\n\n' "$(date -u +%Y-%m-%d)" "$(uname -sm)" "$(nproc)" \
	"$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//')"
printf '| measure | Many-LLM | baseline | ratio | goal |\n|---|---|---|---|---|\n%s' "$rows"
