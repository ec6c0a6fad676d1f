#!/bin/sh
# llm-map basics: strings and JSON lines, the template and the exact request
# bodies per wire format, --text, --input, -j, --dry-run.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_MODELS=m1 GEMINI_MODELS=gm ZHIPU_MODELS=glm CLOUDFLARE_MODELS=@cf/x/y
# only the provider under test has a key
only() { unset OPENAI_API_KEY GEMINI_API_KEY ZHIPU_API_KEY CLOUDFLARE_API_TOKEN; export "$1=$2"; }
# bodies [FILTER]: the request bodies in the sim log since the last clear, compact
bodies() { jq -c "${1:-.body}" "$SIM_LOG"; }
clear_log() { : >"$SIM_LOG"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }

only OPENAI_API_KEY good1

# ---- strings and JSON lines, default template
clear_log
printf 'hello world\n"quoted"\n42\n{"prompt":"from object"}\n' >in1
run llm-map -q . in1
is "$rc" 0 "plain run: exit 0"
is "$err" "" "plain run -q: nothing on stderr"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok, .text]')" '[0,true,"echo: hello world"]
[1,true,"echo: quoted"]
[2,true,"echo: 42"]
[3,true,"echo: from object"]' "a text line, a JSON string, a number, an object with prompt"
is "$(printf '%s\n' "$out" | jq -r '[.provider, .model, .entry, (.attempts|length), .attempts[0].kind, .attempts[0].status] | map(tostring) | join(" ")' | sort -u)" \
	"openai m1 openai:m1 1 ok 200" "records name provider, model, entry and the attempt"
is "$(printf '%s\n' "$out" | jq -r '(.id|test("^[0-9a-f]{16}$")) and (.usage.in|type=="number") and (.ms|type=="number")' | sort -u)" true "records carry id, usage and ms"
is "$(printf '%s\n' "$out" | head -1 | jq -r 'keys_unsorted[:3]|join(",")')" "i,id,ok" "i and id come first"
is "$(bodies | sort)" "$(printf '%s\n' \
	'{"model":"m1","messages":[{"role":"user","content":"42"}],"stream":false}' \
	'{"model":"m1","messages":[{"role":"user","content":"from object"}],"stream":false}' \
	'{"model":"m1","messages":[{"role":"user","content":"hello world"}],"stream":false}' \
	'{"model":"m1","messages":[{"role":"user","content":"quoted"}],"stream":false}')" "openai: the exact request bodies"
is "$(jq -r '[.path, .key, .auth, .status] | map(tostring) | join(" ")' "$SIM_LOG" | sort -u)" \
	"/v1/chat/completions good1 bearer 200" "openai: path, key, auth"

# ---- empty template is '.', a template yielding a string
clear_log
run llm-map -q '' in1
is "$rc" 0 "empty template: exit 0"
is "$(printf '%s\n' "$out" | jq -r .text | head -1)" "echo: hello world" "empty template is ."
clear_log
printf '{"name":"Ada","age":36}\n{"name":"Bob","age":7}\n' >in2
run llm-map -q '"Describe \(.name), \(.age) years"' in2
is "$rc" 0 "string template: exit 0"
is "$(printf '%s\n' "$out" | jq -r .text)" "echo: Describe Ada, 36 years
echo: Describe Bob, 7 years" "string template: prompt from JSON fields"
is "$(bodies '.body.messages' | sort)" '[{"role":"user","content":"Describe Ada, 36 years"}]
[{"role":"user","content":"Describe Bob, 7 years"}]' "string template: request messages"

# ---- object template: prompt, system, model, temperature, max_tokens (openai)
export OPENAI_MODELS=m1,m2
clear_log
run llm-map -q '{prompt: .name, system: "Be brief", model: "m2", temperature: 0.25, max_tokens: 17}' in2
is "$rc" 0 "object template: exit 0"
is "$(printf '%s\n' "$out" | jq -r '.model' | sort -u)" m2 "object template: model picks the entry"
is "$(bodies | sort)" '{"model":"m2","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Ada"}],"temperature":0.25,"max_completion_tokens":17,"stream":false}
{"model":"m2","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Bob"}],"temperature":0.25,"max_completion_tokens":17,"stream":false}' \
	"openai: system first, then user; max_tokens, temperature"

