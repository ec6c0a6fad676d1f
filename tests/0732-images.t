#!/bin/sh
# Images: llm-ask --attach sends a file's bytes to each provider in its own
# form (OpenAI-compatible image_url parts, Gemini inlineData, Cloudflare
# image_url data URLs), llm-sim answers with a digest of what arrived and
# refuses images to a text-only model with the provider's error body; the
# pool sends images only to entries that take them (catalog caps, or
# learned from that refusal), and says which capability was missing when
# none can. The prompt size estimate (CJK a token per character) skips an
# entry whose window or tokens/minute cannot take the prompt.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
last() { tail -n 1 "$SIM_LOG"; }
lastq() { last | jq -r "$1"; }
nlog() { wc -l <"$SIM_LOG" | tr -d ' '; }
model_hits() { jq -r --arg m "$1" 'select(.model == $m) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }

# a small PNG, a JPEG-looking file and a text file
printf '\211PNG\r\n\032\n\000\000\000\rIHDRpixels-of-a-test' >pic.png
printf '\377\330\377\340JFIF-test-bytes' >pic.jpg
printf 'just text\n' >notes.txt
printf '%%PDF-1.4\n%%test document\n' >doc.pdf
sumpdf=$(sha256sum doc.pdf | cut -d' ' -f1)
npdf=$(wc -c <doc.pdf | tr -d ' ')
b64png=$(base64 -w0 pic.png)
sumpng=$(sha256sum pic.png | cut -d' ' -f1)
sumjpg=$(sha256sum pic.jpg | cut -d' ' -f1)
npng=$(wc -c <pic.png | tr -d ' ')

# ---- --attach: errors before any request
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY=oa1 OPENAI_MODELS=m1
n0=$(nlog)
run llm-ask --attach notes.txt describe
is "$rc" 65 "--attach of a text file: exit 65"
is "$err" "llm-ask: --attach: notes.txt: not a PNG, JPEG, GIF, WebP or PDF file" \
	"--attach of a text file: one line naming the file and the types taken"
run llm-ask --attach missing.png describe
is "$rc" 2 "--attach of a missing file: exit 2"
like "$err" '^llm-ask: --attach: missing.png: No such file' "--attach of a missing file: names it"
is "$(nlog)" "$n0" "a bad --attach sends nothing"

# ---- OpenAI-compatible: image_url parts with a data URL
run llm-ask --attach pic.png --attach pic.jpg 'what is this?'
is "$rc" 0 "openai: exit 0"
is "$out" "image image/png $npng bytes sha256:$sumpng
image image/jpeg $(wc -c <pic.jpg | tr -d ' ') bytes sha256:$sumjpg
echo: what is this?" "openai: the digest of both images, in order, then the answer"
is "$(lastq '.body.messages[0].content | map(.type) | join(",")')" "text,image_url,image_url" \
	"openai: a text part, then two image_url parts"
is "$(lastq '.body.messages[0].content[0].text')" "what is this?" "openai: the text part"
is "$(lastq '.body.messages[0].content[1].image_url.url')" "data:image/png;base64,$b64png" \
	"openai: the PNG as a data URL, byte for byte"
# a URL goes as it is (llm-sim never fetches it)
run llm-ask --attach https://images.invalid/cat.png 'and this?'
is "$out" "image url https://images.invalid/cat.png
echo: and this?" "openai: an https URL passes through to the provider"
is "$(lastq '.body.messages[0].content[1].image_url.url')" "https://images.invalid/cat.png" \
	"openai: the URL in image_url"
# a PDF: OpenAI's file part with the data URL
run llm-ask --attach doc.pdf 'summarise'
is "$rc:$out" "0:file application/pdf $npdf bytes sha256:$sumpdf
echo: summarise" "openai PDF: the digest of the file"
is "$(lastq '.body.messages[0].content[1] | "\(.type) \(.file.filename) \(.file.file_data)"')" \
	"file attachment.pdf data:application/pdf;base64,$(base64 -w0 doc.pdf)" "openai PDF: a file part with file_data"
# text-only: the plain string content, as before
run llm-ask 'no image'
is "$(lastq '.body.messages[0].content | type')" "string" "openai: a prompt without images stays a string"
unset OPENAI_BASE_URL OPENAI_API_KEY OPENAI_MODELS

# ---- Gemini: inlineData {mimeType, data}
export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY=gm1 GEMINI_MODELS=gemini-2.5-flash
run llm-ask --attach pic.png 'describe it'
is "$rc" 0 "gemini: exit 0"
is "$out" "image image/png $npng bytes sha256:$sumpng
echo: describe it" "gemini: the digest of the bytes received"
is "$(lastq '.body.contents[0].parts[0].text')" "describe it" "gemini: the text part"
is "$(lastq '.body.contents[0].parts[1].inlineData | "\(.mimeType) \(.data)"')" "image/png $b64png" \
	"gemini: inlineData with the mime type and the bytes in base64"
run llm-ask --attach doc.pdf 'summarise'
is "$rc:$(lastq '.body.contents[0].parts[1].inlineData.mimeType')" "0:application/pdf" "gemini PDF: inlineData application/pdf"
run llm-ask --stream --attach pic.png 'streamed'
is "$rc:$out" "0:image image/png $npng bytes sha256:$sumpng
echo: streamed" "gemini stream: the digest arrives streamed"
like "$(lastq .path)" ':streamGenerateContent$' "gemini stream: streamGenerateContent"
# a URL: Gemini fetches it itself, as fileData {mimeType, fileUri}, the
# type from the path's extension (llm-sim never fetches it); these calls
# keep no state, so that the catalog's 10 a minute do not make later ones wait
export LLM_STATE=memory
run llm-ask --attach https://images.invalid/cat.png 'describe it'
is "$rc:$err" "0:" "gemini + URL: exit 0, nothing on stderr"
is "$out" "image url https://images.invalid/cat.png
echo: describe it" "gemini + URL: llm-sim got the URL"
is "$(lastq '.body.contents[0].parts | tojson')" \
	'[{"text":"describe it"},{"fileData":{"mimeType":"image/png","fileUri":"https://images.invalid/cat.png"}}]' \
	"gemini + URL: the exact parts sent: fileData with the type from .png"
run llm-ask --stream --attach 'https://images.invalid/dir.v2/Photo.JPG?size=large#top' 'streamed'
is "$rc:$(lastq '.body.contents[0].parts[1] | tojson')" \
	'0:{"fileData":{"mimeType":"image/jpeg","fileUri":"https://images.invalid/dir.v2/Photo.JPG?size=large#top"}}' \
	"gemini stream + URL: .JPG before a query is image/jpeg, the URL sent as it is"
run llm-ask --attach http://images.invalid/paper.pdf 'summarise'
is "$rc:$(lastq '.body.contents[0].parts[1].fileData.mimeType')" "0:application/pdf" "gemini + PDF URL: application/pdf"
# a URL of no known type: refused before sending (no other entry here)
n0=$(nlog)
run llm-ask --attach 'https://images.invalid/render?id=7.png' 'describe it'
is "$rc" 69 "gemini + URL of no known type: exit 69"
like "$err" 'gemini takes an image URL only with a known type \(.png, .jpg' "gemini + URL of no known type: says why"
is "$(nlog)" "$n0" "gemini + URL of no known type: nothing sent"
unset LLM_STATE
unset GEMINI_BASE_URL GEMINI_API_KEY GEMINI_MODELS

# ---- Cloudflare: a vision model of the catalog, image_url with a data URL
export CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/" CLOUDFLARE_API_TOKEN=cf1 \
	CLOUDFLARE_MODELS=@cf/mistralai/mistral-small-3.1-24b-instruct
run llm-ask --attach pic.jpg 'what?'
is "$rc" 0 "cloudflare: exit 0"
is "$out" "image image/jpeg $(wc -c <pic.jpg | tr -d ' ') bytes sha256:$sumjpg
echo: what?" "cloudflare: the digest of the bytes received"
is "$(lastq '.path')" "/client/v4/accounts/acct1/ai/run/@cf/mistralai/mistral-small-3.1-24b-instruct" \
	"cloudflare: ai/run of the model"
is "$(lastq '.body.messages[0].content[1].image_url.url')" "data:image/jpeg;base64,$(base64 -w0 pic.jpg)" \
	"cloudflare: image_url with the data URL"
# no PDFs to Workers AI: refused before sending
n0=$(nlog)
run llm-ask --attach doc.pdf 'what?'
is "$rc:$(nlog)" "69:$n0" "cloudflare PDF: exit 69, nothing sent"
like "$err" 'cloudflare takes no PDF files' "cloudflare PDF: says why"
# a catalogued text model: no request, the missing capability named
export CLOUDFLARE_MODELS=@cf/meta/llama-3.1-8b-instruct
n0=$(nlog)
run llm-ask --attach pic.jpg 'what?'
is "$rc" 69 "cloudflare text model + image: exit 69"
like "$err" '^llm-ask: unsupported: .*no entry takes images' "cloudflare text model: names the missing capability"
is "$(nlog)" "$n0" "cloudflare text model: nothing sent"
# a Workers AI model the catalog does not know: no images either
export CLOUDFLARE_MODELS=@cf/acme/unknown-model
run llm-ask --attach pic.jpg 'what?'
is "$rc:$(nlog)" "69:$n0" "cloudflare unknown model + image: exit 69, nothing sent"
unset CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_TOKEN CLOUDFLARE_MODELS

# ---- llm-sim: images to a text-only model, each provider's error body
curl -s -o b -w '%{http_code}' -H 'Authorization: Bearer k' -H 'Content-Type: application/json' \
	-d "{\"model\":\"m-text-only\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,$b64png\"}}]}]}" \
	"$SIM/v1/chat/completions" >code
is "$(cat code) $(jq -c . b)" '400 {"error":{"message":"Invalid content type. image_url is only supported by certain models.","type":"invalid_request_error","param":"messages.[0].content.[1].type","code":null}}' \
	"llm-sim openai: a text-only model refuses image_url as OpenAI does"
curl -s -o b -w '%{http_code}' -H 'x-goog-api-key: k' -H 'Content-Type: application/json' \
	-d "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"$b64png\"}}]}]}" \
	"$SIM/v1beta/models/g-text-only:generateContent" >code
is "$(cat code) $(jq -c . b)" '400 {"error":{"code":400,"message":"Image input modality is not enabled for models/g-text-only","status":"INVALID_ARGUMENT"}}' \
	"llm-sim gemini: a text-only model refuses inlineData"
curl -s -o b -w '%{http_code}' -H 'x-goog-api-key: k' -H 'Content-Type: application/json' \
	-d '{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"%%%"}}]}]}' \
	"$SIM/v1beta/models/g:generateContent" >code
is "$(cat code) $(jq -r .error.status b)" '400 INVALID_ARGUMENT' "llm-sim gemini: data that is not base64 is a 400"

# ---- routing around a text-only model, learned from its refusal
cat >mix.pool <<EOF
{"id":"blind","provider":"x","base_url":"$SIM/v1","model":"m-text-only","key":"kb","priority":0}
{"id":"seer","provider":"x","base_url":"$SIM/v1","model":"m-vision","key":"ks","priority":1}
EOF
chmod 600 mix.pool
: >"$SIM_LOG"
run llm-ask --pool mix.pool --strategy sequential --attach pic.png 'look'
is "$rc" 0 "text-only first: fails over, exit 0"
is "$out" "image image/png $npng bytes sha256:$sumpng
echo: look" "text-only first: the vision model's digest answer"
is "$(model_hits m-text-only):$(model_hits m-vision)" 1:1 "text-only first: one refusal, one answer"
# learned for the process: llm-map's three records send one to the text-only model
printf '%s\n' '{"p":"a"}' '{"p":"b"}' '{"p":"c"}' >recs
: >"$SIM_LOG"
run llm-map --pool mix.pool --strategy sequential -j 1 '{prompt: .p, attach: "pic.png"}' recs
is "$rc" 0 "llm-map with attach: exit 0"
is "$(printf '%s\n' "$out" | jq -r '.text' | grep -c "sha256:$sumpng")" 3 "llm-map: every record's image arrived"
is "$(model_hits m-text-only)" 1 "llm-map: the text-only model is asked once, then skipped (remembered)"
like "$(printf '%s\n' "$out" | jq -r '.attempts | length' | tr '\n' ' ')" '^(2 1 1|1 1 1|1 2 1|1 1 2) $' \
	"llm-map: no record was penalised beyond the one refusal"
# a record whose file is no image: that item's template error, the others go on
printf '%s\n' '{"p":"a","f":"pic.png"}' '{"p":"b","f":"notes.txt"}' '{"p":"c","f":"gone.png"}' >recs2
run llm-map --pool mix.pool '{prompt: .p, attach: [.f]}' recs2
is "$rc" 1 "llm-map, a bad attachment: exit 1"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok | not) | "\(.i) \(.error.kind)"' | sort | tr '\n' ' ')" "1 template 2 template " \
	"llm-map, a bad attachment: template records for those items"
