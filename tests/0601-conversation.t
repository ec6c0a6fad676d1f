#!/bin/sh
# llm-ask -c FILE and --messages (issue #6): a multi-turn dialogue from a
# script (every request carries the whole history), a failed call leaves the
# file byte-identical, concurrent writers take turns and never corrupt it,
# --messages reads a history from stdin, and long histories skip entries
# whose window is too small, or fail clearly when none is large enough.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
msgs() { jq -c "select(.status == 200) | .body.messages" "$SIM_LOG" | sed -n "${1}p"; }

# ---- two turns from a script
run llm-ask -c talk.ndjson "Let us plan a trip to Lyon."
is "$rc:$out" "0:echo: Let us plan a trip to Lyon." "turn 1: the answer"
run llm-ask -c talk.ndjson "What should we see on day two?"
is "$rc:$out" "0:echo: What should we see on day two?" "turn 2: the answer"
is "$(msgs 2)" '[{"role":"user","content":"Let us plan a trip to Lyon."},{"role":"assistant","content":"echo: Let us plan a trip to Lyon."},{"role":"user","content":"What should we see on day two?"}]' \
	"turn 2: the request carries the whole history, in order"
is "$(wc -l <talk.ndjson | tr -d ' ')" 4 "after 2 turns the file has 4 lines"
is "$(cat talk.ndjson)" '{"role":"user","content":"Let us plan a trip to Lyon."}
{"role":"assistant","content":"echo: Let us plan a trip to Lyon."}
{"role":"user","content":"What should we see on day two?"}
{"role":"assistant","content":"echo: What should we see on day two?"}' "the file: user, assistant, user, assistant"
check "no temporary file left" [ -z "$(ls | grep 'talk\.ndjson\.tmp')" ]
# the prompt from stdin too, and --json
run sh -c 'printf "line one\nline two\n" | llm-ask -c talk.ndjson --json "Third:"'
is "$rc" 0 "turn 3 (stdin appended, --json): exit 0"
is "$(printf '%s' "$out" | jq -r .text)" "echo: Third:

line one
line two" "turn 3: the record's text"
is "$(sed -n 5p talk.ndjson | jq -r .content)" "Third:

line one
line two" "turn 3: the user line holds the arguments and stdin"
is "$(wc -l <talk.ndjson | tr -d ' ')" 6 "turn 3: 6 lines"

# a system prompt: saved as the first line of a new file; on an existing
# file it overrides the saved one for that call only
run llm-ask -c sys.ndjson -s "Answer in French." "Bonjour"
is "$(jq -r .role sys.ndjson | tr '\n' ' ')" "system user assistant " "-s on a new file: the system line first"
: >"$SIM_LOG"
run llm-ask -c sys.ndjson -s "Answer in German." "Hallo"
is "$(msgs 1 | jq -r '.[0].content')" "Answer in German." "-s on an existing file: used for this call"
is "$(grep -c '"system"' sys.ndjson)" 1 "-s on an existing file: not saved"
is "$(sed -n 1p sys.ndjson | jq -r .content)" "Answer in French." "-s on an existing file: the saved system line is kept"
: >"$SIM_LOG"
run llm-ask -c sys.ndjson "Encore"
is "$(msgs 1 | jq -r '.[0].role + ": " + .[0].content')" "system: Answer in French." "without -s the file's system message is sent"
is "$(msgs 1 | jq length)" 6 "... then the 4 earlier messages and the new one"

# ---- a failed call: the file is byte-identical, exit 69
cp talk.ndjson talk.before
run env OPENAI_API_KEY_1=bad1+invalid OPENAI_API_KEY_2=bad2+invalid XDG_STATE_HOME="$T/st-bad" \
	llm-ask -c talk.ndjson "This one fails."
