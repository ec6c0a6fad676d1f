#!/bin/sh
# llm-map --hedge: an attempt that runs past its entry's learned p95 gets a
# second attempt on another quota owner; the first answer wins, the other is
# cancelled; hedges are marked and capped by --hedge-max.
. "$(dirname "$0")/lib.sh"
exec </dev/null
start_sim
export OPENAI_BASE_URL="$SIM/v1" OPENAI_MODELS=m1
# learn entry openai-1's latency while its key is fast (state is shared)
seq 6 > warm.txt
run env OPENAI_API_KEY_1=fast1 llm-map -q -j 1 . warm.txt
is "$rc" 0 "warm-up: exit 0"
# now the same entry turns slow; a second owner answers fast
seq 4 > in.txt
t0=$(date +%s%3N)
run env OPENAI_API_KEY_1=fast1+slow=3000 OPENAI_API_KEY_2=other \
	llm-map -q -j 4 --strategy sequential --hedge --hedge-max 100 . in.txt
t1=$(date +%s%3N)
is "$rc" 0 "hedged run: exit 0"
is "$(printf '%s\n' "$out" | jq -s 'length')" 4 "hedged run: one record per input"
is "$(printf '%s\n' "$out" | jq -s '[.[] | select(.hedged == true)] | length')" 4 "every slow item was hedged"
is "$(printf '%s\n' "$out" | jq -r '.entry' | sort -u)" "openai-2:m1" "the other owner's answer won"
is "$(printf '%s\n' "$out" | jq -r '.text' | tr '\n' ' ')" "echo: 1 echo: 2 echo: 3 echo: 4 " "answers in input order"
check "the run did not wait for the slow entry ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 2500 ]
# the cap: --hedge-max 0 never hedges
run env OPENAI_API_KEY_1=fast1+slow=600 OPENAI_API_KEY_2=other \
	llm-map -q -j 4 --strategy sequential --hedge --hedge-max 0 . in.txt
is "$(printf '%s\n' "$out" | jq -s '[.[] | select(.hedged == true)] | length')" 0 "--hedge-max 0: no hedges"
is "$(printf '%s\n' "$out" | jq -r '.entry' | sort -u)" "openai-1:m1" "--hedge-max 0: the slow entry answers"
done_testing
