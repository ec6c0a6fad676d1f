#!/bin/sh
# llm-map's summary line, --quiet, and --progress on a stderr that is not
# a terminal.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY_1=good1 GEMINI_API_KEY=g1 OPENAI_MODELS=m1 GEMINI_MODELS=gm
NUM='[0-9]+'
seq 20 >in.txt

# ---- the summary: one line, done/ok/failed, time, rate, per provider, failovers
run llm-map . in.txt
is "$rc" 0 "exit 0"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "summary: one line on stderr"
like "$err" "^llm-map: 20 done \\(20 ok, 0 failed\\) in [0-9]+\\.[0-9]s, $NUM/s;( (openai|gemini) $NUM)+; 0 failed over\$" "summary: format"
sum=$(printf '%s\n' "$err" | sed 's/.*\/s;//; s/;.*//' | tr ' ' '\n' | awk '/^[0-9]+$/ { n += $1 } END { print n }')
is "$sum" 20 "summary: the per-provider counts add up"
is "$(printf '%s\n' "$err" | sed -n 's/.*; \([a-z]*\) \([0-9]*\)\(.*\)/\1/p' | head -1 | grep -c -E 'openai|gemini')" 1 "summary: names providers"

# failures and failovers are counted
printf 'a\n{bad\nb\n' >mixed.txt
export OPENAI_API_KEY_2='dead+invalid' OPENAI_API_KEY_1=good1
unset GEMINI_API_KEY
run llm-map --strategy sequential -p openai . mixed.txt
is "$rc" 1 "mixed: exit 1"
like "$(printf '%s\n' "$err" | tail -1)" "^llm-map: 3 done \\(2 ok, 1 failed\\) in .*; openai 2; 0 failed over\$" "summary: failures counted"
export OPENAI_API_KEY_1='dead1+invalid' OPENAI_API_KEY_2=good2
run llm-map --strategy sequential . in.txt
is "$rc" 0 "failover: exit 0"
like "$err" "^llm-map: 20 done \\(20 ok, 0 failed\\) in .*; openai 20; [1-9][0-9]* failed over\$" "summary: failovers counted"
unset OPENAI_API_KEY_2
export OPENAI_API_KEY_1=good1

# nothing could be answered: exit 69, "none answered"
export OPENAI_API_KEY_1='x+invalid'
run llm-map . mixed.txt
is "$rc" 69 "nothing answered: exit 69"
like "$(printf '%s\n' "$err" | tail -1)" "^llm-map: 3 done \\(0 ok, 3 failed\\) in .*; none answered; 0 failed over\$" "summary: none answered"
export OPENAI_API_KEY_1=good1

# an empty input: 0 done
run llm-map . /dev/null
is "$rc" 0 "empty input: exit 0"
is "$out" "" "empty input: no records"
like "$err" '^llm-map: 0 done \(0 ok, 0 failed\) in ' "empty input: summary"

# ---- --quiet: no summary, no progress; errors still reported
run llm-map -q . in.txt
is "$err" "" "-q: nothing on stderr"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 20 "-q: the records"
run llm-map --quiet --progress . mixed.txt
like "$err" '^llm-map: mixed.txt:2: invalid JSON: ' "-q: per-line errors still on stderr"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "-q --progress: no progress, no summary"

# ---- --progress on a non-terminal: progress lines, then the summary
seq 400 >big.txt
export OPENAI_API_KEY_1='p+slow=10'
run llm-map --progress -j 4 . big.txt
is "$rc" 0 "--progress: exit 0"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 400 "--progress: stdout has only the records"
printf '%s' "$err" | tr '\r' '\n' | sed 's/^\x1b\[K//' | grep . >prog.txt
check "--progress: several progress updates" test "$(grep -c '/400 ' prog.txt)" -ge 2
like "$(grep '/400 ' prog.txt | head -1)" "^llm-map: $NUM/400 $NUM/s( ETA ${NUM}s)? ok $NUM failed $NUM \\|( [a-z]+ $NUM)* \\| cooling $NUM\$" "--progress: the progress line"
like "$(tail -1 prog.txt)" '^llm-map: 400 done \(400 ok, 0 failed\) in ' "--progress: the summary last, on its own line"
is "$(grep '/400 ' prog.txt | sed 's/^llm-map: \([0-9]*\)\/.*/\1/' | sort -n -c 2>&1 && echo sorted)" sorted "--progress: the count only grows"
# without --progress on a non-terminal: only the summary
run llm-map -j 4 . in.txt
is "$(printf '%s\n' "$err" | tr '\r' '\n' | grep -c .)" 1 "no --progress, not a terminal: only the summary"
unlike "$err" "$(printf '\r')" "no --progress: no carriage returns"

done_testing