is "$rc" 69 "every entry +invalid: exit 69"
is "$out" "" "every entry +invalid: nothing on stdout"
like "$err" '^llm-ask: auth: ' "every entry +invalid: the error on stderr"
check "every entry +invalid: the file is byte-identical" cmp -s talk.ndjson talk.before
check "every entry +invalid: no temporary file left" [ -z "$(ls | grep 'talk\.ndjson\.tmp')" ]
run env OPENAI_API_KEY_1=bad1+invalid XDG_STATE_HOME="$T/st-bad" llm-ask --json -c talk.ndjson "Fails again."
is "$rc:$(printf '%s' "$out" | jq -r .ok)" "69:false" "--json failure: exit 69, ok false"
check "--json failure: the file is byte-identical" cmp -s talk.ndjson talk.before
# a cut stream is a failure too: nothing saved
run env OPENAI_API_KEY_1=c+cut XDG_STATE_HOME="$T/st-cut" llm-ask --stream --retries 1 -c talk.ndjson "Cut me."
is "$rc" 69 "a cut stream, no other entry: exit 69"
check "a cut stream: the file is byte-identical" cmp -s talk.ndjson talk.before
# a malformed file is refused, and left alone
printf '{"role":"user","content":"ok"}\n{"role":"robot","content":"x"}\n' >bad.ndjson
cp bad.ndjson bad.before
run llm-ask -c bad.ndjson "hi"
is "$rc" 65 "a malformed conversation file: exit 65"
like "$err" 'bad\.ndjson:2: ' "a malformed conversation file: the line is named"
check "a malformed conversation file: unchanged" cmp -s bad.ndjson bad.before

# ---- 8 concurrent writers on one file
: >"$SIM_LOG"
pids=
for i in 1 2 3 4 5 6 7 8; do
	OPENAI_API_KEY_1='w+slow=50' llm-ask -c conc.ndjson "writer $i" >"w$i.out" 2>"w$i.err" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "8 concurrent writers: all exit 0"
is "$(wc -l <conc.ndjson | tr -d ' ')" 16 "8 concurrent writers: exactly 16 lines"
is "$(jq -c . conc.ndjson 2>/dev/null | wc -l | tr -d ' ')" 16 "8 concurrent writers: every line is valid JSON"
is "$(jq -r .role conc.ndjson | paste -sd' ' -)" \
	"user assistant user assistant user assistant user assistant user assistant user assistant user assistant user assistant" \
	"8 concurrent writers: user/assistant pairs alternate"
is "$(jq -sr '[range(0; length; 2) as $k | select(.[$k + 1].content == "echo: " + .[$k].content)] | length' conc.ndjson)" 8 \
	"8 concurrent writers: each answer follows its own question"
is "$(jq -r 'select(.role == "user") | .content' conc.ndjson | sort | paste -sd, -)" \
	"writer 1,writer 2,writer 3,writer 4,writer 5,writer 6,writer 7,writer 8" "8 concurrent writers: every question once"
is "$(jq -r 'select(.status == 200) | .body.messages | length' "$SIM_LOG" | sort -n | paste -sd' ' -)" "1 3 5 7 9 11 13 15" \
	"8 concurrent writers: each request held the whole history so far (they took turns)"
ok=0
for i in 1 2 3 4 5 6 7 8; do [ "$(cat "w$i.out")" = "echo: writer $i" ] && ok=$((ok + 1)); done
is "$ok" 8 "8 concurrent writers: each printed its own answer"
check "8 concurrent writers: no temporary file left" [ -z "$(ls | grep 'conc\.ndjson\.tmp')" ]

# ---- --messages: the history from stdin, not saved
: >"$SIM_LOG"
cp talk.before hist.ndjson
run sh -c 'llm-ask --messages "And day three?" <hist.ndjson'
is "$rc:$out" "0:echo: And day three?" "--messages: the answer"
is "$(msgs 1)" "$(jq -sc '. + [{"role":"user","content":"And day three?"}]' hist.ndjson)" \
	"--messages: the request is the history from stdin plus the prompt"
check "--messages: stdin's file is not written" cmp -s hist.ndjson talk.before
printf '{"role":"system","content":"Be terse."}\n{"role":"user","content":"SIM-REPLY: last"}\n' >h2.ndjson
: >"$SIM_LOG"
run sh -c 'llm-ask --messages <h2.ndjson'
is "$rc:$out" "0:last" "--messages without a prompt: the last user message is the question"
is "$(msgs 1)" '[{"role":"system","content":"Be terse."},{"role":"user","content":"SIM-REPLY: last"}]' \
	"--messages: a system line goes first"
