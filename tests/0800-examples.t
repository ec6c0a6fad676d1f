#!/bin/sh
# examples/: every example run against llm-sim, its output checked exactly
# (the simulated model answers "echo: <prompt>", or what follows SIM-REPLY:
# in the prompt): translate.sh, csv-to-tsv.sh, classify-logs.sh,
# bug-structs.sh + bugs.c, ask.c, coprocess.sh, openai-client.mjs,
# seed-main.sh, many-machines.sh (with redis-server and GNU parallel).
. "$(dirname "$0")/lib.sh"
exec </dev/null   # the tools read a non-terminal stdin
EX="$TOP/examples"
export TMPDIR="$T/tmp"   # the examples' temporary files: none may be left
mkdir -p "$TMPDIR"

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
# reqs: the requests the sim got since the last mark, one per line
mark() { : >"$SIM_LOG"; }

# ---- translate.sh: paragraphs in order, each one translated, joined back
printf '\n\nFirst paragraph,\nwith two lines.\n\n\nSecond one.\n \t\nThird: "quoted" \\ back\\slash.\n\n\n' >doc.txt
for i in $(seq 4 40); do printf '\nParagraph %s.\n' "$i"; done >>doc.txt
mark
run sh "$EX/translate.sh" -l German doc.txt
is "$rc" 0 "translate.sh: exit 0"
want=$(printf 'echo: First paragraph,\nwith two lines.\n\necho: Second one.\n\necho: Third: "quoted" \\ back\\slash.'
	for i in $(seq 4 40); do printf '\n\necho: Paragraph %s.' "$i"; done)
is "$out" "$want" "translate.sh: every paragraph translated, in order, blank lines between"
is "$err" "" "translate.sh: nothing on stderr"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 40 "translate.sh: one request per paragraph"
is "$(jq -r '.body.messages[0].content' "$SIM_LOG" | sort -u)" \
	"Translate the text into German. Keep its meaning, tone and line breaks. Answer with the translation only." \
	"translate.sh: -l German is in every system prompt"
is "$(jq -sr 'map(.body.messages[1].content) | sort | .[0]' "$SIM_LOG")" "First paragraph,
with two lines." "translate.sh: a paragraph's inner line break is sent as is"
# JOURNAL: a second run asks nothing again
run env JOURNAL="$T/tr.ndjson" sh "$EX/translate.sh" doc.txt
is "$rc:$out" "0:$want" "translate.sh JOURNAL=: the same text"
mark
run env JOURNAL="$T/tr.ndjson" sh "$EX/translate.sh" doc.txt
is "$rc:$out" "0:$want" "translate.sh JOURNAL= again: the same text"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 0 "translate.sh JOURNAL= again: no request (resumed from the journal)"
# every entry fails: exit 1, nothing on stdout, the failures named
run env OPENAI_API_KEY_1=bad+invalid XDG_STATE_HOME="$T/st-bad" sh "$EX/translate.sh" doc.txt
is "$rc" 1 "translate.sh, every key invalid: exit 1"
is "$out" "" "translate.sh, every key invalid: no partial document"
like "$err" '^translate.sh: 40 of 40 paragraphs not translated:' "translate.sh, every key invalid: says so"
like "$err" 'paragraph 40: auth: ' "translate.sh, every key invalid: names each paragraph and kind"

# ---- csv-to-tsv.sh: messy rows, messy answers, typed TSV
cat >messy.csv <<'EOF'
Name , Age,City,Joined,Plan
"Lovelace, Ada", 36 ,london,4 March 2021,PRO SIM-REPLY: Here it is: ```json {'name': 'Ada Lovelace', age: "36", "city": "London", "joined": "2021-03-04", "plan": "Pro ",} ```
 turing alan,forty-one,Manchester ,1912/06/23, SIM-REPLY: {"name": "Alan Turing", "age": 41.0, "city": "Manchester", "joined": "1912-06-23", "plan": null}

