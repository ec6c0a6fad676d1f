#!/bin/sh
# llm-ask against every provider of the simulator: request shapes (URL, auth
# header, system prompt placement), the prompt from arguments and stdin, the
# --json record, the configuration error and the command line.
. "$(dirname "$0")/lib.sh"
exec </dev/null   # llm-ask appends a non-terminal stdin; llm-pool reads a pipe

start_sim
# the last request of the sim log, as one JSON line
last() { tail -n 1 "$SIM_LOG"; }
lastq() { last | jq -r "$1"; }
# unsets every provider variable (tests run in the main shell: no subshells,
# or the TAP counter would be lost)
clear_env() {
	unset $(env | sed -n 's/^\([A-Z][A-Z0-9_]*_\(API_KEY\|API_TOKEN\|BASE_URL\|MODELS\)[A-Z0-9_]*\)=.*/\1/p')
}

# ---- usage
run llm-ask --help
is "$rc" 0 "--help: exit 0"
like "$out" '^usage: llm-ask' "--help: usage on stdout"
is "$err" "" "--help: nothing on stderr"
run llm-ask --no-such-option
is "$rc" 2 "bad option: exit 2"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "bad option: one line on stderr"
like "$err" '^llm-ask: |^usage: llm-ask' "bad option: the message names the tool"
is "$out" "" "bad option: nothing on stdout"
run llm-ask --temperature 9 hi
is "$rc" 2 "--temperature 9: exit 2"
like "$err" 'temperature' "--temperature 9: the message names the option"
run llm-ask --strategy bogus hi
is "$rc" 2 "--strategy bogus: exit 2"

# ---- no usable pair: exit 78 naming the variables and where
run llm-ask hello
is "$rc" 78 "no keys: exit 78"
like "$err" 'GEMINI_API_KEY' "no keys: names GEMINI_API_KEY"
like "$err" 'OPENAI_API_KEY' "no keys: names OPENAI_API_KEY"
like "$err" 'NAME_API_KEY.*NAME_BASE_URL' "no keys: names NAME_API_KEY with NAME_BASE_URL"
like "$err" 'environment' "no keys: says where it looked (environment)"
like "$err" '\.env' "no keys: says where it looked (.env)"

# ---- Gemini native
clear_env
	export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY=gem1 GEMINI_MODELS=gemini-2.5-flash
	run llm-ask -s "be brief" hello gemini
	is "$rc" 0 "gemini: exit 0"
	is "$out" "echo: hello gemini" "gemini: the answer"
	is "$(lastq .path)" "/v1beta/models/gemini-2.5-flash:generateContent" "gemini: generateContent path"
	is "$(lastq .auth)" "x-goog-api-key" "gemini: key in the x-goog-api-key header"
	is "$(lastq .key)" "gem1" "gemini: the key sent"
	unlike "$(lastq '.query // ""')" 'key=' "gemini: no key= in the URL"
	is "$(lastq '.body.systemInstruction.parts[0].text')" "be brief" "gemini: system prompt in systemInstruction"
	is "$(lastq '[.body.contents[] | select(.role == "user")] | length')" 1 "gemini: one user turn"
	is "$(lastq '.body.contents[-1].parts[0].text')" "hello gemini" "gemini: the user text"
	run llm-ask --stream hello stream
	is "$rc" 0 "gemini stream: exit 0"
	is "$out" "echo: hello stream" "gemini stream (CRLF SSE): the answer"
	like "$(lastq .path)" ':streamGenerateContent$' "gemini stream: streamGenerateContent"
	unlike "$(lastq '.query // ""')" 'key=' "gemini stream: no key= in the URL"
	is "$(lastq .auth)" "x-goog-api-key" "gemini stream: header auth"


