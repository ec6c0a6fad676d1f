#!/bin/sh
# A canary key must never leave llm-ask: not on stdout or stderr (whole, or
# its first or last 8 characters), not in its command line, not in the
# state database, not in the LLM_LOG file, on success and on the error path
# (where the simulator echoes parts of an invalid key back).
. "$(dirname "$0")/lib.sh"
exec </dev/null   # llm-ask appends a non-terminal stdin; llm-pool reads a pipe

start_sim
CANARY=sk-canary-0123456789abcdef"0123456789abcdef"   # built in two pieces: no key-shaped line in the repository
HEAD8=$(printf %s "$CANARY" | cut -c1-8)
TAIL8=$(printf %s "$CANARY" | rev | cut -c1-8 | rev)
export LLM_LOG="$T/llm.log"

# clean NAME FILE...: none of the files holds the canary or its ends
clean() {
	_n=$1; shift
	if cat "$@" 2>/dev/null | grep -aqF -e "$CANARY" -e "$HEAD8" -e "$TAIL8"; then
		nok "$_n"
		diag "$(cat "$@" | grep -aF -e "$CANARY" -e "$HEAD8" -e "$TAIL8" | head -3)"
	else
		ok "$_n"
	fi
}

# ---- OpenAI flavor: success, then the error path
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY="$CANARY"
llm-ask -v hello >"$T/o1" 2>"$T/e1"; rc=$?
is "$rc" 0 "canary key works"
is "$(cat "$T/o1")" "echo: hello" "canary key: the answer"
is "$(tail -n 1 "$SIM_LOG" | jq -r .key)" "$CANARY" "the simulator saw the key (so the checks below mean something)"
clean "success: stdout and stderr hold no key" "$T/o1" "$T/e1"
llm-ask --json -v hello >"$T/o2" 2>"$T/e2"
clean "success --json -v: no key" "$T/o2" "$T/e2"

export OPENAI_API_KEY="$CANARY+invalid"
llm-ask -v hello >"$T/o3" 2>"$T/e3"; rc=$?
is "$rc" 69 "invalid canary key: exit 69"
like "$(cat "$T/e3")" 'auth' "invalid canary key: an auth failure"
like "$(jq -r 'select(.fault == "invalid") | .key' "$SIM_LOG" | tail -n 1)" '^sk-canary-.*\+invalid$' "the error path was taken"
clean "error path: stdout and stderr hold no key" "$T/o3" "$T/e3"
llm-ask --json -v hello >"$T/o4" 2>"$T/e4"
clean "error path --json -v: no key" "$T/o4" "$T/e4"
llm-ask --stream -v hello >"$T/o5" 2>"$T/e5"
clean "error path --stream -v: no key" "$T/o5" "$T/e5"

# ---- Gemini flavor: the key goes in a header, never the URL
unset OPENAI_BASE_URL OPENAI_API_KEY
export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY="$CANARY+invalid" GEMINI_MODELS=gemini-2.5-flash
llm-ask -v --json hello >"$T/o6" 2>"$T/e6"; rc=$?
is "$rc" 69 "gemini invalid canary: exit 69"
clean "gemini error path: no key" "$T/o6" "$T/e6"
# the Gemini requests the simulator received: on the generateContent
# path, the key in x-goog-api-key, none in the query
is "$(jq -r 'select(.path | contains(":generateContent")) | [.auth, (.query // "" | contains("key="))] | join(" ")' \
	"$SIM_LOG" | sort -u)" "x-goog-api-key false" "gemini: the key in x-goog-api-key, not in the URL"
unset GEMINI_BASE_URL GEMINI_API_KEY GEMINI_MODELS

# ---- the command line of a running llm-ask
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY="$CANARY+slow=1000"
llm-ask hello slow >"$T/o7" 2>"$T/e7" &
pid=$!
sleep 0.4
if [ -r "/proc/$pid/cmdline" ]; then
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$T/cmdline"
	like "$(cat "$T/cmdline")" 'llm-ask hello slow' "read the running llm-ask's command line"
	clean "/proc/PID/cmdline holds no key" "$T/cmdline"
else
	ok "# SKIP no /proc/$pid/cmdline"
	ok "# SKIP no /proc/$pid/cmdline"
fi
wait "$pid"
is "$?" 0 "slow call: exit 0"
is "$(cat "$T/o7")" "echo: hello slow" "slow call: the answer"
clean "slow call: no key on stdout or stderr" "$T/o7" "$T/e7"

# ---- the tools around it
llm-pool >"$T/o8" 2>"$T/e8"
clean "llm-pool: no key" "$T/o8" "$T/e8"
llm-pool --status >"$T/o9" 2>"$T/e9"
clean "llm-pool --status: no key" "$T/o9" "$T/e9"

# ---- the state database and the log
db="$XDG_STATE_HOME/many-llm/state.db"
check "the state database exists" [ -s "$db" ]
sqlite3 "$db" .dump >"$T/dump"
check "the state dump has records" grep -q 'openai' "$T/dump"
clean "state database dump holds no key" "$T/dump"
clean "state database files hold no key (raw bytes)" "$XDG_STATE_HOME"/many-llm/*
check "LLM_LOG was written" [ -s "$LLM_LOG" ]
clean "LLM_LOG holds no key" "$LLM_LOG"

done_testing
