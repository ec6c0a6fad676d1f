#!/bin/sh
# bench/fleet.sh DIR N — batch quality: llm-map -j 64 over N items on a
# free fleet in llm-sim shaped after the catalog, once with the limits
# declared in the pool and once with none known (to be learned); the
# makespan against the bound computed from the declared capacities, and
# the share of 429s. Prints markdown table rows.
#
# The fleet (one llm-sim, every flavor):
#   google   a Google project of two keys, one owner: rpm and rpd shared
#   tpm      an OpenAI-compatible host with a tokens-per-minute limit
#   conc     a Zhipu key with a concurrency limit and 400 ms answers
#   daily    a host with a small daily quota
#   burst    a Cloudflare account whose model answers 503 in bursts
#   dies     a key that answers 503 to all after its first 150 requests
#   slow     a slow key (1.5 s answers) with a per-minute limit
# Every limit is per real minute (the scheduler's and the simulator's
# windows are 60 s); the numbers are scaled so the bound is about 60 s.
set -u
d=$1 N=$2
MAXT=${BENCH_FLEET_MAX:-300}   # a run is stopped after this many seconds
say() { printf '%s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
f="$d/fleet"
mkdir -p "$f"
rm -f "$f/port"
llm-sim --port 0 --port-file "$f/port" -q --threads 4 --log "$f/sim.log" &
spid=$!
i=0; while [ ! -s "$f/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
trap 'kill "$spid" 2>/dev/null' EXIT
S="http://127.0.0.1:$(cat "$f/port")"

# declared capacities (per minute unless said)
G_RPM=300 G_RPD=700     # the Google project, shared by its two keys
T_TPM=6000              # tokens per minute
C_CONC=4 C_MS=400       # in flight, answer time
D_RPD=120               # requests per day
B_RPM=300 B_PERIOD=20   # burst: 503 for the first fifth of every 20 s
K_DIES=150              # answers before it dies
W_RPM=40 W_MS=1500      # the slow key

# tokens per request as the simulator counts them (a tpm budget is in these)
tok=$(curl -s -H 'Authorization: Bearer probe' -H 'Content-Type: application/json' \
	-d '{"model":"m","messages":[{"role":"user","content":"item 00001"}]}' \
	"$S/v1/chat/completions" | jq -r '.usage.total_tokens')

keys() { # keys SUFFIX: each run its own buckets in the simulator
	export FG1="g1$1+owner=gproj$1+rpm=$G_RPM+rpd=$G_RPD" FG2="g2$1+owner=gproj$1+rpm=$G_RPM+rpd=$G_RPD"
	export FT="t1$1+tpm=$T_TPM" FC="c1$1+conc=$C_CONC+slow=$C_MS" FD="d1$1+rpd=$D_RPD"
	export FB="b1$1+rpm=$B_RPM+burst=$B_PERIOD" FK="k1$1+failafter=$K_DIES" FW="w1$1+rpm=$W_RPM+slow=$W_MS"
}
pool() { # pool declared|learned
	# learned: every window 0 (none known), or the catalog's published
	# free-tier limits would stand in (Gemini 2.5 Flash at 5 a minute and
	# 20 a day, GLM-4.7-Flash at 1 in flight), below this fleet's
	lim() { if [ "$1" = declared ]; then [ -n "$2" ] && printf ',%s' "$2"; else printf ',"rpm":0,"rpd":0,"tpm":0,"conc":0'; fi; }
	m=$1
	cat <<EOF
{"provider":"gemini","model":"gemini-2.5-flash","base_url":"$S/v1beta","key_env":"FG1","quota":"gemini:gproj"$(lim $m "\"rpm\":$G_RPM,\"rpd\":$G_RPD")}
{"provider":"gemini","model":"gemini-2.5-flash","base_url":"$S/v1beta","key_env":"FG2","quota":"gemini:gproj"$(lim $m "\"rpm\":$G_RPM,\"rpd\":$G_RPD")}
{"provider":"openai","model":"m-tpm","base_url":"$S/v1","key_env":"FT"$(lim $m "\"tpm\":$T_TPM")}
{"provider":"zhipu","model":"glm-4.7-flash","base_url":"$S/api/paas/v4","key_env":"FC"$(lim $m "\"conc\":$C_CONC")}
{"provider":"openai","model":"m-daily","base_url":"$S/v1","key_env":"FD"$(lim $m "\"rpd\":$D_RPD")}
{"provider":"cloudflare","model":"@cf/meta/llama-3.1-8b-instruct","base_url":"$S/client/v4/accounts/acct1/ai/run/","key_env":"FB"$(lim $m "\"rpm\":$B_RPM")}
{"provider":"openai","model":"m-dies","base_url":"$S/v1","key_env":"FK"$(lim $m '')}
{"provider":"openai","model":"m-slow","base_url":"$S/v1","key_env":"FW"$(lim $m "\"rpm\":$W_RPM")}
EOF
}

# The bound: the least T at which the fleet can have answered N, each owner
# at its declared capacity. A rolling minute admits rpm in any 60 s: by T,
# rpm x (floor(T/60) + 1); tpm likewise in requests of $tok tokens; a
# concurrency limit C with answers of L ms, C x floor(T/L); the burst host
# loses a fifth of its time; the daily quota and the dying key are counts.
bound=$(awk -v n="$N" -v grpm=$G_RPM -v grpd=$G_RPD -v tpm=$T_TPM -v tok="$tok" \
	-v cc=$C_CONC -v cms=$C_MS -v drpd=$D_RPD -v brpm=$B_RPM -v kd=$K_DIES -v wrpm=$W_RPM -v wms=$W_MS -v bp=$B_PERIOD '
	function mn(a, b) { return a < b ? a : b }
	BEGIN {
		for (t = 0.1; t < 3600; t += 0.1) {
			w = int(t / 60) + 1
			c = mn(grpm * w, grpd) + int(tpm / tok) * w + cc * int(t * 1000 / cms) + drpd
			c += (t >= bp / 5 ? brpm * w : 0) + kd
			c += t * 1000 >= wms ? wrpm * int((t - wms / 1000) / 60 + 1) : 0
			if (c >= n) { printf "%.1f", t; exit }
		}
		print 3600
	}')

seq -f 'item %05g' "$N" > "$f/in.txt"   # one width: one token count
for mode in declared learned; do
	keys "-$mode"
	pool $mode > "$f/$mode.pool"
	chmod 600 "$f/$mode.pool"
	: > "$f/sim.log"
	say "fleet: $N items, limits $mode"
	t0=$(now_ms)
	# -u: records as they finish. In input order (the default) a 1,024-item
	# window holds intake back behind an item out on the 1.5 s key: the
	# batch stalls ~1.2 s at the start, when the fast owners are spent
	XDG_STATE_HOME="$f/state-$mode" timeout -s INT "$MAXT" llm-map -q -u -j 64 --pool "$f/$mode.pool" \
		-o "$f/$mode.out" . "$f/in.txt" >/dev/null 2>"$f/$mode.err"
	t1=$(now_ms)
	ms=$((t1 - t0))
	ok=$(grep -c '"ok":true' "$f/$mode.out")
	all=$(wc -l < "$f/sim.log")
	n429=$(jq -r 'select(.status == 429) | 1' "$f/sim.log" | wc -l)
	goal="<= 1.05x, 429s < 1%"; [ $mode = learned ] && goal="<= 1.2x"
	printf '| fleet of 8 owners, %s limits: makespan s (%s of %s ok) | %s | bound %s | %sx, 429s %s%% of %s | %s |\n' \
		"$mode" "$ok" "$N" "$(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1000 }')" "$bound" \
		"$(awk -v m="$ms" -v b="$bound" 'BEGIN { printf "%.2f", m / 1000 / b }')" \
		"$(awk -v e="$n429" -v a="$all" 'BEGIN { printf "%.1f", a ? 100 * e / a : 0 }')" "$all" "$goal"
	jq -r '"\(.key // "-" | split("+")[0]) \(.status) \(.fault)"' "$f/sim.log" 2>/dev/null | sort | uniq -c | sort -rn > "$f/$mode.bykey"
done