# -s, -t, --max-tokens as defaults; the template's values win
clear_log
run llm-map -q -s 'S-opt' -t 0.5 --max-tokens 9 -m m1 '{prompt: .name, temperature: (if .age > 10 then 1 else null end)}' in2
is "$rc" 0 "options as defaults: exit 0"
is "$(bodies '.body|[.model, .messages[0].content, .temperature, .max_completion_tokens]' | sort)" \
	'["m1","S-opt",0.5,9]
["m1","S-opt",1,9]' "-s -t --max-tokens fill in; the template's temperature wins"

# messages: a system message is lifted out, others kept in order
clear_log
printf 'q1\n' >in3
run llm-map -q -m m1 '{messages: [{role: "system", content: "SYSM"}, {role: "user", content: "first"}, {role: "assistant", content: "ok"}, {role: "user", content: .}]}' in3
is "$rc" 0 "messages template: exit 0"
is "$(printf '%s\n' "$out" | jq -r .text)" "echo: q1" "messages template: answer to the last user message"
is "$(bodies '.body.messages')" '[{"role":"system","content":"SYSM"},{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"q1"}]' \
	"openai: messages with the system message first"
export OPENAI_MODELS=m1

# ---- Gemini: systemInstruction, generationConfig
only GEMINI_API_KEY g1
clear_log
run llm-map -q '{prompt: ., system: "GSYS", temperature: 0.5, max_tokens: 7}' in3
is "$rc" 0 "gemini: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.provider, .text]|join(" ")')" "gemini echo: q1" "gemini: answered"
is "$(bodies)" '{"systemInstruction":{"parts":[{"text":"GSYS"}]},"contents":[{"role":"user","parts":[{"text":"q1"}]}],"generationConfig":{"temperature":0.5,"maxOutputTokens":7}}' \
	"gemini: systemInstruction, contents, generationConfig"
is "$(jq -r '[.path, .key, .auth]|join(" ")' "$SIM_LOG")" "/v1beta/models/gm:generateContent g1 x-goog-api-key" "gemini: path and key header"

# ---- Cloudflare: a system message
only CLOUDFLARE_API_TOKEN c1
clear_log
run llm-map -q -s CSYS -t 0.3 --max-tokens 9 . in3
is "$rc" 0 "cloudflare: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.provider, .text]|join(" ")')" "cloudflare echo: q1" "cloudflare: answered"
is "$(bodies)" '{"messages":[{"role":"system","content":"CSYS"},{"role":"user","content":"q1"}],"max_tokens":9,"temperature":0.3,"stream":false}' \
	"cloudflare: system message first"
is "$(jq -r .path "$SIM_LOG")" "/client/v4/accounts/acct1/ai/run/@cf/x/y" "cloudflare: model in the path"

# ---- Zhipu: OpenAI layout
only ZHIPU_API_KEY z1
clear_log
run llm-map -q -s ZSYS . in3
is "$(bodies)" '{"model":"glm","messages":[{"role":"system","content":"ZSYS"},{"role":"user","content":"q1"}],"stream":false}' \
	"zhipu: system message first"
is "$(jq -r .path "$SIM_LOG")" "/api/paas/v4/chat/completions" "zhipu: path"

only OPENAI_API_KEY good1

# ---- --text: one line per input, newlines and backslashes escaped
printf '%s\n' '"two\nlines"' 'back\slash' '{"p":"x"}' '"cr\rhere"' >in4
run llm-map -q --text '.p? // .' in4
is "$rc" 0 "--text: exit 0"
is "$out" 'echo: two\nlines
echo: back\\slash
echo: x
echo: cr\rhere' "--text: escaped, one line per input"
is "$(lines "$out")" 4 "--text: 4 lines for 4 inputs"
printf 'good\n{"p":\n' >in5
run llm-map -q --text . in5
is "$rc" 1 "--text with a bad line: exit 1"
is "$(cat "$T/.out")" "echo: good" "--text: the ok item's text"
is "$(wc -l <"$T/.out" | tr -d ' ')" 2 "--text: an empty line for the failed item"