Hopper; Grace,85,"New York, NY",09-12-1906,team SIM-REPLY: <think>{"name":"x"}</think> {"name": "Grace Hopper", "age": 85, "city": "New York, NY", "joined": "1906-12-09", "plan": "team"}
"Tab	Person",7,"a\b",2020-01-01,free SIM-REPLY: {"name": "Tab\tPerson", "age": 7, "city": "a\\b", "joined": "2020-01-01", "plan": "free"}
EOF
tr -d '\r' <messy.csv | sed 's/$/\r/' >crlf.csv
mark
run sh "$EX/csv-to-tsv.sh" messy.csv
is "$rc" 0 "csv-to-tsv.sh: exit 0"
TAB=$(printf '\t')
want="name${TAB}age${TAB}city${TAB}joined${TAB}plan
Ada Lovelace${TAB}36${TAB}London${TAB}2021-03-04${TAB}pro
Alan Turing${TAB}41${TAB}Manchester${TAB}1912-06-23${TAB}\\N
Grace Hopper${TAB}85${TAB}New York, NY${TAB}1906-12-09${TAB}team
Tab\\tPerson${TAB}7${TAB}a\\\\b${TAB}2020-01-01${TAB}free"
is "$out" "$want" "csv-to-tsv.sh: typed TSV, header, rows in order, \\N, escapes"
is "$err" "" "csv-to-tsv.sh: nothing on stderr"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 4 "csv-to-tsv.sh: one request per row (the blank row skipped)"
like "$(jq -r 'select(.seq >= 0) | .body.messages[1].content' "$SIM_LOG" | sed -n 1,2p | tr '\n' '|')" \
	'^CSV header: Name , Age,City,Joined,Plan\|CSV row: ' "csv-to-tsv.sh: the prompt carries the header and the row"
like "$(jq -r '.body.messages[0].content' "$SIM_LOG" | sed -n 2p)" '^\{"type":"object".*"required":\["name","age","city","joined"\]' \
	"csv-to-tsv.sh: the system prompt carries the JSON Schema"
run sh "$EX/csv-to-tsv.sh" crlf.csv
is "$rc:$out" "0:$want" "csv-to-tsv.sh: CR LF input, the same TSV"
printf 'a,b\n1,2 SIM-REPLY: {"name": "x", "age": "old", "city": "c", "joined": "2020-01-01"}\n3,4 SIM-REPLY: {"name": "y", "age": 3, "city": "c", "joined": "2020-01-02"}\n' >bad.csv
run sh "$EX/csv-to-tsv.sh" bad.csv
is "$rc" 1 "csv-to-tsv.sh: a row that does not fit: exit 1"
is "$out" "name${TAB}age${TAB}city${TAB}joined${TAB}plan
y${TAB}3${TAB}c${TAB}2020-01-02${TAB}\\N" "csv-to-tsv.sh: the other rows still come out"
like "$err" 'age.*expected integer' "csv-to-tsv.sh: the bad row is reported"

# ---- classify-logs.sh: xargs -P 8 llm-ask, one shared state, input order
{
	echo '2024-05-01 12:00:01 ERROR disk /dev/sda1 full SIM-REPLY: Error.'
	echo 'GET /index.html 200 "it'"'"'s" \ ok $(id) SIM-REPLY: info'
	echo 'WARN: low memory SIM-REPLY:   Warning: memory is low'
	echo 'debug: x=1'
	for i in $(seq 5 40); do echo "worker $i started SIM-REPLY: INFO"; done
} >app.log
cat >cl-pool.ndjson <<EOF
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"cl-busy+retry=60","id":"busy","priority":0}
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"cl-good","id":"good","priority":1}
EOF
mark
run env LLM_POOL="$T/cl-pool.ndjson" XDG_STATE_HOME="$T/st-cl" sh "$EX/classify-logs.sh" app.log
is "$rc" 0 "classify-logs.sh: exit 0"
want=$(printf 'error\t2024-05-01 12:00:01 ERROR disk /dev/sda1 full SIM-REPLY: Error.\n'
	printf 'info\tGET /index.html 200 "it'"'"'s" \\ ok $(id) SIM-REPLY: info\n'
	printf 'warning\tWARN: low memory SIM-REPLY:   Warning: memory is low\n'
	printf 'echo\tdebug: x=1\n'
	for i in $(seq 5 40); do printf 'info\tworker %s started SIM-REPLY: INFO\n' "$i"; done)
is "$out" "$want" "classify-logs.sh: one label per line, in input order, quotes intact"
is "$(jq -r 'select(.status == 200) | .key' "$SIM_LOG" | sort | uniq -c | tr -s ' ')" " 40 cl-good" \
	"classify-logs.sh: 40 answers, all from the good key"
