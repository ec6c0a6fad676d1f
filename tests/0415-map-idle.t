#!/bin/sh
# llm-map sleeps while it waits: for input that has not come yet (nothing
# in flight) and for a slow answer (a call in flight). It once spun on its
# empty input queue, a whole core for as long as a slow producer took to
# write its next line.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_MODELS=m1 OPENAI_API_KEY_1=k1
hz=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # user + system, clock ticks

mkfifo in.fifo
llm-map -q -j 4 . <in.fifo >out 2>err &
pid=$!
exec 4>in.fifo
sleep 2
t=$(cpu "$pid")
check "waiting 2 s for its first line: $t CPU ticks, under a quarter second ($hz a second)" \
	[ "$t" -lt $((hz / 4)) ]
echo one >&4
sleep 1
t0=$(cpu "$pid")
sleep 2
t=$(( $(cpu "$pid") - t0 ))
check "waiting 2 s for its next line after an answer: $t CPU ticks" [ "$t" -lt $((hz / 4)) ]
exec 4>&-
wait "$pid"
is "$?" 0 "exit 0 at the end of input"
is "$(jq -c '[.i, .text]' out)" '[0,"echo: one"]' "the one line answered"
is "$(cat err)" "" "nothing on stderr"

# a call in flight: an answer that takes 3 s
export OPENAI_API_KEY_1='k1+slow=3000'
echo two | llm-map -q . >out2 2>err2 &
pid=$!
sleep 0.5
t0=$(cpu "$pid")
sleep 2
t=$(( $(cpu "$pid") - t0 ))
check "waiting 2 s for a slow answer: $t CPU ticks" [ "$t" -lt $((hz / 4)) ]
wait "$pid"
is "$?" 0 "the slow answer: exit 0"
is "$(jq -r .text out2)" "echo: two" "the slow answer: its record"
done_testing
