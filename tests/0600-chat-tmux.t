#!/bin/sh
# llm-ask --chat driven in a terminal (tmux), against llm-sim (issue #6):
# several turns; the first entry starts failing mid-conversation and the
# next one gets the whole history; the screen names who answered; /save,
# then llm-ask -c FILE continues the dialogue from a script; /history,
# /model, /system, /reset, /retry, /help, /exit, Ctrl-D; a cut stream is
# shown as cut and its partial answer is not kept.
. "$(dirname "$0")/lib.sh"
exec </dev/null

need_tmux

start_sim
umask 022
# start_chat S POOL: llm-ask --chat in a new 200x50 session; when it ends
# the pane shows [exit STATUS]
start_chat() {
	cat >"$T/chat-$1.sh" <<EOF
cd "$T" || exit 1
llm-ask --chat --strategy sequential --pool "$2"
echo "[exit \$?]"
exec sleep 600
EOF
	tm new-session -d -x 200 -y 50 -s "$1" "sh $T/chat-$1.sh"
	[ -n "${TMUX_PID:-}" ] || { TMUX_PID=$(tm display-message -p '#{pid}'); _pids="$_pids $TMUX_PID"; }
}
# the body of the Nth request that got status 200 from key K
req() { jq -c --arg k "$1" 'select(.key == $k and .status == 200) | .body.messages' "$SIM_LOG" | sed -n "${2}p"; }

cat >pool.ndjson <<EOF
{"provider":"openai","model":"m1","base_url":"$SIM/v1","key":"k1+failafter=2","id":"first","priority":0}
{"provider":"openai","model":"m2","base_url":"$SIM/v1","key":"k2","id":"second","priority":1}
EOF

start_chat chat "$T/pool.ndjson"
check "the banner" wait_n chat '^llm-ask chat: 2 entries in the pool; /help for commands, Ctrl-D to leave$' 1
say chat /help
check "/help lists the commands" wait_n chat '^/exit +leave' 1
missing=
for c in model provider strategy system retry reset save load history help exit; do
	screen chat | grep -q "^/$c " || missing="$missing /$c"
done
is "$missing" "" "/help lists every command"

say chat "hello one"
check "turn 1: answered" wait_n chat '^\[first\]$' 1
screen chat | grep -qx 'echo: hello one' && ok "turn 1: the answer on the screen" || nok "turn 1: the answer on the screen"
say chat "/system Answer briefly."
check "/system TEXT: set" wait_n chat '^system prompt set$' 1
say chat "hello two"
check "turn 2: answered by the first entry" wait_n chat '^\[first\]$' 2
is "$(req 'k1+failafter=2' 2)" \
	'[{"role":"system","content":"Answer briefly."},{"role":"user","content":"hello one"},{"role":"assistant","content":"echo: hello one"},{"role":"user","content":"hello two"}]' \
	"turn 2: the request holds the system prompt and the history"
# turn 3: the first entry fails (503 after 2 answers); the second one answers
say chat "hello three"
check "turn 3: the screen shows the second entry answered" wait_n chat '^\[second\]$' 1
is "$(jq -r 'select(.key == "k1+failafter=2") | .status' "$SIM_LOG" | paste -sd' ' -)" "200 200 503" \
	"turn 3: the first entry started failing mid-conversation"
is "$(req k2 1)" \
	'[{"role":"system","content":"Answer briefly."},{"role":"user","content":"hello one"},{"role":"assistant","content":"echo: hello one"},{"role":"user","content":"hello two"},{"role":"assistant","content":"echo: hello two"},{"role":"user","content":"hello three"}]' \
	"turn 3: the second entry received the complete history, in order"
screen chat | grep -qx 'echo: hello three' && ok "turn 3: its answer on the screen" || nok "turn 3: its answer on the screen"

say chat /history
check "/history" wait_n chat '^\[system\] Answer briefly\.$' 1
is "$(screen chat | sed -n '/^> \/history$/,/^> /p' | sed '1d;$d')" '[system] Answer briefly.
[user] hello one
[assistant] echo: hello one
[user] hello two
[assistant] echo: hello two
[user] hello three
[assistant] echo: hello three' "/history: the system prompt, then every turn in order"

# /save, then the same dialogue continued from a script
say chat "/save $T/saved.ndjson"
check "/save FILE" wait_n chat "^saved 6 messages to $T/saved.ndjson\$" 1
is "$(stat -c %a saved.ndjson)" 600 "/save: the file holds the dialogue, so it is 0600 whatever the umask"
is "$(jq -r '.role' saved.ndjson | paste -sd' ' -)" "system user assistant user assistant user assistant" \
	"/save: system prompt first, then the 6 messages"