n429=$(jq -r 'select(.key == "cl-busy+retry=60") | .status' "$SIM_LOG" | wc -l | tr -d ' ')
check "classify-logs.sh: the busy key's cooldown is shared: $n429 of 40 calls tried it (at most the first 8)" \
	[ "$n429" -ge 1 -a "$n429" -le 8 ]
is "$(ls "$T/st-cl/many-llm" | grep -c '^state\.db$')" 1 "classify-logs.sh: one state file for all the processes"
run env OPENAI_API_KEY_1=bad+invalid XDG_STATE_HOME="$T/st-bad2" sh "$EX/classify-logs.sh" app.log
is "$rc" 1 "classify-logs.sh, every key invalid: exit 1"
is "$(printf '%s\n' "$out" | cut -f1 | sort -u)" FAILED "classify-logs.sh, every key invalid: every line FAILED"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 40 "classify-logs.sh, every key invalid: still one line per input line"

# ---- bug-structs.sh + bugs.c: free text -> JSON -> C header -> program
cat >reports.txt <<'EOF'
Bug 17: the editor crashes when I open a file bigger than 2 GB.
Version 1.4.2. Steps: open the file, scroll down.
SIM-REPLY: {"id": 17, "title": "Crash opening files over 2 GB", "severity": "critical", "component": "editor", "version": "1.4.2", "crash": true, "steps": ["open a file over 2 GB", "scroll down"]}

hey, #23 - typo in the About box ("Copyrihgt"), not a big deal
SIM-REPLY: Sure! ```json
{"id": "23", "title": "Typo \"Copyrihgt\" in the About box", "severity": "Low", "component": null, "crash": false, "steps": ["open Help > About"],}
```

Ticket 31: ??? weird\backslash in path C:\tmp makes export hang
SIM-REPLY: {"id": 31, "title": "Export hangs: C:\\tmp ??/ */ %s \"q\"", "severity": "high", "component": "export", "version": null, "crash": false, "steps": []}
EOF
mark
run sh "$EX/bug-structs.sh" -o "$T/bugs" reports.txt
is "$rc" 0 "bug-structs.sh: exit 0"
is "$out" '#17 [critical] Crash opening files over 2 GB
  component: editor
  version:   1.4.2
  crash:     yes
  step 1:    open a file over 2 GB
  step 2:    scroll down
#23 [low] Typo "Copyrihgt" in the About box
  component: (unknown)
  version:   (unknown)
  crash:     no
  step 1:    open Help > About
#31 [high] Export hangs: C:\tmp ??/ */ %s "q"
  component: export
  version:   (unknown)
  crash:     no
3 bugs, 1 crashes' "bug-structs.sh: bugs.c prints every report's values"
is "$err" "" "bug-structs.sh: nothing on stderr (cc -Werror was quiet)"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 3 "bug-structs.sh: one request per report"
like "$(grep -c '^static const struct bug bug_[0-9]' "$T/bugs/bugs.h")" '^3$' "bug-structs.sh: bugs.h holds three initializers"
check "bugs.c compiles with -std=c99 -pedantic -Wall -Wextra -Werror against bugs.h" \
	cc -std=c99 -pedantic -Wall -Wextra -Werror -I "$T/bugs" -o "$T/bugs2" "$EX/bugs.c"
sed 's/"severity": "critical"/"severity": "fatal"/' reports.txt >reports-bad.txt
run sh "$EX/bug-structs.sh" -o "$T/bugs-bad" reports-bad.txt
check "bug-structs.sh: an answer outside the schema fails ($rc)" [ "$rc" -ne 0 ]
like "$err" 'severity' "bug-structs.sh: ... naming the field"
check "bug-structs.sh: ... and leaves no header" [ ! -e "$T/bugs-bad/bugs.h" ]

# ---- ask.c: built against the in-tree library, two lines on stdin
LIBS=$(make -s -C "$TOP" -f Makefile -f - print-libs <<'EOF'
print-libs: ; @echo $(LIBS)
EOF
)
if cc -std=c99 -Wall -Wextra -Werror ${MLM_SAN:-} -I"$TOP/lib" -o ask "$EX/ask.c" "$TOP/lib/libmanyllm.a" $LIBS 2>cc.err; then
	ok "ask.c builds against lib/libmanyllm.a"
