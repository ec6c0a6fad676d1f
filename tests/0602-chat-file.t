#!/bin/sh
# llm-ask -i -c FILE in a terminal (tmux): the conversation in FILE is
# continued (its turns go to the provider) and saved back after every
# answer; a missing FILE is started. The lock files of -c are removed.
. "$(dirname "$0")/lib.sh"
exec </dev/null
export LLM_STATE=memory

need_tmux

start_sim
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY_1=k1
# start_chat S ARGS...: llm-ask ARGS in a new session; [exit STATUS] at the end
start_chat() {
	_s=$1
	shift
	printf 'cd "%s" || exit 1\nllm-ask %s\necho "[exit $?]"\nexec sleep 600\n' "$T" "$*" >"$T/chat-$_s.sh"
	tm new-session -d -x 200 -y 50 -s "$_s" \
		"env OPENAI_BASE_URL=$OPENAI_BASE_URL OPENAI_API_KEY_1=k1 LLM_STATE=memory sh $T/chat-$_s.sh"
	[ -n "${TMUX_PID:-}" ] || { TMUX_PID=$(tm display-message -p '#{pid}'); _pids="$_pids $TMUX_PID"; }
}

cat > conv.ndjson <<'EOF'
{"role":"system","content":"be brief"}
{"role":"user","content":"first question"}
{"role":"assistant","content":"first answer"}
EOF
start_chat a -i -c conv.ndjson
check "-i -c FILE: says it continues FILE" wait_n a '^continuing conv\.ndjson: 2 messages$' 1
say a "second question"
check "-i -c FILE: the answer" wait_n a '^echo: second question$' 1
check "-i -c FILE: who answered" wait_n a '^\[openai-1:gpt-4o-mini\]$' 1
is "$(tail -n 1 "$SIM_LOG" | jq -c '[.body.messages[] | .content]')" \
	'["be brief","first question","first answer","second question"]' \
	"-i -c FILE: the file's conversation went to the provider"
is "$(jq -c '[.role, .content]' conv.ndjson | tr '\n' ' ')" \
	'["system","be brief"] ["user","first question"] ["assistant","first answer"] ["user","second question"] ["assistant","echo: second question"] ' \
	"-i -c FILE: the turn is saved to FILE at once"
say a "third"
check "-i -c FILE: a second turn" wait_n a '^echo: third$' 1
tm send-keys -t a C-d
check "-i -c FILE: Ctrl-D leaves, status 0" wait_n a '^\[exit 0\]$' 1
is "$(wc -l < conv.ndjson | tr -d ' ')" 7 "-i -c FILE: every turn saved"
check "-i -c FILE: no lock file left" test ! -e conv.ndjson.lock

# a file that does not exist yet is started
start_chat b -i -c new.ndjson -s terse
check "-i -c NEW: says where it saves" wait_n b '^saving to new\.ndjson$' 1
say b "hello"
check "-i -c NEW: the answer" wait_n b '^echo: hello$' 1
tm send-keys -t b C-d
check "-i -c NEW: status 0" wait_n b '^\[exit 0\]$' 1
is "$(jq -c '[.role, .content]' new.ndjson | tr '\n' ' ')" \
	'["system","terse"] ["user","hello"] ["assistant","echo: hello"] ' "-i -c NEW: the file holds the session"
check "-i -c NEW: no lock file left" test ! -e new.ndjson.lock

# a malformed file: the session does not start
printf 'not json\n' > bad.ndjson
start_chat c -i -c bad.ndjson
check "-i -c BAD: exit 65" wait_n c '^\[exit 65\]$' 1
check "-i -c BAD: FILE:LINE named" wait_n c '^llm-ask: bad\.ndjson:1: invalid JSON' 1
check "-i -c BAD: no lock file left" test ! -e bad.ndjson.lock
run llm-ask -c bad.ndjson "x"
is "$rc" 65 "-c BAD: exit 65"
check "-c BAD: no lock file left" test ! -e bad.ndjson.lock

# llm-ask -c FILE (no terminal): the lock file is removed after use
run llm-ask -c script.ndjson "one"
is "$rc" 0 "-c FILE: exit 0"
is "$(jq -r .content script.ndjson | tr '\n' ' ')" "one echo: one " "-c FILE: saved"
check "-c FILE: no lock file left" test ! -e script.ndjson.lock
# concurrent writers still take turns on the file
ps_=
for n in 1 2 3 4 5 6; do llm-ask -c race.ndjson "q$n" >/dev/null 2>&1 & ps_="$ps_ $!"; done
for p in $ps_; do wait "$p"; done
is "$(grep -c '"role":"user"' race.ndjson)" 6 "-c FILE, 6 writers at once: every turn kept"
check "-c FILE, 6 writers at once: no lock file left" test ! -e race.ndjson.lock

tm kill-server 2>/dev/null
done_testing
