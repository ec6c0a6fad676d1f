#!/bin/sh
# llm-map -o FILE --resume: killed with SIGKILL at random points and started
# again until it finishes, the journal ends with exactly one whole record
# per input, and nothing that had a success record at a kill is asked again.
# --retry-failed sends failed inputs again and replaces their records.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY_1='a+slow=20' OPENAI_API_KEY_2='b+slow=20' OPENAI_MODELS=m1
N=3000
seq $N >in.txt

# complete FILE: the whole lines of FILE (a torn last line left out)
complete() {
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		sed '$d' "$1"
	else
		cat "$1"
	fi
}
nlines() { wc -l <"$1" | tr -d ' '; }

# ---- -o refuses to overwrite a journal without --resume
echo '{"i":0}' >exists.ndjson
run llm-map -o exists.ndjson . in.txt
is "$rc" 2 "-o on an existing journal without --resume: exit 2"
like "$err" '^llm-map: -o exists.ndjson: the file exists; use --resume' "-o: the message says to use --resume"
run llm-map --retry-failed -o x.ndjson .
is "$rc" 2 "--retry-failed without --resume: exit 2"

# ---- kill -9 at random points, resume until done
: >"$SIM_LOG"
kills=0 runs=0 final=
seed=$$
while [ $runs -lt 12 ]; do
	runs=$((runs + 1))
	llm-map -q -j 16 -o out.ndjson --resume . in.txt >run.out 2>run.err &
	pid=$!
	if [ $kills -lt 4 ]; then
		seed=$((seed + 1))
		sleep "$(awk -v s=$seed 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 0.7 }')"
		if kill -KILL $pid 2>/dev/null; then
			wait $pid 2>/dev/null
			kills=$((kills + 1))
			sleep 0.2      # let the simulator log what was in flight
			complete out.ndjson | jq -r 'select(.ok) | .i' | sort >ok.$kills
			nlines "$SIM_LOG" >mark.$kills
			continue
		fi
	fi
	wait $pid
	final=$?
	break
done
is "$kills" 4 "killed 4 times mid-run"
is "$final" 0 "the last run finished with exit 0"
is "$(cat run.err)" "" "the last run: -q, nothing on stderr"
is "$(cat run.out)" "" "-o: nothing on stdout"
check "the kills left work to do (first kill: fewer than $N records)" test "$(nlines ok.1)" -lt $N
check "the kills came after some work (last kill: some records)" test "$(nlines ok.4)" -gt 0

is "$(nlines out.ndjson)" $N "journal: $N lines"
is "$(tail -c 1 out.ndjson | od -An -c | tr -d ' ')" '\n' "journal: ends with a newline"
is "$(jq -c . out.ndjson 2>&1 | wc -l | tr -d ' ')" $N "journal: every line is a whole JSON record"
is "$(jq -r .i out.ndjson | sort -n | cmp - "$(seq 0 $((N - 1)) >want.txt; echo want.txt)" && echo same)" same "journal: every i exactly once"
is "$(jq -r 'select(.ok != true) | .i' out.ndjson | head -3)" "" "journal: all ok"
is "$(jq -r 'select(.text != "echo: \(.i + 1)") | .i' out.ndjson | head -3)" "" "journal: each answer belongs to its input"

# after kill k, no input with a success record at that point was asked again
for k in 1 2 3 4; do
	from=$(($(cat mark.$k) + 1))
	tail -n +$from "$SIM_LOG" | jq -r '.body.messages[-1].content' | awk '{ print $1 - 1 }' | sort | uniq >asked.$k
	is "$(comm -12 ok.$k asked.$k | head -3)" "" "kill $k: nothing answered before it was asked again ($(nlines ok.$k) done, $(nlines asked.$k) asked after)"
done
# every input was answered by the simulator; duplicates only for work lost in flight
jq -r 'select(.status == 200) | .body.messages[-1].content' "$SIM_LOG" | sort -n | uniq >answered.txt
is "$(nlines answered.txt)" $N "the simulator answered every input"
rep=$(($(jq -r 'select(.status == 200) | .seq' "$SIM_LOG" | wc -l) - N))
# (each answer is journaled as it comes back: only what was in flight at a
# kill is asked again)
check "requests repeated only for work in flight at a kill ($rep <= 4 x 16)" \
	test $rep -le 64

