#!/bin/sh
# llm-map -o journals every answer as it comes back, whatever the reorder
# window holds for standard output: killed with SIGKILL at random points
# (-j 8, one fast and one slow key, so finished items wait behind slow
# ones) and resumed each time, the providers serve at most
# inputs + kills x jobs requests, and the journal ends with exactly one
# record per input. Standard output stays in input order meanwhile.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY_1='fast+slow=5' OPENAI_API_KEY_2='slow+slow=400' OPENAI_MODELS=m1
N=4000 J=8 KILLS=3
seq $N >in.txt
nlines() { wc -l <"$1" | tr -d ' '; }

: >"$SIM_LOG"
kills=0 runs=0 final=
seed=$$
while [ $runs -lt 10 ]; do
	runs=$((runs + 1))
	llm-map -q -j $J -o out.ndjson --resume . in.txt >run.out 2>run.err &
	pid=$!
	if [ $kills -lt $KILLS ]; then
		seed=$((seed + 1))
		sleep "$(awk -v s=$seed 'BEGIN { srand(s); printf "%.2f", 0.4 + rand() * 0.8 }')"
		if kill -KILL $pid 2>/dev/null; then
			wait $pid 2>/dev/null
			kills=$((kills + 1))
			continue
		fi
	fi
	wait $pid
	final=$?
	break
done
is "$kills" $KILLS "killed $KILLS times mid-run"
is "$final" 0 "the last run finished with exit 0"
is "$(cat run.err)" "" "the last run: -q, nothing on stderr"
sleep 0.5       # the slow key's last answers reach the log
sent=$(nlines "$SIM_LOG")
check "requests sent: $sent <= $N + $KILLS x $J" test "$sent" -le $((N + KILLS * J))
is "$(nlines out.ndjson)" $N "journal: $N lines"
is "$(jq -c . out.ndjson 2>&1 | wc -l | tr -d ' ')" $N "journal: every line is a whole JSON record"
is "$(jq -r .i out.ndjson | sort -n | uniq | wc -l | tr -d ' ')" $N "journal: every i exactly once"
is "$(jq -r 'select(.ok != true or .text != "echo: \(.i + 1)") | .i' out.ndjson | head -3)" "" \
	"journal: all ok, each answer its input's"

# without -o the records on standard output stay in input order
seq 200 >in200.txt
run llm-map -q -j $J . in200.txt
is "$(printf '%s\n' "$out" | jq -r .i | tr '\n' ' ')" "$(seq 0 199 | tr '\n' ' ')" "stdout: in input order"
# with -o and --text the answers on standard output stay in input order
run llm-map -q -j $J --text -o text.ndjson . in200.txt
is "$out" "$(seq 200 | sed 's/^/echo: /')" "--text with -o: answers in input order"
is "$(jq -r .i text.ndjson | sort -n | uniq | wc -l | tr -d ' ')" 200 "--text with -o: the journal has every record"

done_testing