run sh -c 'printf "{\"role\":\"user\",\"content\":\"a\"}\nnot json\n" | llm-ask --messages hi'
is "$rc" 65 "--messages, a line that is not JSON: exit 65"
like "$err" '<stdin>:2: ' "--messages, a line that is not JSON: the line is named"
run sh -c 'printf "{\"role\":\"user\",\"content\":3}\n" | llm-ask --messages hi'
is "$rc" 65 "--messages, a content that is not a string: exit 65"
run llm-ask --messages -c talk.ndjson hi
is "$rc" 2 "--messages with -c: usage error"

# ---- long histories: windows
cat >win.ndjson <<EOF
{"provider":"openai","model":"small","base_url":"$SIM/v1","key":"win-small","id":"small","window":100,"priority":0}
{"provider":"openai","model":"big","base_url":"$SIM/v1","key":"win-big","id":"big","window":2000,"priority":1}
EOF
# a conversation of about 1100 bytes (~280 tokens)
for i in 1 2 3 4 5 6; do
	jq -nc --arg c "question $i $(printf '%0100d' 0)" '{role: "user", content: $c}'
	jq -nc --arg c "answer $i" '{role: "assistant", content: $c}'
done >long.ndjson
cp long.ndjson long.before
: >"$SIM_LOG"
run llm-ask -v --pool win.ndjson --strategy sequential -c long.ndjson "short question"
is "$rc:$out" "0:echo: short question" "a long history: answered"
like "$err" 'skip small: window 100 < [0-9]+ tokens' "a long history: -v says the small window is skipped"
is "$(jq -r .key "$SIM_LOG" | sort -u)" "win-big" "a long history: only the large-window entry was asked"
is "$(msgs 1 | jq length)" 13 "a long history: sent whole (12 messages + the new one)"
: >"$SIM_LOG"
run llm-ask -v --pool win.ndjson --strategy sequential "tiny"
is "$(jq -r .key "$SIM_LOG")" "win-small" "a short question: the small window (first in order) answers"
# none fits: a clear error with the size and the largest window, exit 69
i=0
while [ $i -lt 80 ]; do
	jq -nc --arg c "question $i $(printf '%0100d' 0)" '{role: "user", content: $c}'
	jq -nc --arg c "answer $i" '{role: "assistant", content: $c}'
	i=$((i + 1))
done >huge.ndjson
cp huge.ndjson huge.before
: >"$SIM_LOG"
run llm-ask --pool win.ndjson -c huge.ndjson "one more"
is "$rc" 69 "no window is large enough: exit 69"
like "$err" '^llm-ask: the conversation is about [0-9]+ tokens; the largest window in the pool is 2000$' \
	"no window is large enough: the message gives the size and the largest window"
n=$(printf '%s\n' "$err" | sed -n 's/.*about \([0-9]*\) tokens.*/\1/p')
check "no window is large enough: the size is plausible ($n tokens for $(wc -c <huge.ndjson | tr -d ' ') bytes)" \
	[ "${n:-0}" -gt 2000 -a "${n:-0}" -lt 5000 ]
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 0 "no window is large enough: no request sent"
check "no window is large enough: the file is byte-identical" cmp -s huge.ndjson huge.before
run sh -c 'llm-ask --pool win.ndjson --messages "one more" <huge.ndjson'
is "$rc" 69 "--messages, no window is large enough: exit 69"
like "$err" 'largest window in the pool is 2000' "--messages, no window is large enough: the message"
# an entry of unknown window may still be tried
cat >win2.ndjson <<EOF
{"provider":"openai","model":"small","base_url":"$SIM/v1","key":"win-small","id":"small","window":100,"priority":0}
{"provider":"openai","model":"open","base_url":"$SIM/v1","key":"win-open","id":"open","priority":1}
EOF
: >"$SIM_LOG"
run llm-ask --pool win2.ndjson --strategy sequential -c huge.ndjson "one more"
is "$rc:$out" "0:echo: one more" "an entry of unknown window answers a huge history"
is "$(jq -r .key "$SIM_LOG" | sort -u)" "win-open" "... and the small one is not asked"
is "$(wc -l <huge.ndjson | tr -d ' ')" 162 "... the file gains two lines"

done_testing
