#!/bin/sh
# What became of each variable: a warning naming FILE:LINE (or the
# environment) and the name meant for a mistyped name, an empty key, a
# Cloudflare token without its base URL, a key with blanks around it;
# llm-pool -v lists every variable as used, dropped or ignored, and why.
# Where variables come from: the user file ($XDG_CONFIG_HOME/many-llm/env,
# else ~/.config/many-llm/env), ./.env and --env, the environment winning;
# LLM_MODEL, LLM_PROVIDER and LLM_STRATEGY as defaults; strategy names in
# any case, and the seed's class names.
. "$(dirname "$0")/lib.sh"
exec </dev/null
export LLM_STATE=memory

start_sim
lastq() { tail -n 1 "$SIM_LOG" | jq -r "$1"; }

# ---- mistyped names ----
cat > .env <<ENV
OPENAI_BASE_URL=$SIM/v1
OPENAI_API_KEY_1=good-key
GEMENI_API_KEY_1=typo-key-1
OPENAI_KEY=typo-key-2
GEMINI_API_KEY1=typo-key-3
OPENAI_BASEURL=$SIM/v2
ZHIPU_API_KEY_1=
CLOUDFLARE_API_TOKEN=cf-token
DATABASE_URL=postgres://db
ENV
chmod 600 .env
run llm-ask hello
is "$rc" 0 "typos: the good key still answers (exit 0)"
is "$out" "echo: hello" "typos: the answer on stdout"
w() { printf '%s\n' "$err" | grep -cxF -- "llm-ask: warning: $1"; }
is "$(w '.env:3: GEMENI_API_KEY_1: not read; did you mean GEMINI_API_KEY_1?')" 1 "GEMENI_API_KEY_1: .env:3 and GEMINI_API_KEY_1"
is "$(w '.env:4: OPENAI_KEY: not read; did you mean OPENAI_API_KEY?')" 1 "OPENAI_KEY: .env:4 and OPENAI_API_KEY"
is "$(w '.env:5: GEMINI_API_KEY1: not read; did you mean GEMINI_API_KEY_1?')" 1 "GEMINI_API_KEY1: .env:5 and GEMINI_API_KEY_1"
is "$(w '.env:6: OPENAI_BASEURL: not read; did you mean OPENAI_BASE_URL?')" 1 "OPENAI_BASEURL: .env:6 and OPENAI_BASE_URL"
is "$(w '.env:7: ZHIPU_API_KEY_1: empty value: no key, no entries')" 1 "empty ZHIPU_API_KEY_1=: .env:7"
like "$err" 'warning: \.env:8: CLOUDFLARE_API_TOKEN: no entries: a Cloudflare token needs CLOUDFLARE_API_BASE_URL=' \
	"CLOUDFLARE_API_TOKEN without a base URL: .env:8 and the name needed"
is "$(printf '%s\n' "$err" | grep -c .)" 6 "typos: six warnings, none for the good names or DATABASE_URL"
unlike "$err" 'typo-key|good-key|cf-token' "typos: no value in any message"

# the same through llm-map and llm-pool
run sh -c 'echo x | llm-map -q'
is "$(printf '%s\n' "$err" | grep -c 'llm-map: warning: \.env:3: GEMENI_API_KEY_1')" 1 "llm-map warns too"
run llm-pool
is "$(printf '%s\n' "$out" | jq -r .id)" "openai-1:gpt-4o-mini" "llm-pool: the pool holds the good key only"
is "$(printf '%s\n' "$err" | grep -c 'llm-pool: warning: ')" 6 "llm-pool: the same six warnings"

# llm-pool -v: every variable of the file, and what became of it
run llm-pool -v
is "$rc" 0 "llm-pool -v: exit 0"
l() { printf '%s\n' "$err" | grep -cxF -- "llm-pool: $1"; }
is "$(l '.env:1: OPENAI_BASE_URL: used: address of the OPENAI entries')" 1 "-v: a base URL used"
is "$(l '.env:2: OPENAI_API_KEY_1: used: key of 1 entry')" 1 "-v: a key used, with its entries"
is "$(l '.env:3: GEMENI_API_KEY_1: ignored: not read; did you mean GEMINI_API_KEY_1?')" 1 "-v: a typo ignored, and why"
is "$(l '.env:7: ZHIPU_API_KEY_1: dropped: empty value: no key, no entries')" 1 "-v: an empty key dropped, and why"
is "$(l '.env:9: DATABASE_URL: ignored: not a Many-LLM name')" 1 "-v: another program's name ignored"
is "$(printf '%s\n' "$err" | grep -c '^llm-pool: \.env:')" 9 "-v: one line per line of the file"

