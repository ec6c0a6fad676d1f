#!/bin/sh
# llm-map and signals: SIGINT finishes what is in flight, writes whole
# records and the summary, exits 130; a second SIGINT stops at once; a
# journal left by SIGINT resumes. Output errors: /dev/full is an error,
# a closed pipe (| head -1) a quiet end.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_MODELS=m1
seq 40 >in.txt
ms() { date +%s%N | cut -c1-13; }
whole() { jq -c . "$1" 2>&1 | wc -l | tr -d ' '; }

# ---- SIGINT: in-flight requests finish, their records are written
export OPENAI_API_KEY='s+slow=500'
llm-map -j 4 . in.txt >out1 2>err1 &
pid=$!
sleep 1.2
kill -INT $pid
t0=$(ms)
wait $pid
rc=$?
t1=$(ms)
is "$rc" 130 "SIGINT: exit 130"
n=$(wc -l <out1 | tr -d ' ')
check "SIGINT: some records, not all ($n)" test "$n" -gt 0 -a "$n" -lt 40
is "$(whole out1)" "$n" "SIGINT: every record whole"
is "$(jq -r .i out1 | sort -n | uniq | wc -l | tr -d ' ')" "$n" "SIGINT: no record twice"
is "$(jq -r 'select(.ok != true or .text != "echo: \(.i + 1)") | .i' out1)" "" "SIGINT: the written records are complete answers"
check "SIGINT: in-flight requests were waited for (>= 100 ms)" test $((t1 - t0)) -ge 100
like "$(head -1 err1)" '^llm-map: interrupted: finishing [0-9]+ requests in flight \(again to stop now\)$' "SIGINT: says what it is finishing"
like "$(tail -1 err1)" "^llm-map: $n done \\($n ok, 0 failed\\) in " "SIGINT: the summary on stderr"
is "$(wc -l <err1 | tr -d ' ')" 2 "SIGINT: two lines on stderr"
# what was sent and answered at the simulator is what was written
is "$(jq -r 'select(.status == 200) | .body.messages[-1].content' "$SIM_LOG" | sort -n | tr '\n' ' ')" \
	"$(jq -r '.i + 1' out1 | sort -n | tr '\n' ' ')" "SIGINT: every answered request has its record"

# SIGTERM behaves the same
llm-map -q -j 4 . in.txt >out1t 2>err1t &
pid=$!
sleep 0.7
kill -TERM $pid
wait $pid
is "$?" 130 "SIGTERM: exit 130"
# (an empty out1t has 0 whole records of 0: the count must be checked too)
n=$(wc -l <out1t | tr -d ' ')
check "SIGTERM: some records, not all ($n)" test "$n" -gt 0 -a "$n" -lt 40
is "$(whole out1t)" "$n" "SIGTERM: every record whole"

# ---- a second SIGINT stops at once
export OPENAI_API_KEY='s2+slow=3000'
: >"$SIM_LOG"
llm-map -j 4 . in.txt >out2 2>err2 &
pid=$!
sleep 0.5
kill -INT $pid
sleep 0.3
kill -INT $pid
t0=$(ms)
wait $pid
rc=$?
t1=$(ms)
is "$rc" 130 "second SIGINT: exit 130"
check "second SIGINT: stops at once ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1500
is "$(wc -c <out2 | tr -d ' ')" 0 "second SIGINT: no record for unfinished items"
like "$(tail -1 err2)" '^llm-map: 0 done \(0 ok, 0 failed\)' "second SIGINT: the summary"

# ---- a journal left by SIGINT resumes to one record per input
export OPENAI_API_KEY='s3+slow=200'
llm-map -q -j 4 -o j.ndjson . in.txt 2>/dev/null &
pid=$!
sleep 0.7
kill -INT $pid
wait $pid
is "$?" 130 "journal + SIGINT: exit 130"
before=$(wc -l <j.ndjson | tr -d ' ')
check "journal + SIGINT: part done ($before)" test "$before" -gt 0 -a "$before" -lt 40
: >"$SIM_LOG"
run llm-map -q -j 8 -o j.ndjson --resume . in.txt
is "$rc" 0 "journal + SIGINT: resume exit 0"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" $((40 - before)) "journal + SIGINT: resume asks only the rest"
is "$(jq -r .i j.ndjson | sort -n | uniq | wc -l | tr -d ' ') $(wc -l <j.ndjson | tr -d ' ')" "40 40" "journal + SIGINT: one record per input"

# ---- output errors
export OPENAI_API_KEY=good1
run sh -c 'llm-map -q . in.txt >/dev/full'
is "$rc" 1 "/dev/full: exit 1"
is "$err" "llm-map: write error on standard output: No space left on device" "/dev/full: one clear message"
run sh -c 'llm-map -q --text . in.txt >/dev/full'
is "$rc" 1 "/dev/full --text: exit 1"
like "$err" '^llm-map: write error on standard output' "/dev/full --text: message"
run sh -c 'llm-map -q -o /dev/full . in.txt'
is "$rc" 1 "-o /dev/full: exit 1"
like "$err" '^llm-map: /dev/full: write error: No space left on device' "-o /dev/full: message names the journal"

seq 3000 >big.txt
run sh -c '{ llm-map . big.txt; echo $? >rc.txt; } | head -1'
is "$(printf '%s\n' "$out" | jq -r .i)" 0 "| head -1: the first record"
is "$err" "" "| head -1: nothing on stderr (not even the summary)"
is "$(cat rc.txt)" 141 "| head -1: ends by SIGPIPE"

done_testing