like "$err" 'attach: notes.txt: not a PNG, JPEG, GIF, WebP or PDF file' "llm-map: the message names the file and why"
like "$err" 'attach: gone.png: No such file' "llm-map: a missing file named"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i')" 0 "llm-map: the good item answered"
# the same text-only model alone: the refusal, then the capability named
printf '{"id":"blind","provider":"x","base_url":"%s/v1","model":"m-text-only","key":"kb"}\n' "$SIM" >blind.pool
chmod 600 blind.pool
run llm-ask --pool blind.pool --attach pic.png 'look'
is "$rc" 69 "text-only alone: exit 69"
like "$err" 'no entry takes images' "text-only alone: names the missing capability"
like "$err" 'image_url is only supported by certain models' "text-only alone: and the provider's refusal"
# a pool line can say so itself: "vision": false, nothing sent
printf '{"id":"b2","provider":"x","base_url":"%s/v1","model":"m2","key":"kb2","vision":false}\n' "$SIM" >nov.pool
chmod 600 nov.pool
n0=$(nlog)
run llm-ask --pool nov.pool --attach pic.png 'look'
is "$rc:$(nlog)" "69:$n0" "\"vision\": false on the pool line: exit 69, nothing sent"
is "$err" 'llm-ask: unsupported: no entry takes images (the catalog'"'"'s "caps", or learned from an unsupported answer)' \
	"\"vision\": false: the one-line message"
