#!/bin/sh
# llm-serve takes images on its three wires (chat completions image_url
# parts, Anthropic image blocks with base64 and url sources, Responses
# input_image items) and sends them on in the provider's form; a request
# with images goes only to entries that take them, and when none can the
# 400 names the missing capability (images, tools); the official openai
# client sends an image (where node is present).
. "$(dirname "$0")/lib.sh"

chat() { req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' -d "$1"; }
simlast() { tail -1 "$SIM_LOG" | jq -r "$1"; }
nlog() { wc -l <"$SIM_LOG" 2>/dev/null | tr -d ' '; }

printf '\211PNG\r\n\032\n\000\000\000\rIHDRserve-test-pixels' >"$T/pic.png"
b64=$(base64 -w0 "$T/pic.png")
sum=$(sha256sum "$T/pic.png" | cut -d' ' -f1)
n=$(wc -c <"$T/pic.png" | tr -d ' ')
digest="image image/png $n bytes sha256:$sum"

start_sim
cat >"$T/pool" <<P
{"id":"blind","provider":"groq","base_url":"$SIM/v1","model":"llama-3.1-8b-instant","key_env":"OA_KEY"}
{"id":"ge1","provider":"gemini","base_url":"$SIM/v1beta","model":"gemini-2.5-flash","key_env":"GE_KEY"}
{"id":"cfb","provider":"cloudflare","base_url":"$SIM/client/v4/accounts/acct1/ai/run/","model":"@cf/meta/llama-3.1-8b-instruct","key_env":"CF_KEY"}
P
export OA_KEY=o1 GE_KEY=g1 CF_KEY=c1 LLM_STATE=memory
start_serve --pool "$T/pool" --strategy sequential

# ---- chat completions: image_url parts, to the one entry that takes images
n0=$(nlog)
chat "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is it\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,$b64\",\"detail\":\"low\"}}]}]}"
is "$code" 200 "chat image_url: 200"
is "$(hdr X-ManyLLM-Entry):$(hdr X-ManyLLM-Attempts)" "ge1:1" "chat image_url: the text-only catalog models are skipped without a request"
is "$(jqb '.choices[0].message.content')" "$digest
echo: what is it" "chat image_url: the digest of the bytes that arrived"
is "$(( $(nlog) - n0 ))" 1 "chat image_url: one request in all"
is "$(simlast '.body.contents[0].parts[1].inlineData | "\(.mimeType) \(.data)"')" "image/png $b64" \
	"chat image_url: Gemini got inlineData"
# text only still goes to the first entry
chat '{"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"plain"}]}]}'
is "$code:$(hdr X-ManyLLM-Entry)" "200:blind" "text parts only: the first entry, as before"
is "$(simlast '.body.messages[0].content | type')" string "text parts only: sent as a string"

# ---- Anthropic Messages: image blocks, base64 and url sources
req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' \
	-d "{\"model\":\"auto\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"$b64\"}},{\"type\":\"text\",\"text\":\"and now\"}]}]}"
is "$code" 200 "anthropic image block: 200"
is "$(jqb '.content[0].text')" "$digest
echo: and now" "anthropic image block: the digest"
is "$(simlast '.body.contents[0].parts[1].inlineData.data')" "$b64" "anthropic image block: the bytes as inlineData"
req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' \
	-d '{"model":"auto","max_tokens":64,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://images.invalid/a.png"}}]}]}'
is "$code:$(hdr X-ManyLLM-Entry)" "200:ge1" "anthropic url source, only Gemini takes images: 200 from Gemini"
is "$(jqb '.content[0].text')" "image url https://images.invalid/a.png
echo: " "anthropic url source: llm-sim got the URL"
is "$(simlast '.body.contents[0].parts | tojson')" '[{"fileData":{"mimeType":"image/png","fileUri":"https://images.invalid/a.png"}}]' \
	"anthropic url source: Gemini got fileData {mimeType, fileUri}, not fetched by llm-serve"
n0=$(nlog)
req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' \
	-d '{"model":"auto","max_tokens":64,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://images.invalid/img"}}]}]}'
is "$code:$(nlog)" "400:$n0" "anthropic url source of no known type: 400, nothing sent"
like "$(jqb '.error.message')" 'gemini takes an image URL only with a known type' "anthropic url source of no known type: the reason"
req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' \
	-d '{"model":"auto","max_tokens":64,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f1"}}]}]}'
is "$code:$(jqb '.error.type')" "400:invalid_request_error" "anthropic file source: 400"
like "$(jqb '.error.message')" 'messages\[0\]\.content\[0\]\.source' "anthropic file source: names the block"

# ---- Responses: input_image
req "$SRV/v1/responses" -H 'Content-Type: application/json' \
	-d "{\"model\":\"auto\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"see\"},{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,$b64\"}]}]}"
is "$code" 200 "responses input_image: 200"
is "$(jqb '.output[0].content[0].text')" "$digest
echo: see" "responses input_image: the digest"
req "$SRV/v1/responses" -H 'Content-Type: application/json' \
	-d '{"model":"auto","input":[{"role":"user","content":[{"type":"input_image","file_id":"file-1"}]}]}'
is "$code" 400 "responses input_image by file_id: 400"
like "$(jqb '.error.message')" 'file_id images are not supported' "responses file_id: says so"

# ---- bad image parts: 400 before anything is sent
n0=$(nlog)
chat '{"model":"auto","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}'
is "$code" 400 "an ftp image URL: 400"
like "$(jqb '.error.message')" '^messages\[0\]\.content\[0\]: the image URL must be' "an ftp image URL: names the part"
chat '{"model":"auto","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://images.invalid/a.png"}}]},{"role":"user","content":"x"}]}'
is "$code" 400 "an image in a system message: 400"
is "$(nlog)" "$n0" "bad image parts: nothing sent"

# ---- no entry takes images (or tools): a 400 naming the capability
chat "{\"model\":\"llama-*\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,$b64\"}}]}]}"
is "$code" 400 "images to text-only models: 400"
is "$(jqb '.error.type')" invalid_request_error "images to text-only models: invalid_request_error"
like "$(jqb '.error.message')" 'no entry takes images' "images to text-only models: names images"
is "$(nlog)" "$n0" "images to text-only models: nothing sent"
chat '{"model":"@cf/*","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}'
is "$code" 400 "tools to a model without tools: 400"
like "$(jqb '.error.message')" 'no entry takes tools' "tools to a model without tools: names tools"
is "$(nlog)" "$n0" "tools to a model without tools: nothing sent"
stop_serve

# ---- the official openai client sends an image
if command -v node >/dev/null && [ -d "$TOP/tests/node/node_modules/openai" ]; then
	start_serve --pool "$T/pool" --strategy sequential
	SRV="$SRV" TOKEN=x IMAGE_B64="$b64" DIGEST="$digest" node_tap openai-image.mjs "openai client: "
	stop_serve
else
	skip "openai client: no node or no tests/node/node_modules"
fi
done_testing
