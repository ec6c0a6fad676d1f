#!/bin/sh
# llm-serve --model-map / LLM_SERVE_MODELS: model names or globs a client
# sends served by pool globs or auto, in every wire format; /v1/models lists
# the mapped names; a pool's own model names win; the option's mappings
# come before the variable's; an unmapped name is a 404 saying how to map
# it; bad mappings are refused at start.
. "$(dirname "$0")/lib.sh"

chat() { req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' \
	-d "{\"model\":\"$1\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"; }
simmodel() { tail -1 "$SIM_LOG" | jq -r .body.model; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1,m2 LLM_STATE=memory
export LLM_SERVE_MODELS='claude-*=auto,gpt-5=m2,gpt-4o=m2,m*=m1'
start_serve --strategy sequential --model-map 'gpt-4o=m1' --model-map 'o*=m1,big=m[2]'

req "$SRV/v1/models"
is "$(jqb '[.data[].id] | join(" ")')" "auto m1 m2 gpt-4o big gpt-5" \
	"models: the pool's models, then each mapped name once (globs name no model)"
is "$(jqb '[.data[] | select(.id=="gpt-5") | .object, .owned_by] | join(" ")')" "model many-llm" "models: a mapped name's entry"

chat gpt-5;  is "$code:$(simmodel)" "200:m2" "gpt-5 → m2 (LLM_SERVE_MODELS)"
chat gpt-4o; is "$code:$(simmodel)" "200:m1" "gpt-4o → m1: --model-map comes before LLM_SERVE_MODELS"
chat o3-mini; is "$code:$(simmodel)" "200:m1" "o3-mini → m1 (the glob o*)"
chat big;    is "$code:$(simmodel)" "200:m2" "big → m[2] (a target glob)"
chat m2;     is "$code:$(simmodel)" "200:m2" "m2: a model of the pool is itself, before any mapping (m*=m1)"
chat claude-opus-4-1; is "$code:$(jqb .model)" "200:m1" "claude-* → auto: any entry"
chat nope
is "$code:$(jqb .error.code)" "404:model_not_found" "unmapped name: 404"
like "$(jqb .error.message)" "The model \`nope\` does not exist in this pool.*--model-map 'nope=auto' or LLM_SERVE_MODELS" "unmapped name: the error says how to map it"
req "$SRV/v1/messages" -H 'Content-Type: application/json' -d '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"y"}]}'
is "$code:$(jqb .model)" "200:claude-sonnet-4-5" "Messages: a mapped name, echoed as sent"
req "$SRV/v1/responses" -H 'Content-Type: application/json' -d '{"model":"gpt-5","input":"z"}'
is "$code:$(simmodel)" "200:m2" "Responses: gpt-5 → m2"
stop_serve

# ---- bad mappings: refused at start, one line naming the source
unset LLM_SERVE_MODELS
for bad in 'nothing' '=m1' 'x=' 'a=b=c'; do
	run timeout 10 llm-serve --listen 127.0.0.1:0 --model-map "$bad"
	is "$rc" 2 "--model-map '$bad': exit 2"
	like "$err" "^llm-serve: --model-map: expected NAME=TARGET" "--model-map '$bad': says what it expects"
done
run timeout 10 llm-serve --listen 127.0.0.1:0 --model-map 'x=zz*'
is "$rc:$(printf '%s\n' "$err" | wc -l)" "2:1" "--model-map to no entry: exit 2, one line"
like "$err" "^llm-serve: --model-map: 'x=zz\*': no entry of the pool has a model matching 'zz\*'" "--model-map to no entry: names it"
LLM_SERVE_MODELS='claude' run timeout 10 llm-serve --listen 127.0.0.1:0
is "$rc" 78 "LLM_SERVE_MODELS without '=': exit 78 (configuration)"
like "$err" "^llm-serve: LLM_SERVE_MODELS: expected NAME=TARGET" "LLM_SERVE_MODELS: named in the error"
LLM_SERVE_MODELS='claude-*=zz' run timeout 10 llm-serve --listen 127.0.0.1:0
is "$rc" 78 "LLM_SERVE_MODELS to no entry: exit 78"

done_testing
