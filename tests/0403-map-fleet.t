#!/bin/sh
# llm-map exactness against a faulty fleet: 10,000 inputs over OpenAI,
# Gemini, Zhipu and Cloudflare keys with rate limits, dead keys, 5xx, resets,
# truncated and garbage bodies, slow answers, plus good keys. Every input
# gets exactly one record, in order, with its own answer; the simulator
# answered each input successfully exactly once.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
cat >fleet.env <<'EOF'
OPENAI_API_KEY_1=oa1
OPENAI_API_KEY_2=oa2+rpm=100
OPENAI_API_KEY_3=oa3+invalid
OPENAI_API_KEY_4=oa4+flaky=3
OPENAI_API_KEY_5=oa5+reset
OPENAI_API_KEY_6=oa6+overload
OPENAI_API_KEY_7=oa7+credit
OPENAI_API_KEY_8=oa8+failafter=40
GEMINI_API_KEY_1=g1
GEMINI_API_KEY_2=g2+truncate
GEMINI_API_KEY_3=g3+rpm=50
GEMINI_API_KEY_4=g4+quota
ZHIPU_API_KEY_1=z1+slow=50
ZHIPU_API_KEY_2=z2+garbage
ZHIPU_API_KEY_3=z3+rpd=30
CLOUDFLARE_API_TOKEN_1=c1+slow=50
CLOUDFLARE_API_TOKEN_2=c2+flaky=2
ZHIPU_API_KEY_4=z4+retry=2
OPENAI_MODELS=m1
GEMINI_MODELS=gm
ZHIPU_MODELS=glm
CLOUDFLARE_MODELS=@cf/x/y
EOF
chmod 600 fleet.env
N=10000
seq $N >in.txt

# prompt_of: the user text of a logged request, whatever the wire format
PROMPT='(.body.messages[-1].content // .body.contents[-1].parts[0].text // .body.prompt)'

for mode in ordered unordered; do
	flag=; [ $mode = unordered ] && flag=-u
	export XDG_STATE_HOME="$T/state-$mode"     # each run starts with a fresh scheduler
	: >"$SIM_LOG"
	run llm-map --env fleet.env -j 64 $flag . in.txt
	is "$rc" 0 "$mode: exit 0"
	printf '%s\n' "$out" >out.ndjson
	is "$(wc -l <out.ndjson | tr -d ' ')" $N "$mode: $N records"
	is "$(jq -c . out.ndjson 2>&1 | wc -l | tr -d ' ')" $N "$mode: every record is one JSON line"
	if [ $mode = ordered ]; then
		is "$(jq -r .i out.ndjson | cmp - "$(seq 0 $((N - 1)) >want.txt; echo want.txt)" && echo same)" same "$mode: i is 0..$((N - 1)) in order"
	else
		is "$(jq -r .i out.ndjson | sort -n | cmp - "$(seq 0 $((N - 1)) >want.txt; echo want.txt)" && echo same)" same "$mode: every i exactly once"
	fi
	is "$(jq -r 'select(.ok != true) | .i' out.ndjson | head -5)" "" "$mode: all ok"
	is "$(jq -r 'select(.text != "echo: \(.i + 1)") | .i' out.ndjson | head -5)" "" "$mode: every answer belongs to its input"
	is "$(jq -r '.id' out.ndjson | sort -u | wc -l | tr -d ' ')" $N "$mode: ids distinct"
	check "$mode: several providers answered" test "$(jq -r '.provider' out.ndjson | sort -u | wc -l)" -ge 3
	is "$(jq -r 'select(.entry != .attempts[-1].entry or .attempts[-1].kind != "ok") | .i' out.ndjson | head -5)" "" \
		"$mode: the last attempt is the answering entry, ok"
	is "$(jq -r 'select([.attempts[:-1][] | select(.kind == "ok")] | length > 0) | .i' out.ndjson | head -5)" "" \
		"$mode: no ok attempt before the last"
	check "$mode: some items failed over" test "$(jq -r 'select((.attempts | length) > 1) | .i' out.ndjson | wc -l)" -gt 0
	# which entries get tried depends on timing (an overloaded model cools
	# every key of its provider), so ask for most, not all
	kinds=$(jq -r '.attempts[:-1][].kind' out.ndjson | sort -u | tr '\n' ' ')
	check "$mode: failed attempts of many kinds ($kinds)" test "$(echo $kinds | wc -w)" -ge 6
	unlike "$kinds" 'ok|template|invalid_request' "$mode: failed attempts are fault kinds"
	# the simulator's view: each input answered successfully exactly once
	jq -r "select(.status == 200 and (.fault == null or .fault == \"slow\")) | $PROMPT" "$SIM_LOG" | sort -n >answered.txt
	is "$(wc -l <answered.txt | tr -d ' ')" $N "$mode: the simulator gave $N good answers"
	is "$(uniq -d answered.txt | head -3)" "" "$mode: no input answered twice"
	is "$(seq $N | cmp - answered.txt && echo same)" same "$mode: every input answered once"
	check "$mode: most keys were tried" test "$(jq -r '.key' "$SIM_LOG" | sort -u | wc -l)" -ge 14
	is "$(printf '%s\n' "$err" | grep -v '^llm-map: [0-9]* done')" "" "$mode: nothing on stderr but the summary"
	like "$err" "^llm-map: $N done \\($N ok, 0 failed\\) in [0-9.]+s, [0-9]+/s;( [a-z]+ [0-9]+)+; [0-9]+ failed over\$" "$mode: summary"
done

done_testing
