#!/bin/sh
# The catalog is data: llm-pool --catalog prints the merged catalog; the
# user's file ($XDG_CONFIG_HOME or ~/.config), LLM_CATALOG and --catalog=FILE
# override it line by line without a rebuild, and the pool built from keys
# follows; a bad line is a warning naming its file and line, never fatal; a
# provider added by a catalog line builds entries and answers.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
jqo() { printf '%s\n' "$out" | jq -r "$@"; }
SRC='"source":"https://example.org/limits","read":"2026-12-01"'

# ---- the built-in catalog
run llm-pool --catalog
is "$rc" 0 "--catalog: exit 0"
is "$err" "" "--catalog: nothing on stderr"
is "$(jqo -s 'map(select(has("model") | not) | .provider) | join(" ")' | cut -d' ' -f1-4)" \
	"gemini openai cloudflare zhipu" "--catalog: providers in priority order"
is "$(jqo -s 'map(select(.model == "gemini-2.5-flash")) | .[0] | [.limits[] | "\(.window)=\(.max)/\(.reset)"] | join(" ")')" \
	"rpm=5/rolling rpd=20/pacific tpm=250000/rolling" "--catalog: a model's windows with their resets"
is "$(jqo -s 'map(select(.provider == "cloudflare" and has("model"))) | .[0].limits | map(.window) | join(" ")')" \
	"rpm npd" "--catalog: Cloudflare's daily neuron budget is a window"
is "$(jqo -s 'map(.from | test("^catalog.ndjson \\(built in\\):[0-9]+$")) | all')" true \
	"--catalog: every line says where it came from"
run llm-pool --catalog --provider zhipu
is "$(jqo -s 'map(.provider) | unique | join(" ")')" zhipu "--catalog --provider filters"

# ---- an override line in ~/.config changes a limit without a rebuild
mkdir -p "$T/.config/many-llm"
cat >"$T/.config/many-llm/catalog.ndjson" <<EOT
# a comment, then a blank line

{"provider":"gemini","model":"gemini-2.5-flash","context":1000,"caps":["json"],"per_model":true,"limits":[{"window":"rpm","max":7,"reset":"rolling",$SRC},{"window":"rph","max":100,"reset":"rolling",$SRC},{"window":"rpmo","max":3000,"reset":"month",$SRC},{"window":"tpd","max":90000,"reset":"utc",$SRC},{"window":"tpmo","max":900000,"reset":"month",$SRC}]}
EOT
run llm-pool --catalog --model gemini-2.5-flash
is "$rc:$err" "0:" "override: exit 0, no warning"
is "$(jqo '[.limits[] | "\(.window)=\(.max)/\(.reset)"] | join(" ")')" \
	"rpm=7/rolling rph=100/rolling rpmo=3000/month tpd=90000/utc tpmo=900000/month" \
	"override: every window kind is parsed and shown"
is "$(jqo '.from')" "$T/.config/many-llm/catalog.ndjson:3" "override: the line names its file and line"
export GEMINI_API_KEY=gk GEMINI_BASE_URL="$SIM/v1beta"
run llm-pool
is "$(jqo 'select(.model == "gemini-2.5-flash") | [.rpm, .window, (.rpd // "none"), .reset] | map(tostring) | join(" ")')" \
	"7 1000 none utc" "override: the pool built from GEMINI_API_KEY takes the new limits"
is "$(jqo 'select(.model == "gemini-2.5-flash-lite") | .rpm')" 10 "override: other models keep theirs"

# XDG_CONFIG_HOME wins over ~/.config
mkdir -p "$T/xdg/many-llm"
echo "{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\",\"limits\":[{\"window\":\"rpm\",\"max\":8,$SRC}]}" \
	>"$T/xdg/many-llm/catalog.ndjson"
XDG_CONFIG_HOME="$T/xdg" run llm-pool
is "$(jqo 'select(.model == "gemini-2.5-flash") | .rpm')" 8 "XDG_CONFIG_HOME/many-llm/catalog.ndjson is read"

# LLM_CATALOG on top of the user's file, --catalog=FILE on top of that
echo "{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\",\"limits\":[{\"window\":\"rpd\",\"max\":3,\"reset\":\"pacific\",$SRC}]}" >"$T/env.ndjson"
echo "{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\",\"limits\":[{\"window\":\"rpd\",\"max\":4,\"reset\":\"utc\",$SRC}]}" >"$T/opt.ndjson"
LLM_CATALOG="$T/env.ndjson" run llm-pool
is "$(jqo 'select(.model == "gemini-2.5-flash") | [.rpd, .reset, (.rpm // "none")] | map(tostring) | join(" ")')" \
	"3 pacific none" "LLM_CATALOG replaces the user's line"
LLM_CATALOG="$T/env.ndjson" run llm-pool --catalog="$T/opt.ndjson" --model gemini-2.5-flash
is "$(jqo '[.limits[0].max, .from] | map(tostring) | join(" ")')" "4 $T/opt.ndjson:1" "--catalog=FILE is applied last"

