#!/bin/sh
# llm-map per-line errors: each bad line gives exactly one error record and
# one "llm-map: FILE:N: reason" line, is never sent, and the other lines are
# still answered; exit 1 (69 when nothing could be answered).
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY=good1 OPENAI_MODELS=m1
rec() { printf '%s\n' "$out" | jq -c "select(.i == $1)"; }
nrec() { printf '%s\n' "$out" | grep -c .; }

# ---- bad input lines: invalid JSON, NUL, invalid UTF-8, too long
LONG=$(printf '%0100d' 0)
{
	echo 'first'
	echo '{"a": 1,'
	echo '  [1, 2'
	printf 'nul\000here\n'
	printf 'bad \377\376 utf8\n'
	echo "$LONG"
	echo '{not json either}'
	echo 'last'
} >bad.txt
: >"$SIM_LOG"
run llm-map --max-line 64 . bad.txt
is "$rc" 1 "bad lines: exit 1"
is "$(nrec)" 8 "bad lines: one record per input line"
is "$(printf '%s\n' "$out" | jq -r .i | tr '\n' ' ')" "0 1 2 3 4 5 6 7 " "bad lines: in input order"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .text')" "echo: first
echo: last" "bad lines: the good lines are answered"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok|not) | [.i, .error.kind] | map(tostring) | join(" ")')" "1 bad_input
2 bad_input
3 bad_input
4 bad_input
5 bad_input
6 bad_input" "bad lines: each an error of kind bad_input"
like "$(rec 1 | jq -r .error.message)" '^invalid JSON: ' "{ line: invalid JSON"
like "$(rec 2 | jq -r .error.message)" '^invalid JSON: ' "[ line after blanks: invalid JSON"
is "$(rec 3 | jq -r .error.message)" "NUL byte in the line" "NUL byte"
is "$(rec 4 | jq -r .error.message)" "the line is not valid UTF-8" "invalid UTF-8"
is "$(rec 5 | jq -r .error.message)" "line longer than 64 bytes (100)" "--max-line"
is "$(rec 1 | jq -c 'del(.error.message)')" "$(rec 1 | jq -c '{i, id, ok, error: {kind: .error.kind}}')" "an error record is i, id, ok, error"
is "$(printf '%s\n' "$err" | grep -v ' done (' )" "llm-map: bad.txt:2: $(rec 1 | jq -r .error.message)
llm-map: bad.txt:3: $(rec 2 | jq -r .error.message)
llm-map: bad.txt:4: NUL byte in the line
llm-map: bad.txt:5: the line is not valid UTF-8
llm-map: bad.txt:6: line longer than 64 bytes (100)
llm-map: bad.txt:7: $(rec 6 | jq -r .error.message)" "stderr: one line per bad line, FILE:N: reason"
unlike "$err" 'while parsing' "the JSON message does not quote the line"
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG" | sort | tr '\n' ' ')" "first last " "only the good lines were sent"
like "$(printf '%s\n' "$err" | tail -1)" '^llm-map: 8 done \(2 ok, 6 failed\) in ' "summary counts the failures"

# same from stdin: the position is <stdin>
run sh -c 'llm-map --max-line 64 <bad.txt'
is "$rc" 1 "stdin: exit 1"
like "$err" 'llm-map: <stdin>:5: the line is not valid UTF-8' "stdin: position <stdin>:N"

# a blank line is refused as llm-ask refuses an empty prompt: a bad_input
# record, not sent; only whitespace before { counts
printf '\n  {"prompt":"spaced"}\n \t \r\nlast\n' >blank.txt
: >"$SIM_LOG"
run llm-map . blank.txt
is "$rc" 1 "blank lines and indented JSON: exit 1"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok, .error.kind // .text, .error.message]')" '[0,false,"bad_input","blank line"]
[1,true,"echo: spaced",null]
[2,false,"bad_input","blank line"]
[3,true,"echo: last",null]' "a blank line (empty, or blanks only) is bad_input; indented JSON parses"
is "$(printf '%s\n' "$err" | grep -v ' done (')" "llm-map: blank.txt:1: blank line
llm-map: blank.txt:3: blank line" "blank lines: FILE:N on stderr"
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG" | sort | tr '\n' ' ')" "last spaced " "blank lines: not sent"

# ---- template errors, per line
printf '"just a string"\n{"x":{"y":"deep"}}\n{"x":5}\n' >t.txt
: >"$SIM_LOG"
run llm-map '.x.y' t.txt
is "$rc" 1 "template error on some lines: exit 1"
is "$(nrec)" 3 "template errors: one record each"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok, (.error.kind // .text)]')" '[0,false,"template"]
[1,true,"echo: deep"]
[2,false,"template"]' "template errors: kind template, the good line answered"
is "$(rec 0 | jq -r .error.message)" 'template: Cannot index string with string "x"' "template: jq's message"
is "$(printf '%s\n' "$err" | grep -v ' done (')" 'llm-map: t.txt:1: template: Cannot index string with string "x"
llm-map: t.txt:3: template: Cannot index number with string "y"' "template errors: FILE:N on stderr"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 1 "template errors: only the good line sent"

# templates that yield the wrong thing
printf 'x\n' >one.txt
for case in \
	'[.]|template: yields array, not a string or an object' \
	'null|template: yields null, not a string or an object' \
	'empty|template: yields no value' \
	'error("boom")|template: boom' \
	'{text: .}|template: an object needs "prompt" (string) or "messages" (array)' \
	'{messages: []}|template: an object needs "prompt" (string) or "messages" (array)' \
	'{messages: [{role: "user"}]}|template: each message needs string "role" and "content"'
do
	tpl=${case%%|*} want=${case#*|}
	run llm-map "$tpl" one.txt
	is "$rc" 69 "template $tpl: nothing answered, exit 69"
	is "$(printf '%s\n' "$out" | jq -r '[.ok, .error.kind, .error.message] | map(tostring) | join(" ")')" "false template $want" "template $tpl: the record"
	is "$(printf '%s\n' "$err" | head -1)" "llm-map: one.txt:1: $want" "template $tpl: stderr"
done
# a number or boolean prompt is its text; only the first output counts
run llm-map -q '1, 2' one.txt
is "$(printf '%s\n' "$out" | jq -r .text)" "echo: 1" "a number prompt; only the first output counts"

# ---- an input file that cannot be opened: reported, no record, not success
printf 'here\n' >ok.txt
run llm-map . ok.txt missing.txt
is "$rc" 1 "missing file: exit 1"
is "$(nrec)" 1 "missing file: no record for it"
is "$(printf '%s\n' "$err" | head -1)" "llm-map: missing.txt: No such file or directory" "missing file: reported"
run llm-map . missing.txt ok.txt
is "$rc" 1 "missing first file: exit 1"
is "$(printf '%s\n' "$out" | jq -c '[.i, .text]')" '[0,"echo: here"]' "missing first file: numbering starts at the next file"

# ---- --max-line bounds
run llm-map --max-line 3 .
is "$rc" 2 "--max-line below 16: usage error"
like "$err" '^llm-map: --max-line: ' "--max-line: message"

done_testing