else
	nok "ask.c builds against lib/libmanyllm.a"; diag "$(cat cc.err)"
fi
mark
printf 'What colour is the sky?\nSIM-REPLY: Blue\n' >ask.in
run ./ask <ask.in
is "$rc" 0 "ask.c: exit 0"
is "$out" "What colour is the sky?${TAB}echo: What colour is the sky?${TAB}openai-1:m1
SIM-REPLY: Blue${TAB}Blue${TAB}openai-1:m1" "ask.c: line, answer, entry for each line"
is "$(jq -r '.body.messages[0].content' "$SIM_LOG" | sort -u)" "Answer in one word." "ask.c: its system prompt went out"
run env OPENAI_API_KEY_1=bad+invalid XDG_STATE_HOME="$T/st-bad3" ./ask <ask.in
is "$rc:$out" "69:" "ask.c: every key invalid: exit 69, nothing on stdout"

# ---- coprocess.sh: llm-map -u on two fifos, follow-ups from the answers
mark
run timeout 30 sh "$EX/coprocess.sh" -n 3 Unix pipes
is "$rc" 0 "coprocess.sh: exit 0"
q1='What is the single most important idea in Unix pipes?'
a1="echo: $q1"
q2="You said: \"$a1\" Why does that matter? Give one concrete example."
a2="echo: $q2"
q3="You said: \"$a2\" Why does that matter? Give one concrete example."
a3="echo: $q3"
is "$out" "Q: $q1
A: $a1 [openai-1:m1]
Q: $q2
A: $a2 [openai-1:m1]
Q: $q3
A: $a3 [openai-1:m1]" "coprocess.sh: each question built from the previous answer"
is "$(jq -r '.body.messages[1].content' "$SIM_LOG")" "$q1
$q2
$q3" "coprocess.sh: three requests, in order"
is "$err" "" "coprocess.sh: nothing on stderr"
is "$(ls "$TMPDIR")" "" "coprocess.sh: no fifo left behind"

# ---- seed-main.sh: main.py as one llm-ask command
mark
run sh "$EX/seed-main.sh"
is "$rc:$out" "0:echo: Introduce yourself in one sentence." "seed-main.sh: the fixed user message answered"
is "$(jq -c '.body.messages' "$SIM_LOG")" \
	'[{"role":"system","content":"You are a helpful assistant. Answer concisely."},{"role":"user","content":"Introduce yourself in one sentence."}]' \
	"seed-main.sh: the fixed system prompt and user message"
run sh "$EX/seed-main.sh" What is a pipe
is "$rc:$out" "0:echo: What is a pipe" "seed-main.sh QUESTION: asks that instead"

# ---- openai-client.mjs: the official client against llm-serve
NODE_DIR="$TOP/tests/node"
if ! command -v node >/dev/null; then
	ok "# SKIP openai-client.mjs: no node"
elif [ ! -d "$NODE_DIR/node_modules/openai" ] && { ! command -v npm >/dev/null ||
	! (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent >"$T/npm.log" 2>&1); }; then
	ok "# SKIP openai-client.mjs: npm install openai failed"
else
	mkdir -p "$T/node"
	cp "$EX/openai-client.mjs" "$T/node/"
	ln -s "$NODE_DIR/node_modules" "$T/node/node_modules"
	rm -f serve.port
	LLM_SERVE_TOKENS=tok1 LLM_STATE=memory llm-serve --listen 127.0.0.1:0 --port-file serve.port 2>serve.err &
	SRV_PID=$!
	_pids="$_pids $SRV_PID"
	for _i in $(seq 1 250); do [ -s serve.port ] && break; sleep 0.02; done
	mark
	run env MANYLLM_URL="http://127.0.0.1:$(cat serve.port)/v1" MANYLLM_TOKEN=tok1 \
		timeout 60 node "$T/node/openai-client.mjs" How are you
	is "$rc" 0 "openai-client.mjs: exit 0"
	is "$out" "whole: echo: How are you
