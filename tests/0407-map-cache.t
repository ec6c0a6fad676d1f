#!/bin/sh
# llm-map --cache: identical requests are answered from the cache (nothing
# sent, records say cached), a changed line sends one request, a cached
# record takes the position and input of the item it answers.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY=good1 OPENAI_MODELS=m1
sent() { wc -l <"$SIM_LOG" | tr -d ' '; }
printf 'one\ntwo\nthree\n' >in.txt

: >"$SIM_LOG"
run llm-map --cache . in.txt
is "$rc" 0 "first run: exit 0"
is "$(sent)" 3 "first run: three requests"
is "$(printf '%s\n' "$out" | jq -c '[.i, .text, .cached]')" '[0,"echo: one",null]
[1,"echo: two",null]
[2,"echo: three",null]' "first run: answered, not cached"
first=$out
like "$err" '^llm-map: 3 done \(3 ok, 0 failed\) in ' "first run: summary"

: >"$SIM_LOG"
run llm-map --cache . in.txt
is "$rc" 0 "second run: exit 0"
is "$(sent)" 0 "second run: nothing sent"
is "$(printf '%s\n' "$out" | jq -c '[.i, .text, .cached, .ms]')" '[0,"echo: one",true,0]
[1,"echo: two",true,0]
[2,"echo: three",true,0]' "second run: every record cached"
is "$(printf '%s\n' "$out" | jq -c 'del(.cached, .ms)')" "$(printf '%s\n' "$first" | jq -c 'del(.ms)')" "second run: the same records otherwise"
like "$err" '^llm-map: 3 done \(3 ok, 0 failed, 3 cached\) in .*; none answered; 0 failed over$' "second run: the summary counts cached"

# one line changed: one request
printf 'one\nTWO\nthree\n' >in.txt
: >"$SIM_LOG"
run llm-map --cache . in.txt
is "$rc" 0 "changed line: exit 0"
is "$(sent)" 1 "changed line: one request"
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG")" TWO "changed line: for the changed line"
is "$(printf '%s\n' "$out" | jq -c '[.i, .text, .cached]')" '[0,"echo: one",true]
[1,"echo: TWO",null]
[2,"echo: three",true]' "changed line: the others cached"

# without --cache, everything is sent again
: >"$SIM_LOG"
run llm-map -q . in.txt
is "$(sent)" 3 "no --cache: every line sent"

# a cached answer reused at another position is that item's record
printf 'three\nnew\none\n' >moved.txt
: >"$SIM_LOG"
run llm-map -q --cache --input . moved.txt
is "$(sent)" 1 "moved lines: only the new line sent"
is "$(printf '%s\n' "$out" | jq -c '[.i, .text, .cached, .input]')" '[0,"echo: three",true,"three"]
[1,"echo: new",null,"new"]
[2,"echo: one",true,"one"]' "moved lines: i and input are this run's"

# the template is part of the request: a new template misses the cache
: >"$SIM_LOG"
run llm-map -q --cache -s 'a system' . in.txt
is "$(sent)" 3 "another system prompt: sent again"
: >"$SIM_LOG"
run llm-map -q --cache -s 'a system' . in.txt
# (a run that fails at once sends nothing either: the records must be there, cached)
is "$(sent) $(printf '%s\n' "$out" | jq -r '[.i, .cached] | map(tostring) | join(":")' | tr '\n' ' ')" "0 0:true 1:true 2:true " \
	"same system prompt: cached"

# every option that shapes the request is part of the key: -m, -p, --schema
export OPENAI_MODELS=m1,m2 GEMINI_API_KEY=g1 GEMINI_MODELS=gm1
printf 'alpha\nbeta\n' >ab.txt
run llm-map -q --cache -m m1 . ab.txt
is "$rc $(printf '%s\n' "$out" | jq -r .model | sort -u)" "0 m1" "-m m1: answered by m1"
: >"$SIM_LOG"
run llm-map -q --cache -m m2 . ab.txt
is "$(sent)" 2 "-m m2 after -m m1: sent again"
is "$(printf '%s\n' "$out" | jq -r '[.model, .cached] | map(tostring) | join(" ")' | sort -u)" "m2 null" \
	"-m m2: m2's answers, not m1's from the cache"
: >"$SIM_LOG"
run llm-map -q --cache -m m2 . ab.txt
is "$(sent) $(printf '%s\n' "$out" | jq -r '[.model, .cached] | map(tostring) | join(" ")' | sort -u)" "0 m2 true" \
	"-m m2 again: m2's answers from the cache"
run llm-map -q --cache -p openai . ab.txt
is "$(printf '%s\n' "$out" | jq -r .provider | sort -u)" openai "-p openai: answered by openai"
: >"$SIM_LOG"
run llm-map -q --cache -p gemini . ab.txt
is "$(sent)" 2 "-p gemini after -p openai: sent again"
is "$(printf '%s\n' "$out" | jq -r '[.provider, .cached] | map(tostring) | join(" ")' | sort -u)" "gemini null" \
	"-p gemini: gemini's answers"
printf '%s\n' 'SIM-REPLY: {"name":"Ada","age":36}' >sch.txt
run llm-map -q --cache -m m1 . sch.txt
is "$(printf '%s\n' "$out" | jq -c .data)" null "no --schema: no data"
: >"$SIM_LOG"
run llm-map -q --cache -m m1 --schema 'name, age int' . sch.txt
is "$(sent)" 1 "--schema after none: sent again"
is "$(printf '%s\n' "$out" | jq -c '[.data, .cached]')" '[{"name":"Ada","age":36},null]' "--schema: the record has data"
: >"$SIM_LOG"
run llm-map -q --cache -m m1 --schema 'name, age int' --multi . sch.txt
is "$(sent)" 1 "--multi after none: sent again"
: >"$SIM_LOG"
run llm-map -q --cache -m m1 --schema 'name' . sch.txt
is "$(sent)" 1 "another schema: sent again"
: >"$SIM_LOG"
run llm-map -q --cache -m m1 --schema 'name, age int' . sch.txt
is "$(sent) $(printf '%s\n' "$out" | jq -c '[.data, .cached]')" '0 [{"name":"Ada","age":36},true]' \
	"the same schema again: cached, with data"
# the key is a SHA-256 digest (64 hex digits)
is "$(sqlite3 "$XDG_STATE_HOME/many-llm/cache.db" 'SELECT DISTINCT length(hash) FROM answers' 2>&1)" 64 \
	"cache keys are SHA-256 digests"
unset GEMINI_API_KEY GEMINI_MODELS
export OPENAI_MODELS=m1

# --cache-max-age: older answers are not used
sleep 1.1
: >"$SIM_LOG"
run llm-map -q --cache --cache-max-age 1s . in.txt
is "$(sent)" 3 "--cache-max-age 1s: answers older than that are asked again"
is "$(printf '%s\n' "$out" | jq -r '.cached' | sort -u)" null "--cache-max-age: not cached"
run llm-map --cache-max-age nope .
is "$rc" 2 "--cache-max-age nope: usage error"

# failures are not cached
export OPENAI_API_KEY='bad+invalid'
printf 'fails\n' >f.txt
run llm-map -q --cache . f.txt
is "$rc" 69 "failing key: exit 69"
export OPENAI_API_KEY=good1
: >"$SIM_LOG"
run llm-map -q --cache . f.txt
is "$(sent) $rc" "1 0" "a failure was not cached"

done_testing