cp saved.ndjson saved.before
: >"$SIM_LOG"
run llm-ask --pool pool.ndjson --strategy sequential -c saved.ndjson "next"
is "$rc:$out" "0:echo: next" "llm-ask -c FILE continues the dialogue from a script"
is "$(jq -c 'select(.status == 200) | .body.messages' "$SIM_LOG")" \
	"$(jq -sc '. + [{"role":"user","content":"next"}]' saved.before)" \
	"llm-ask -c FILE: the request carries the whole history and the new question"
is "$(wc -l <saved.ndjson | tr -d ' ')" 9 "llm-ask -c FILE: the file gains two lines"
is "$(head -n 7 saved.ndjson)" "$(cat saved.before)" "llm-ask -c FILE: the saved lines are kept as they were"
is "$(tail -n 2 saved.ndjson)" '{"role":"user","content":"next"}
{"role":"assistant","content":"echo: next"}' "llm-ask -c FILE: the new user and assistant lines"

# /model: only entries of that model; alone: any
say chat "/model m2"
check "/model m2" wait_n chat '^model: m2$' 1
: >"$SIM_LOG"
say chat "via model"
check "/model m2: the m2 entry answers" wait_n chat '^\[second\]$' 2
is "$(jq -r .model "$SIM_LOG" | sort -u)" "m2" "/model m2: only m2 was asked"
say chat "/model"
check "/model alone: any" wait_n chat '^model: any$' 1

# /reset: the next request holds no earlier turn; /system alone clears
say chat /reset
check "/reset" wait_n chat '^conversation cleared$' 1
say chat "/system"
check "/system alone clears it" wait_n chat '^system prompt cleared$' 1
: >"$SIM_LOG"
say chat "fresh start"
check "after /reset: answered" wait_n chat '^echo: fresh start$' 1
is "$(jq -c 'select(.status == 200) | .body.messages' "$SIM_LOG")" '[{"role":"user","content":"fresh start"}]' \
	"after /reset and /system: the request is the new question alone"
say chat /bogus
check "an unknown command is named" wait_n chat '^unknown command /bogus \(/help lists them\)$' 1
say chat /exit
check "/exit ends the session, status 0" wait_n chat '^\[exit 0\]$' 1

# ---- a cut stream: shown as cut; the partial answer is not kept
cat >cutpool.ndjson <<EOF
{"provider":"openai","model":"m3","base_url":"$SIM/v1","key":"c+cut","id":"cutter","priority":0}
{"provider":"openai","model":"m4","base_url":"$SIM/v1","key":"g","id":"good","priority":1}
EOF
: >"$SIM_LOG"
start_chat cut "$T/cutpool.ndjson"
check "cut: the banner" wait_n cut '^llm-ask chat: 2 entries' 1
Q='one two three four five six seven eight nine ten'
say cut "$Q"
check "cut: the screen says the stream was cut" wait_n cut '^\[cut: cutter stopped mid-answer; asking another entry\]$' 1
check "cut: then the other entry answers" wait_n cut '^\[good\]$' 1
partial=$(screen cut | grep -B1 '^\[cut: ' | sed -n 1p)
like "$partial" '^echo: one' "cut: the partial answer was shown before the notice"
check "cut: the partial answer is shorter than the whole ($partial)" [ "${#partial}" -lt "${#Q}" ]
is "$(screen cut | grep -A1 '^\[cut: ' | sed -n 2p)" "echo: $Q" "cut: the whole answer follows"
is "$(jq -r '[.key, .stream] | @tsv' "$SIM_LOG" | paste -sd' ' -)" "c+cut	true g	true" "cut: one cut stream, then one whole one"
say cut /history
check "cut: /history" wait_n cut '^\[user\] ' 1
is "$(screen cut | sed -n '/^> \/history$/,/^> /p' | sed '1d;$d')" "[user] $Q
[assistant] echo: $Q" "cut: /history holds the whole answer only, not the partial one"
# /retry asks the same question again and keeps one copy of the turn
say cut /retry
check "/retry: asked again" wait_n cut "^echo: $Q\$" 2
say cut /history
check "/retry: /history again" wait_n cut '^\[user\] ' 2
is "$(screen cut | sed -n '/^> \/history$/,/^> /p' | sed -n '/^> \/history$/h; /^> \/history$/!H; ${x;p}' | sed '1d;$d')" "[user] $Q
[assistant] echo: $Q" "/retry: the turn is replaced, not repeated"
# Ctrl-D at the prompt leaves
tm send-keys -t cut C-d
check "Ctrl-D leaves, status 0" wait_n cut '^\[exit 0\]$' 1

tm kill-server 2>/dev/null
done_testing
