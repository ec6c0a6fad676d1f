#!/bin/sh
# llm-pool --discover asks each configured provider for its models (OpenAI
# GET /models, Gemini models.list, Cloudflare's model search), keeps the free
# ones where the listing marks prices (OpenRouter ":free", zero prices),
# caches them in the state directory with the date, and pool building uses
# the cache when NAME_MODELS is not set, for the same base URL only.
. "$(dirname "$0")/lib.sh"
exec </dev/null

LLM_SIM_MODELS='a/x:free,b/y,paid/z,c/w:free' start_sim
jqo() { printf '%s\n' "$out" | jq -r "$@"; }
CACHE="$XDG_STATE_HOME/many-llm/models.ndjson"
export OPENROUTER_API_KEY=or-secret-1 OPENROUTER_BASE_URL="$SIM/v1" \
	GEMINI_API_KEY=gm-secret-2 GEMINI_BASE_URL="$SIM/v1beta" \
	CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/" CLOUDFLARE_API_TOKEN=cf-secret-3 \
	OPENAI_API_KEY=oa-secret-4 OPENAI_BASE_URL="$SIM/v1"

# ---- before: the catalog's models
run llm-pool --provider openrouter
is "$(jqo -s 'map(.model) | .[0]')" "meta-llama/llama-3.3-70b-instruct:free" "before --discover: the catalog's models"

run llm-pool --discover
is "$rc:$err" "0:" "--discover: exit 0, nothing on stderr"
is "$(jqo -s 'map(.provider) | join(" ")')" "gemini openai cloudflare openrouter" "--discover: one line per provider"
is "$(jqo 'select(.provider == "openrouter") | .models | join(" ")')" "a/x:free c/w:free" \
	"openrouter: only the :free (zero-priced) models"
is "$(jqo 'select(.provider == "openai") | .models | join(" ")')" "a/x:free b/y c/w:free" \
	"openai: every unpriced model, not the priced one"
is "$(jqo 'select(.provider == "gemini") | .models | join(" ")')" "a/x:free b/y paid/z c/w:free" \
	"gemini: models.list names without models/"
is "$(jqo 'select(.provider == "cloudflare") | .models | length')" 4 "cloudflare: the model search"
like "$(jqo 'select(.provider == "openai") | .date')" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "--discover: dated"
is "$(jq -r 'select(.path | test("models")) | "\(.method) \(.path) \(.auth)"' "$SIM_LOG" | sort | tr '\n' ';')" \
	"GET /client/v4/accounts/acct1/ai/models/search bearer;GET /v1/models bearer;GET /v1/models bearer;GET /v1beta/models x-goog-api-key;" \
	"--discover: the listing endpoints, with each provider's auth"
check "--discover: the cache is in the state directory" [ -s "$CACHE" ]
is "$(jq -r .provider "$CACHE" | sort | tr '\n' ' ')" "cloudflare gemini openai openrouter " "cache: one line per provider"
case "$out$err$(cat "$CACHE")" in *secret*) nok "--discover: no key in the output or the cache" ;; *) ok "--discover: no key in the output or the cache" ;; esac

# ---- pool building uses the cache when NAME_MODELS is not set
run llm-pool --provider openrouter
is "$(jqo -s 'map(.id) | join(" ")')" "openrouter:a/x:free openrouter:c/w:free" "the pool takes the discovered models"
is "$(jqo -s 'map("\(.rpm)/\(.rpd)") | unique | join(" ")')" "20/50" "discovered models take the provider's default windows"
OPENROUTER_MODELS=m1 run llm-pool --provider openrouter
is "$(jqo .id)" "openrouter:m1" "NAME_MODELS still wins over the cache"
OPENROUTER_BASE_URL="$SIM/other/v1" run llm-pool --provider openrouter
is "$(jqo -s 'map(.model) | .[0]')" "meta-llama/llama-3.3-70b-instruct:free" "another base URL: the cache is not used"
: >"$SIM_LOG"
run llm-ask --provider openrouter hi
is "$rc:$out" "0:echo: hi" "llm-ask answers with a discovered model"
like "$(jq -r 'select(.path == "/v1/chat/completions") | .model' "$SIM_LOG")" '^(a/x|c/w):free$' "the request names a discovered model"

# ---- a provider that refuses: exit 1, a warning, the others still cached
rm -f "$CACHE"
OPENAI_API_KEY=k+invalid run llm-pool --discover
is "$rc" 1 "a refused listing: exit 1"
like "$err" "^llm-pool: --discover: openai \\($SIM/v1\\): HTTP 40[01] from the model list$" "a refused listing: a warning naming it"
is "$(jqo -r 'select(.provider == "openai") | .error')" "HTTP 401 from the model list" "a refused listing: an error line"
is "$(jq -r .provider "$CACHE" | sort | tr '\n' ' ')" "cloudflare gemini openrouter " "a refused listing: the others are cached"

# plain http to another host is refused before anything is sent
: >"$SIM_LOG"
run env -u OPENAI_API_KEY -u GEMINI_API_KEY -u CLOUDFLARE_API_TOKEN -u OPENROUTER_API_KEY \
	ACME_API_KEY=k ACME_BASE_URL=http://llm.example.test/v1 ACME_MODELS=m llm-pool --discover
is "$rc" 1 "plain http to a remote host: exit 1"
like "$err" "acme \\(http://llm.example.test/v1\\): plain http to a non-loopback host refused" "plain http: refused"
is "$(grep -c . "$SIM_LOG")" 0 "plain http: nothing sent"
done_testing