# a resume of a finished journal sends nothing
: >"$SIM_LOG"
run llm-map -j 16 -o out.ndjson --resume . in.txt
is "$rc" 0 "resume of a finished journal: exit 0"
is "$(nlines "$SIM_LOG")" 0 "resume of a finished journal: nothing sent"
like "$err" "^llm-map: 0 done \\(0 ok, 0 failed, $N already done\\)" "resume: the summary counts what was already done"
is "$(nlines out.ndjson)" $N "resume of a finished journal: still $N lines"

# a torn last line (a crash mid-write) is dropped and redone
head -c -25 out.ndjson >torn.ndjson
last_i=$(tail -n 1 out.ndjson | jq .i)
: >"$SIM_LOG"
run llm-map -q -j 16 -o torn.ndjson --resume . in.txt
is "$rc" 0 "torn journal: exit 0"
is "$(nlines "$SIM_LOG")" 1 "torn journal: one request, for the torn record"
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG")" "$((last_i + 1))" "torn journal: the torn record's input was asked again"
is "$(jq -r .i torn.ndjson | sort -n | uniq | wc -l | tr -d ' ') $(nlines torn.ndjson)" "$N $N" "torn journal: one record per input"
is "$(jq -c . torn.ndjson 2>&1 | wc -l | tr -d ' ')" $N "torn journal: every line whole"

# ---- a changed input line is asked again and its old record replaced
printf 'a\nb\nc\n' >abc.txt
run llm-map -q -o abc.ndjson . abc.txt
is "$rc" 0 "changed line: first run"
printf 'a\nB\nc\n' >abc.txt
: >"$SIM_LOG"
run llm-map -q -o abc.ndjson --resume . abc.txt
is "$rc" 0 "changed line: resume, exit 0"
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG")" B "changed line: only the changed line was sent"
is "$(jq -r '[.i, .text] | map(tostring) | join(" ")' abc.ndjson | sort)" "0 echo: a
1 echo: B
2 echo: c" "changed line: one record per input line, the new answer"

# ---- --retry-failed: failed records are replaced
cat >bad.pool <<EOF
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"good1"}
{"provider":"openai","model":"badmodel","base_url":"$SIM/v1","key":"dead+invalid"}
EOF
cat >good.pool <<EOF
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"good1"}
{"provider":"openai","model":"badmodel","base_url":"$SIM/v1","key":"good2"}
EOF
TPL='{prompt: tostring, model: (if . % 2 == 0 then "badmodel" else "m1" end)}'
seq 20 >in20.txt
: >"$SIM_LOG"
run llm-map -q -o rf.ndjson --pool bad.pool "$TPL" in20.txt
is "$rc" 1 "retry-failed: first run, some failed: exit 1"
is "$(jq -r 'select(.ok | not) | .i + 1' rf.ndjson | sort -n | tr '\n' ' ')" "2 4 6 8 10 12 14 16 18 20 " "retry-failed: the even inputs failed"
# the first failures are auth; once the key is dead, others find nothing to try
like "$(jq -r 'select(.ok | not) | .error.kind' rf.ndjson | sort -u | tr '\n' ' ')" '^auth (rate_limited )?$' "retry-failed: with kind auth"
# resume without --retry-failed: failed records stand, nothing sent
: >"$SIM_LOG"
run llm-map -q -o rf.ndjson --resume --pool good.pool "$TPL" in20.txt
is "$rc" 0 "resume without --retry-failed: exit 0"
is "$(nlines "$SIM_LOG")" 0 "resume without --retry-failed: nothing sent"
is "$(nlines rf.ndjson)" 20 "resume without --retry-failed: 20 records"
# with --retry-failed and a working pool: only the failed ones are sent
: >"$SIM_LOG"
run llm-map -q -o rf.ndjson --resume --retry-failed --pool good.pool "$TPL" in20.txt
is "$rc" 0 "--retry-failed: exit 0"
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG" | sort -n | tr '\n' ' ')" "2 4 6 8 10 12 14 16 18 20 " "--retry-failed: only the failed inputs were sent"
is "$(jq -r '.key' "$SIM_LOG" | sort -u)" good2 "--retry-failed: to the working entry"
is "$(nlines rf.ndjson)" 20 "--retry-failed: 20 records"
is "$(jq -r .i rf.ndjson | sort -n | uniq | wc -l | tr -d ' ')" 20 "--retry-failed: one record per input"
is "$(jq -r 'select(.ok | not) | .i' rf.ndjson)" "" "--retry-failed: all ok now"
is "$(jq -r 'select(.text != "echo: \(.i + 1)") | .i' rf.ndjson)" "" "--retry-failed: answers belong to their inputs"

done_testing