run llm-ask --pool nov.pool 'text is fine'
is "$rc:$out" "0:echo: text is fine" "\"vision\": false: text still goes"

# ---- the size estimate: CJK counts a token per character
# 120 ideographs are 360 bytes (90 tokens at 4 bytes each) but ~120 tokens
cjk=$(awk 'BEGIN { for (i = 0; i < 120; i++) printf "\344\275\240" }')
cat >win.pool <<EOF
{"id":"small","provider":"x","base_url":"$SIM/v1","model":"m1","key":"ksmall","window":110,"priority":0}
{"id":"big","provider":"x","base_url":"$SIM/v1","model":"m1","key":"kbig","window":100000,"priority":1}
EOF
chmod 600 win.pool
: >"$SIM_LOG"
run llm-ask --pool win.pool --strategy sequential "$cjk"
is "$rc" 0 "CJK prompt: exit 0"
is "$(jq -r .key "$SIM_LOG" | tr '\n' ' ')" "kbig " "CJK prompt: the 110-token window is skipped, sent to the big one only"
# tokens per minute: an entry whose tpm is below the prompt is skipped
cat >tpm.pool <<EOF
{"id":"slow","provider":"x","base_url":"$SIM/v1","model":"m1","key":"kslow","tpm":50,"priority":0}
{"id":"fast","provider":"x","base_url":"$SIM/v1","model":"m1","key":"kfast","priority":1}
EOF
chmod 600 tpm.pool
: >"$SIM_LOG"
run llm-ask --pool tpm.pool --strategy sequential --max-wait 0 "$cjk"
is "$rc:$(jq -r .key "$SIM_LOG" | tr '\n' ' ')" "0:kfast " "tpm 50 < the prompt: skipped, the other answers"
head -1 tpm.pool >tpm1.pool
chmod 600 tpm1.pool
run llm-ask --pool tpm1.pool --max-wait 0 "$cjk"
is "$rc" 69 "no entry's tokens/minute takes it: exit 69"
like "$err" "^llm-ask: too_large: .*about 1[0-9][0-9] tokens \(estimated\).*tokens/minute" \
	"no entry's tokens/minute takes it: the message says why"
done_testing