# more slips, and the name meant for each
cat > .env <<ENV
OPENAI_BASE_URL=$SIM/v1
OPENAI_API_KEY_1=k
LLM_MODLE=x
GOOGLE_API_KEY=g
GROQ_APIKEY=q
OPENAI_API_BASE=http://127.0.0.1:1/v1
ZHIPUAI_API_KEY=z
OPENAI_API_TOKEN=t
MISTRAL_KEY_2=m
LLM_STATE=memory
FOO_API_KEY=f
ENV
run env -u LLM_STATE llm-pool -v
for pair in 3:LLM_MODLE:LLM_MODEL 4:GOOGLE_API_KEY:GEMINI_API_KEY 5:GROQ_APIKEY:GROQ_API_KEY \
    6:OPENAI_API_BASE:OPENAI_BASE_URL 7:ZHIPUAI_API_KEY:ZHIPU_API_KEY 8:OPENAI_API_TOKEN:OPENAI_API_KEY \
    9:MISTRAL_KEY_2:MISTRAL_API_KEY_2; do
	n=${pair%%:*} rest=${pair#*:}
	name=${rest%%:*} want=${rest#*:}
	is "$(l ".env:$n: $name: ignored: not read; did you mean $want?")" 1 "$name: did you mean $want?"
done
is "$(l '.env:10: LLM_STATE: dropped: not read: LLM_STATE is taken from the process environment only')" 1 \
	"LLM_STATE in a file: not read, and why"
is "$(l '.env:11: FOO_API_KEY: dropped: no entries: FOO is not a known provider and FOO_BASE_URL is not set')" 1 \
	"FOO_API_KEY without FOO_BASE_URL: dropped, and why"

# the environment: named as such; a name set both ways is listed as replaced
printf 'OPENAI_BASE_URL=%s/v1\nOPENAI_API_KEY_1=file-key\n' "$SIM" > .env
run env OPENAI_KEY=x llm-ask hi
is "$(w 'environment: OPENAI_KEY: not read; did you mean OPENAI_API_KEY?')" 1 "a typo in the environment: named as the environment's"
run env OPENAI_API_KEY_1=env-key llm-pool -v
is "$(l '.env:2: OPENAI_API_KEY_1: dropped: replaced by the environment')" 1 "-v: a file value hidden by the environment"
is "$(l 'environment: OPENAI_API_KEY_1: used: key of 1 entry')" 1 "-v: the environment's value used"
# another program's names in the environment draw no warning
run env GITHUB_TOKEN=x ANTHROPIC_API_KEY=y GOOGLE_API_KEY=z CF_API_TOKEN=w llm-ask hi
is "$err" "" "GITHUB_TOKEN, ANTHROPIC_API_KEY, GOOGLE_API_KEY, CF_API_TOKEN in the environment: no warning"
run env GEMINI_API_KEY1=x llm-ask hi
is "$err" "llm-ask: warning: environment: GEMINI_API_KEY1: not read; did you mean GEMINI_API_KEY_1?" \
	"a slip of a seed name in the environment: a warning"

# a key with blanks at its ends: a warning (the key is sent as written)
printf 'OPENAI_BASE_URL=%s/v1\nOPENAI_API_KEY_1=" padded-key "\n' "$SIM" > .env
run llm-ask hi
is "$rc" 0 "a padded key: the call is made"
is "$err" "llm-ask: warning: .env:2: OPENAI_API_KEY_1: the key has blanks at its start or end (sent as they are)" \
	"a padded key: one warning naming .env:2"
rm .env

# ---- where the variables come from ----
# from a directory without .env: the user file
mkdir -p .config/many-llm elsewhere xdg/many-llm
printf 'OPENAI_BASE_URL=%s/v1\nOPENAI_API_KEY_1=user-key\n' "$SIM" > .config/many-llm/env
printf 'OPENAI_BASE_URL=%s/v1\nOPENAI_API_KEY_1=xdg-key\n' "$SIM" > xdg/many-llm/env
chmod 600 .config/many-llm/env xdg/many-llm/env
cd "$T/elsewhere" || exit 1
run llm-ask hi
is "$rc" 0 "no ./.env: ~/.config/many-llm/env is read (exit 0)"
is "$(lastq .key)" user-key "the user file's key is used"
run env XDG_CONFIG_HOME="$T/xdg" llm-ask hi
is "$(lastq .key)" xdg-key "\$XDG_CONFIG_HOME/many-llm/env replaces ~/.config/many-llm/env"
# precedence: environment, --env, ./.env, the user file
printf 'OPENAI_API_KEY_1=dot-key\n' > .env
printf 'OPENAI_API_KEY_1=flag-key\n' > flag.env
chmod 600 .env flag.env
run llm-ask hi
is "$(lastq .key)" dot-key "./.env wins over the user file"
run llm-ask --env flag.env hi
is "$(lastq .key)" flag-key "--env wins over ./.env"
run env OPENAI_API_KEY_1=env-key llm-ask --env flag.env hi
is "$(lastq .key)" env-key "the environment wins over --env"
run llm-pool -v --env flag.env
like "$err" "llm-pool: $T/\\.config/many-llm/env:2: OPENAI_API_KEY_1: dropped: replaced by \\.env:1" "-v: the user file's key, replaced by ./.env"
like "$err" "llm-pool: \\.env:1: OPENAI_API_KEY_1: dropped: replaced by flag\\.env:1" "-v: ./.env's key, replaced by --env"
rm .env flag.env
mv "$T/.config/many-llm/env" "$T/user.env"
run llm-ask hi
is "$rc" 78 "no variables anywhere: exit 78"
like "$err" "no \\./\\.env, no $T/\\.config/many-llm/env\\)" "no variables anywhere: the places looked at are named"
mv "$T/user.env" "$T/.config/many-llm/env"
cd "$T" || exit 1
rm -r .config

# ---- defaults: LLM_MODEL, LLM_PROVIDER, LLM_STRATEGY ----
cat > .env <<ENV
OPENAI_BASE_URL=$SIM/v1
OPENAI_API_KEY_1=k1
OPENAI_MODELS=gpt-4o-mini,gpt-4.1-nano
GEMINI_BASE_URL=$SIM/v1beta
GEMINI_API_KEY_1=g1
LLM_MODEL=gpt-4.1-nano
ENV
chmod 600 .env
run llm-ask hi
is "$(lastq .model)" gpt-4.1-nano "LLM_MODEL in .env: the default model"
run llm-ask -m gpt-4o-mini hi
is "$(lastq .model)" gpt-4o-mini "--model wins over LLM_MODEL"
run env LLM_MODEL='gemini-2.5-flash' llm-ask hi
is "$(lastq .model)" gemini-2.5-flash "LLM_MODEL in the environment wins over .env"
run env LLM_MODEL= LLM_PROVIDER=gemini llm-ask --json hi
is "$(printf '%s' "$out" | jq -r .provider)" gemini "LLM_PROVIDER: the default provider"
run env LLM_MODEL=nosuch llm-ask hi
is "$rc" 78 "LLM_MODEL matching nothing: exit 78"
is "$err" "llm-ask: no pool entry matches LLM_MODEL=nosuch" "LLM_MODEL matching nothing: named as LLM_MODEL"
run env LLM_MODEL= llm-pool
is "$(printf '%s\n' "$out" | jq -r .provider | sort -u | tr '\n' ' ')" "gemini openai " \
	"an empty LLM_MODEL: no filter"

printf 'OPENAI_BASE_URL=%s/v1\nOPENAI_API_KEY_1=k1\nLLM_STRATEGY=SequentialStrategy\n' "$SIM" > .env
run llm-ask hi
is "$rc" 0 "LLM_STRATEGY=SequentialStrategy (the seed's name): accepted"
for s in RandomStrategy SEQUENTIAL Round_Robin random least-busy; do
	run llm-ask --strategy "$s" hi
	is "$rc" 0 "--strategy $s: accepted"
done
run llm-ask --strategy bogus hi
is "$rc" 2 "--strategy bogus: exit 2"
like "$err" "^llm-ask: --strategy: unknown strategy 'bogus'" "--strategy bogus: named"
printf 'OPENAI_BASE_URL=%s/v1\nOPENAI_API_KEY_1=k1\nLLM_STRATEGY=bogus\n' "$SIM" > .env
run llm-ask hi
is "$rc" 78 "LLM_STRATEGY=bogus: exit 78"
like "$err" "^llm-ask: \\.env:3: LLM_STRATEGY: unknown strategy 'bogus'" "LLM_STRATEGY=bogus: FILE:LINE named"
is "$out" "" "LLM_STRATEGY=bogus: nothing on stdout"

done_testing