# ---- --input echoes the input value
printf '{"p":"a","n":1}\nplain\n' >in6
run llm-map -q --input '.p? // .' in6
is "$(printf '%s\n' "$out" | jq -c .input)" '{"p":"a","n":1}
"plain"' "--input: the parsed input in the record"
run llm-map -q --input --no-input . in6
is "$(printf '%s\n' "$out" | jq -c 'has("input")' | sort -u)" false "--no-input: none"

# ---- several files continue the numbering; positions name the file
printf 'f1a\n' >fa
printf '{bad\nf2b\n' >fb
run llm-map . fa fb
is "$rc" 1 "two files, one bad line: exit 1"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok]' | tr -d '\n')" "[0,true][1,false][2,true]" "two files: i runs on"
like "$err" '^llm-map: fb:1: invalid JSON' "two files: the position names the file"

# ---- -j bounds the requests in flight: conc=2 on the key never trips with -j 2
only OPENAI_API_KEY 'slowk+slow=300+conc=2'
clear_log
t0=$(date +%s%N)
run sh -c 'seq 6 | llm-map -q -j 2'
t1=$(date +%s%N)
is "$rc" 0 "-j 2: exit 0"
is "$(printf '%s\n' "$out" | jq -r .ok | sort -u)" true "-j 2: all ok"
is "$(jq -r 'select(.fault == "conc") | .seq' "$SIM_LOG" | wc -l | tr -d ' ')" 0 "-j 2: never more than 2 in flight at the simulator"
check "-j 2: 6 slow items take 3 rounds (>= 900 ms)" test $(( (t1 - t0) / 1000000 )) -ge 900
only OPENAI_API_KEY 'wide+slow=300'
clear_log
run sh -c 'seq 6 | llm-map -q -j 6'
is "$rc" 0 "-j 6: exit 0"
is "$(jq -r .fault "$SIM_LOG" | sort | uniq -c | tr -s ' ')" " 6 slow" "-j 6: six requests, no retries"
check "-j 6: all six sent at once (arrivals within 250 ms)" test "$(jq -s 'map(.t) | max - min' "$SIM_LOG")" -lt 250
run llm-map -j 0 .
is "$rc" 2 "-j 0: usage error"
like "$err" '^llm-map: --jobs: ' "-j 0: message names --jobs"

# ---- --dry-run: requests without keys, nothing sent
only OPENAI_API_KEY 'CANARY-sk-dryrun-0123456789'
clear_log
run llm-map --dry-run -s DS .name in2
is "$rc" 0 "--dry-run: exit 0"
is "$(printf '%s\n' "$out" | jq -c '[.i, .entry, .body]')" '[0,"openai:m1",{"model":"m1","messages":[{"role":"system","content":"DS"},{"role":"user","content":"Ada"}],"stream":false}]
[1,"openai:m1",{"model":"m1","messages":[{"role":"system","content":"DS"},{"role":"user","content":"Bob"}],"stream":false}]' \
	"--dry-run: the body that would be sent"
is "$(printf '%s\n' "$out" | jq -r .url | sort -u)" "$SIM/v1/chat/completions" "--dry-run: the URL"
unlike "$out$err" CANARY "--dry-run: the key never appears"
is "$(wc -c <"$SIM_LOG" | tr -d ' ')" 0 "--dry-run: nothing sent"

# ---- usage
run llm-map --help
is "$rc" 0 "--help: exit 0"
like "$out" '^usage: llm-map ' "--help: usage on stdout"
run llm-map --bogus
is "$rc" 2 "unknown option: exit 2"
run llm-map '.['
is "$rc" 2 "a template that does not compile: exit 2"
like "$err" '^llm-map: template: ' "template compile error message"
run llm-map --resume .
is "$rc" 2 "--resume without -o: exit 2"

done_testing