# ---- OpenAI
clear_env
	export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY=oai1
	run llm-ask -s "sys text" hello openai
	is "$rc" 0 "openai: exit 0"
	is "$out" "echo: hello openai" "openai: the answer"
	is "$(lastq .path)" "/v1/chat/completions" "openai: chat/completions path"
	is "$(lastq .auth)" "bearer" "openai: bearer auth"
	is "$(lastq .key)" "oai1" "openai: the key sent"
	is "$(lastq '.body.messages[0].role')" "system" "openai: messages[0] is the system prompt"
	is "$(lastq '.body.messages[0].content')" "sys text" "openai: system text"
	is "$(lastq '.body.messages[-1].content')" "hello openai" "openai: user text last"
	run llm-ask --stream hi there
	is "$out" "echo: hi there" "openai stream: the answer"
	is "$(lastq .stream)" "true" "openai stream: asked for a stream"
	# the prompt: arguments, then stdin appended after a blank line
	out=$(echo notes | llm-ask summarise: 2>"$T/e"); rc=$?
	is "$rc" 0 "stdin: exit 0"
	is "$(lastq '.body.messages[-1].content')" "$(printf 'summarise:\n\nnotes')" "stdin appended after a blank line"
	is "$out" "$(printf 'echo: summarise:\n\nnotes')" "stdin appended: the answer"
	out=$(printf 'only stdin' | llm-ask 2>/dev/null)
	is "$out" "echo: only stdin" "stdin alone is the prompt"
	run llm-ask ""
	is "$rc" 2 "empty prompt: exit 2"
	# --json
	run llm-ask --json hello json
	is "$rc" 0 "--json: exit 0"
	is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "--json: one line"
	is "$(printf '%s' "$out" | jq -r '.ok')" true "--json: ok"
	is "$(printf '%s' "$out" | jq -r '.text')" "echo: hello json" "--json: text"
	is "$(printf '%s' "$out" | jq -r '.provider')" openai "--json: provider"
	is "$(printf '%s' "$out" | jq -r '.model')" gpt-4o-mini "--json: model"
	is "$(printf '%s' "$out" | jq -r '.entry')" openai:gpt-4o-mini "--json: entry"
	is "$(printf '%s' "$out" | jq -r '.attempts | length')" 1 "--json: attempts[] has one attempt"
	is "$(printf '%s' "$out" | jq -r '.attempts[0] | [.entry, .kind, .status] | join(" ")')" \
		"openai:gpt-4o-mini ok 200" "--json: attempt entry, kind, status"
	is "$(printf '%s' "$out" | jq -r '.attempts[0].ms | type')" number "--json: attempt ms"
	is "$(printf '%s' "$out" | jq -r '.usage | (.in|type) + " " + (.out|type)')" "number number" "--json: usage in/out"
	is "$(printf '%s' "$out" | jq -r '.ms | type')" number "--json: ms"


# ---- Zhipu at /api/paas/v4
clear_env
	export ZHIPU_BASE_URL="$SIM/api/paas/v4" ZHIPU_API_KEY=zh1 ZHIPU_MODELS=glm-4.7-flash
	run llm-ask -s zsys hello zhipu
	is "$rc" 0 "zhipu: exit 0"
	is "$out" "echo: hello zhipu" "zhipu: the answer"
	is "$(lastq .path)" "/api/paas/v4/chat/completions" "zhipu: /api/paas/v4/chat/completions"
	is "$(lastq .flavor)" zhipu "zhipu: zhipu flavor"
	is "$(lastq '.body.messages[0].role')" system "zhipu: system first"


# ---- Cloudflare native, model verbatim in the path
clear_env
	export CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/" CLOUDFLARE_API_TOKEN=cf1 \
		CLOUDFLARE_MODELS=@cf/meta/llama-3.1-8b-instruct
	run llm-ask -s cfsys hello cloudflare
	is "$rc" 0 "cloudflare: exit 0"
	is "$out" "echo: hello cloudflare" "cloudflare: the answer"
	is "$(lastq .path)" "/client/v4/accounts/acct1/ai/run/@cf/meta/llama-3.1-8b-instruct" \
		"cloudflare: /client/v4/accounts/ID/ai/run/MODEL, model verbatim"
	is "$(lastq '.body.messages[0].role')" system "cloudflare: messages[0] is system"
	is "$(lastq '.body.messages[0].content')" cfsys "cloudflare: system text"
	run llm-ask --stream hi cf
	is "$out" "echo: hi cf" "cloudflare stream: the answer"


# ---- a generic OpenAI-compatible host
clear_env
	export ACME_API_KEY=acme1 ACME_BASE_URL="$SIM/openai/v1" ACME_MODELS=acme-large
	run llm-ask -s asys hello acme
	is "$rc" 0 "generic host: exit 0"
	is "$out" "echo: hello acme" "generic host: the answer"
	is "$(lastq .path)" "/openai/v1/chat/completions" "generic host: NAME_BASE_URL + /chat/completions"
	is "$(lastq .model)" acme-large "generic host: NAME_MODELS"
	is "$(lastq .key)" acme1 "generic host: NAME_API_KEY"
	is "$(lastq '.body.messages[0].role')" system "generic host: system first"
	run llm-ask --json hi
	is "$(printf '%s' "$out" | jq -r .provider)" acme "generic host: provider name from NAME"


done_testing