# ---- bad lines: warnings naming file:line, the rest still applies
cat >"$T/bad.ndjson" <<EOT
{"provider":"gemini","model":"gemini-2.5-flash","limits":[{"window":"rpm","max":9,$SRC}]}
{"provider":"gemini",
{"provider":"gemini","model":"gemini-2.5-flash-lite","limits":[{"window":"rpw","max":1,$SRC}]}
{"provider":"gemini","model":"gemma-3-27b-it","limits":[{"window":"rpm","max":-2,$SRC}]}
["not", "an object"]
{"model":"x"}
{"provider":"nosuch","model":"m1"}
{"provider":"gemini","wire":"smoke"}
{"provider":"gemini","model":"gemini-2.5-flash","caps":"schema"}
EOT
LLM_CATALOG="$T/bad.ndjson" run llm-pool
is "$rc" 0 "bad lines: llm-pool still builds the pool (exit 0)"
is "$(printf '%s\n' "$err" | grep -c "^llm-pool: warning: $T/bad.ndjson:[0-9]*: ")" 8 "bad lines: one warning each"
like "$err" "bad.ndjson:2: invalid JSON" "bad lines: broken JSON, with its line"
like "$err" "bad.ndjson:3: limit 1: unknown window \"rpw\"" "bad lines: an unknown window"
like "$err" "bad.ndjson:4: limit 1: \"max\" is not a whole number" "bad lines: a negative limit"
like "$err" "bad.ndjson:5: a catalog line is a JSON object" "bad lines: not an object"
like "$err" "bad.ndjson:6: missing \"provider\"" "bad lines: no provider"
like "$err" "bad.ndjson:7: model m1 of unknown provider \"nosuch\"" "bad lines: a model of no provider"
like "$err" "bad.ndjson:8: unknown wire \"smoke\"" "bad lines: an unknown wire"
like "$err" "bad.ndjson:9: a field has the wrong type" "bad lines: caps not an array"
is "$(jqo 'select(.model == "gemini-2.5-flash") | .rpm')" 9 "bad lines: the good line still applies"
is "$(jqo 'select(.model == "gemini-2.5-flash-lite") | .rpm')" 10 "bad lines: a bad line changes nothing"
LLM_CATALOG="$T/nonexistent.ndjson" run llm-pool
is "$rc" 0 "a missing LLM_CATALOG: exit 0"
like "$err" "^llm-pool: warning: $T/nonexistent.ndjson: No such file" "a missing LLM_CATALOG: a warning naming it"
printf '\001\002\377garbage\n{"provider"\n' >"$T/bin.ndjson"
LLM_CATALOG="$T/bin.ndjson" run llm-ask hello
is "$rc:$out" "0:echo: hello" "binary junk in the catalog: llm-ask still answers"
like "$err" "llm-ask: warning: $T/bin.ndjson:1: invalid JSON" "binary junk: llm-ask warns with file:line"
is "$(printf '%s' "$err" | LC_ALL=C tr -d '\n' | LC_ALL=C tr -d '[:print:]' | wc -c | tr -d ' ')" 0 \
	"binary junk: the warning does not echo the bytes"
seq 1 100 | sed 's/^/x/' >"$T/many.ndjson"
LLM_CATALOG="$T/many.ndjson" run llm-pool
is "$rc:$(printf '%s\n' "$err" | grep -c 'warning')" "0:64" "a hundred bad lines: 64 warnings at most"
like "$(printf '%s\n' "$err" | tail -1)" "many.ndjson:64: more bad lines; warnings stop here" "a hundred bad lines: the last says so"
unset GEMINI_API_KEY GEMINI_BASE_URL

# ---- a provider defined by catalog lines alone, with its own key variable
cat >"$T/new.ndjson" <<EOT
{"provider":"acmex","wire":"openai","base_url":"$SIM/v1","keys":["ACMEX_TOKEN"],$SRC}
{"provider":"acmex","model":"sim-model","context":4096,"caps":["json","stream"],"limits":[{"window":"rpm","max":11,"reset":"rolling",$SRC}]}
EOT
export LLM_CATALOG="$T/new.ndjson" ACMEX_TOKEN_2=acmex-secret
run llm-pool
is "$rc:$err" "0:" "new provider: builds without warnings"
is "$(jqo '[.id, .key_env, .rpm, .window, .base_url] | map(tostring) | join(" ")')" \
	"acmex-2:sim-model ACMEX_TOKEN_2 11 4096 $SIM/v1" "new provider: an entry from its key variable alone"
run llm-ask hi
is "$rc:$out" "0:echo: hi" "new provider: answers through llm-sim"
like "$(grep -c '"path":"/v1/chat/completions"' "$SIM_LOG")" "^[1-9]" "new provider: sent to the OpenAI path"
case "$out$err" in *acmex-secret*) nok "new provider: no key in the output" ;; *) ok "new provider: no key in the output" ;; esac
unset LLM_CATALOG ACMEX_TOKEN_2

# ---- a model the catalog does not list takes its provider's default windows
export OPENROUTER_API_KEY=or OPENROUTER_MODELS=some/model:free
run llm-pool
is "$(jqo '[.rpm, .rpd, .reset] | map(tostring) | join(" ")')" "20 50 utc" \
	"an unlisted model takes the provider's published defaults"
done_testing