entry: openai-1:m1
tokens: 14
streamed: echo: How are you" "openai-client.mjs: the whole and the streamed answer, the entry"
	is "$(jq -c '[.stream, .body.messages[0].content]' "$SIM_LOG" | tr '\n' ' ')" \
		'[false,"Answer in one sentence."] [true,"Answer in one sentence."] ' "openai-client.mjs: two requests reached the pool"
	run env MANYLLM_URL="http://127.0.0.1:$(cat serve.port)/v1" MANYLLM_TOKEN=wrong \
		timeout 60 node "$T/node/openai-client.mjs" x
	is "$rc" 1 "openai-client.mjs, a wrong token: exit 1"
	like "$err" '^openai-client: HTTP 401' "openai-client.mjs, a wrong token: the HTTP status"
	kill "$SRV_PID" 2>/dev/null
fi

# ---- many-machines.sh: parallel --pipe shards, one state in Redis
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	ok "# SKIP many-machines.sh: no redis-server"
elif ! command -v parallel >/dev/null || ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	ok "# SKIP many-machines.sh: no GNU parallel"
else
	mkdir -p "$T/home"   # parallel writes ~/.parallel
	start_redis
	if [ -z "$RPORT" ]; then
		nok "many-machines.sh: redis-server started"
	else
		# a: 5 per minute (the pool says so, the sim enforces it); b: cools down
		# for 60 s after its first answer; c: good
		cat >mm-pool.ndjson <<EOF
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"mmA+rpm=5","id":"a","rpm":5,"priority":0}
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"mmB+retry=60","id":"b","priority":1}
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"mmC","id":"c","priority":2}
EOF
		seq 1 60 | sed 's/^/item "/; s/$/" \\/' >batch.txt
		mark
		run env HOME="$T/home" LLM_POOL="$T/mm-pool.ndjson" LLM_STATE="redis://127.0.0.1:$RPORT/0" \
			SHARD_LINES=10 sh "$EX/many-machines.sh" <batch.txt
		is "$rc" 0 "many-machines.sh: exit 0"
		is "$(printf '%s\n' "$out" | jq -r '[.i, .input, .text] | @tsv')" \
			"$(awk '{ printf "%d\t%s\techo: %s\n", NR - 1, $0, $0 }' batch.txt | sed 's/\\/\\\\/g')" \
			"many-machines.sh: 60 records merged in input order, i global, each its own answer"
		like "$err" '^many-machines.sh: 60 lines, 60 records, 60 answered; ' "many-machines.sh: the summary line"
		is "$(jq -r '.key' "$SIM_LOG" | sort -u | tr '\n' ' ')" 'mmA+rpm=5 mmB+retry=60 mmC ' \
			"many-machines.sh: the shards used every entry"
		na=$(jq -r 'select(.key == "mmA+rpm=5") | .status' "$SIM_LOG" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
		is "$na" " 5 200 " "many-machines.sh: the rate limit is counted once for all the shards (5 calls to a, no 429)"
		nb=$(jq -r 'select(.key == "mmB+retry=60") | .status' "$SIM_LOG" | wc -l | tr -d ' ')
		check "many-machines.sh: the cooldown is shared: b was tried $nb time(s) (at most once per concurrent shard)" \
			[ "$nb" -ge 1 -a "$nb" -le 2 ]
		is "$(jq -r 'select(.ok) | .entry' <"$T/.out" | sort | uniq -c | awk '{ printf "%s %s ", $2, $1 }')" "a 5 c 55 " \
			"many-machines.sh: a answered 5, c the rest"
		like "$(redis-cli -p "$RPORT" --scan --pattern 'mlm:*' | sort | tr '\n' ' ')" 'mlm:rec:e:a .*mlm:rec:e:b ' \
			"many-machines.sh: the scheduler state is in Redis"
		# several slots: the --sshlogin form, with this machine as ':'
		mark
		run env HOME="$T/home" LLM_POOL="$T/mm-pool.ndjson" LLM_STATE="redis://127.0.0.1:$RPORT/1" \
			SHARD_LINES=7 sh "$EX/many-machines.sh" 2/: <batch.txt
		is "$rc" 0 "many-machines.sh 2/: (an --sshlogin slot): exit 0"
		is "$(printf '%s\n' "$out" | jq -r '[.i, .text] | @tsv')" \
			"$(awk '{ printf "%d\techo: %s\n", NR - 1, $0 }' batch.txt | sed 's/\\/\\\\/g')" \
			"many-machines.sh 2/:: the same merged records"
	fi
fi

is "$(ls "$TMPDIR")" "" "the examples left no temporary file"

done_testing
