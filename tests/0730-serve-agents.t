#!/bin/sh
# The real coding agents through llm-serve, offline: Claude Code (claude -p,
# ANTHROPIC_BASE_URL, the Anthropic Messages wire) and Codex CLI (codex exec,
# a model provider with wire_api "responses") each write a given text into
# a file with a tool, llm-sim scripting the call ("CALL NAME {ARGS}" in the
# user's text) and answering the tool's result with text. The pool's first
# entry is rate limited: each run fails over to the second before its first
# byte. Everything runs in a network namespace of the test's own (unshare
# -rn, loopback up): nothing the agents try to reach by themselves leaves
# the machine. The agents are installed with npm into tests/agents on first
# use; the test skips without node, npm, the install or unshare.
. "$(dirname "$0")/lib.sh"

AGENTS_DIR="$TOP/tests/agents"
BIN="$AGENTS_DIR/node_modules/.bin"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "1..0 # SKIP no node or npm"
	exit 0
fi
if ! unshare -rn sh -c 'ip link set lo up' 2>/dev/null; then
	echo "1..0 # SKIP no network namespace (unshare -rn, ip link set lo up)"
	exit 0
fi
if ! [ -x "$BIN/claude" ] || ! [ -x "$BIN/codex" ]; then
	if ! (cd "$AGENTS_DIR" && npm install --no-audit --no-fund --silent >"$T/npm.log" 2>&1) ||
	   ! [ -x "$BIN/claude" ] || ! [ -x "$BIN/codex" ]; then
		echo "1..0 # SKIP npm install of tests/agents failed"
		exit 0
	fi
fi

# inner.sh AGENT: in the namespace, starts llm-sim and llm-serve (a pool
# whose first entry answers 429), runs the agent in $T/AGENT, stops them.
cat >"$T/inner.sh" <<'INNER'
set -u
agent=$1 D=$T/$agent
ip link set lo up || exit 1
mkdir -p "$D/task" "$D/home"
llm-sim --port 0 --port-file "$D/sim.port" --log "$D/sim.log" -q 2>"$D/sim.err" &
sim=$!
for i in $(seq 1 200); do [ -s "$D/sim.port" ] && break; sleep 0.02; done
cat >"$D/pool" <<P
{"id":"limited","provider":"openai","base_url":"http://127.0.0.1:$(cat "$D/sim.port")/v1","model":"m1","key_env":"AGENT_KEY_1"}
{"id":"good","provider":"openai","base_url":"http://127.0.0.1:$(cat "$D/sim.port")/v1","model":"m1","key_env":"AGENT_KEY_2"}
P
AGENT_KEY_1=k1+retry=60 AGENT_KEY_2=k2 LLM_STATE=memory LLM_SERVE_TOKENS=tok1 \
	llm-serve --listen 127.0.0.1:0 --port-file "$D/serve.port" --pool "$D/pool" \
	--strategy sequential --model-map 'claude-*=auto' --model-map 'gpt-*=auto' -v 2>"$D/serve.err" &
srv=$!
for i in $(seq 1 250); do [ -s "$D/serve.port" ] && break; sleep 0.02; done
URL=http://127.0.0.1:$(cat "$D/serve.port")
cd "$D/task" || exit 1
export HOME="$D/home"
case $agent in
claude)
	ANTHROPIC_BASE_URL=$URL ANTHROPIC_API_KEY=tok1 DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 \
	CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_ERROR_REPORTING=1 \
	timeout 60 "$BIN/claude" --allowedTools=Write -p \
		"CALL Write {\"file_path\":\"$D/task/out.txt\",\"content\":\"written through the pool\"}" \
		>"$D/out" 2>"$D/err" </dev/null
	;;
codex)
	mkdir -p "$D/codex-home"
	cat >"$D/codex-home/config.toml" <<C
model = "gpt-5"
model_provider = "manyllm"
web_search = "disabled"
[agents]
enabled = false
[model_providers.manyllm]
name = "Many-LLM"
base_url = "$URL/v1"
wire_api = "responses"
env_key = "MANYLLM_TOKEN"
C
	CODEX_HOME="$D/codex-home" MANYLLM_TOKEN=tok1 \
	timeout 60 "$BIN/codex" exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox \
		"CALL exec_command {\"cmd\":\"printf 'written through the pool' > out.txt\"}" \
		>"$D/out" 2>"$D/err" </dev/null
	;;
esac
echo $? >"$D/rc"
kill $srv $sim
wait
INNER

for agent in claude codex; do
	D=$T/$agent
	T=$T BIN=$BIN PATH=$PATH unshare -rn sh "$T/inner.sh" "$agent"
	is "$(cat "$D/rc" 2>/dev/null)" 0 "$agent: exit status 0"
	is "$(cat "$D/task/out.txt" 2>/dev/null)" "written through the pool" "$agent: the file holds the text"
	[ "$(cat "$D/rc" 2>/dev/null)" = 0 ] || diag "$(tail -20 "$D/err" 2>/dev/null)"
	like "$(cat "$D/out")" "tool said: " "$agent: its last answer is the text made from the tool's result"
	# the simulator's log: the 429, the call's request failed over, the result
	is "$(jq -r '.status' "$D/sim.log" | tr '\n' ' ')" "429 200 200 " "$agent: three upstream requests: 429, then two answered"
	is "$(jq -r '.key' "$D/sim.log" | tr '\n' ' ')" "k1+retry=60 k2 k2 " "$agent: the rate-limited entry first, then the good one"
	like "$(cat "$D/serve.err")" "attempt: limited: rate_limited \\(HTTP 429\\)" "$agent: llm-serve failed over from the limited entry"
	is "$(jq -r '.body.messages[-1].role' "$D/sim.log" | tr '\n' ' ')" "user user tool " "$agent: the call's request, then the tool's result"
	is "$(sed -n 2p "$D/sim.log" | jq '[.body.tools[].function.name] | length > 5')" true "$agent: its many tools reached the simulator"
done
is "$(sed -n 2p "$T/claude/sim.log" | jq -c '[.body.tools[].function.name | select(. == "Write")]')" '["Write"]' "claude: offers Write"
like "$(sed -n 3p "$T/claude/sim.log" | jq -r '.body.messages[-1].content')" "^File created successfully at: $T/claude/task/out.txt" "claude: the Write tool's result came back as a tool message"
is "$(sed -n 3p "$T/claude/sim.log" | jq -r '.body.messages[-2].tool_calls[0].function.name')" Write "claude: after its call of Write"
like "$(grep -c 'POST /v1/messages 200' "$T/claude/serve.err")" '^[2-9]' "claude: answered on /v1/messages"
like "$(grep -c 'POST /v1/responses 200' "$T/codex/serve.err")" '^[2-9]' "codex: answered on /v1/responses"
is "$(sed -n 2p "$T/codex/sim.log" | jq -c '[.body.tools[].function.name | select(. == "exec_command")]')" '["exec_command"]' "codex: offers exec_command"

done_testing
