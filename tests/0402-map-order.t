#!/bin/sh
# llm-map output order: input order by default even when early items are
# slow; -u writes in completion order, every item exactly once.
. "$(dirname "$0")/lib.sh"

start_sim
cat >pool.ndjson <<EOF
{"provider":"openai","model":"fast","base_url":"$SIM/v1","key":"fast1"}
{"provider":"openai","model":"slow","base_url":"$SIM/v1","key":"slow1+slow=500"}
EOF
export LLM_POOL="$T/pool.ndjson"
# items 0 and 1 go to the slow entry, the rest to the fast one
TPL='{prompt: tostring, model: (if . < 2 then "slow" else "fast" end)}'
seq 0 11 >in.txt

run llm-map -q -j 16 "$TPL" in.txt
is "$rc" 0 "ordered: exit 0"
is "$(printf '%s\n' "$out" | jq -r .i | tr '\n' ' ')" "0 1 2 3 4 5 6 7 8 9 10 11 " "ordered: records in input order"
is "$(printf '%s\n' "$out" | jq -r 'select(.text != "echo: \(.i)") | .i')" "" "ordered: each answer belongs to its input"
is "$(printf '%s\n' "$out" | jq -r '[.i, .model] | map(tostring) | join(" ")' | head -3)" "0 slow
1 slow
2 fast" "ordered: the slow items came from the slow entry"

run llm-map -q -u -j 16 "$TPL" in.txt
is "$rc" 0 "-u: exit 0"
is "$(printf '%s\n' "$out" | jq -r .i | sort -n | tr '\n' ' ')" "0 1 2 3 4 5 6 7 8 9 10 11 " "-u: every i exactly once"
is "$(printf '%s\n' "$out" | jq -r .i | tail -2 | sort -n | tr '\n' ' ')" "0 1 " "-u: the slow items come last"
unlike "$(printf '%s\n' "$out" | jq -r .i | tr '\n' ' ')" '^0 1 2 3 4 5 6 7 8 9 10 11 $' "-u: completion order differs from input order"
is "$(printf '%s\n' "$out" | jq -r 'select(.text != "echo: \(.i)") | .i')" "" "-u: each answer belongs to its input"

# -u writes a finished record at once: the first line comes before the slow items end
run sh -c "llm-map -q -u -j 16 '$TPL' in.txt | { IFS= read -r l; date +%s%N; printf '%s\n' \"\$l\"; cat >/dev/null; date +%s%N; }"
first=$(printf '%s\n' "$out" | sed -n 1p) last=$(printf '%s\n' "$out" | sed -n 3p)
check "-u: the first record is out well before the end" test $(( (last - first) / 1000000 )) -ge 300

# ordered, slow everywhere: a larger batch over both entries by chance
cat >pool2.ndjson <<EOF
{"provider":"openai","model":"m","base_url":"$SIM/v1","key":"a1+slow=40","id":"a"}
{"provider":"openai","model":"m","base_url":"$SIM/v1","key":"b1","id":"b"}
EOF
seq 0 199 >in200.txt
LLM_POOL="$T/pool2.ndjson" run llm-map -q -j 32 . in200.txt
is "$rc" 0 "200 over two entries: exit 0"
is "$(printf '%s\n' "$out" | jq -r .i | tr '\n' ' ')" "$(seq 0 199 | tr '\n' ' ')" "200 over two entries: input order"
is "$(printf '%s\n' "$out" | jq -r 'select(.text != "echo: \(.i)") | .i')" "" "200 over two entries: answers match inputs"
is "$(printf '%s\n' "$out" | jq -r .entry | sort -u | tr '\n' ' ')" "a b " "200 over two entries: both entries answered"

done_testing
