#!/bin/sh
# llm-pool: building the pool from variables (ids, fields, quota owners, no
# keys), reading pool lines from files and pipes (validation, duplicates),
# filters, --check/--live, --status/--reset, inline keys, key_cmd.
. "$(dirname "$0")/lib.sh"
exec </dev/null   # llm-ask appends a non-terminal stdin; llm-pool reads a pipe

start_sim
jqo() { printf '%s\n' "$out" | jq -r "$@"; }
nlines() { printf '%s' "$1" | grep -c .; }

# ---- from the environment
export GEMINI_API_KEY_1=gkey-one GEMINI_API_KEY_2=gkey-two GEMINI_API_KEY_3=gkey-three \
	GEMINI_PROJECT_1=proj-a GEMINI_PROJECT_2=proj-a GEMINI_MODELS=gemini-2.5-flash,gemini-2.5-flash-lite \
	CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct9/ai/run/" CLOUDFLARE_API_TOKEN=cf-token \
	CLOUDFLARE_MODELS=@cf/meta/llama-3.1-8b-instruct \
	ACME_API_KEY=acme-key ACME_BASE_URL="$SIM/v1" ACME_MODELS=a1
run llm-pool
is "$rc" 0 "from env: exit 0"
is "$(nlines "$out")" 8 "from env: 3 gemini keys x 2 models + cloudflare + acme"
is "$(jqo -s 'map(.id) | join(" ")')" \
	"gemini-1:gemini-2.5-flash gemini-1:gemini-2.5-flash-lite gemini-2:gemini-2.5-flash gemini-2:gemini-2.5-flash-lite gemini-3:gemini-2.5-flash gemini-3:gemini-2.5-flash-lite cloudflare:@cf/meta/llama-3.1-8b-instruct acme:a1" \
	"from env: ids, in order"
is "$(jqo -s 'map(select(.provider == "gemini") | .quota // "-") | unique | join(" ")')" "- gemini:proj-a" \
	"GEMINI_PROJECT_N groups keys 1 and 2 under one owner; key 3 declares none (it is its own)"
is "$(jqo 'select(.provider == "cloudflare") | .quota')" cloudflare:acct9 "cloudflare: the account is the owner"
is "$(jqo 'select(.id == "gemini-2:gemini-2.5-flash") | .key_env')" GEMINI_API_KEY_2 "key_env names the variable"
is "$(jqo 'select(.provider == "cloudflare") | .key_env')" CLOUDFLARE_API_TOKEN "cloudflare key_env"
is "$(jqo 'select(.id == "acme:a1") | [.wire, .base_url, .key_env] | join(" ")')" "openai $SIM/v1 ACME_API_KEY" \
	"generic host: openai wire, base_url, key_env"
is "$(jqo 'select(.id == "gemini-1:gemini-2.5-flash") | [.wire, .model, (.rpm|tostring), .reset, (.per_model|tostring)] | join(" ")')" \
	"gemini gemini-2.5-flash 5 pacific true" "gemini: wire, model, catalog limits"
is "$(jqo -s 'map(has("key")) | any')" false "from env: no key field"
case "$out$err" in *gkey-*|*cf-token*|*acme-key*) nok "from env: no key value in the output" ;; *) ok "from env: no key value in the output" ;; esac
printf '%s\n' "$out" > "$T/env-pool.ndjson"

# ---- filters
run llm-pool --provider gemini --model '*lite'
is "$(jqo -s 'map(.id) | join(" ")')" "gemini-1:gemini-2.5-flash-lite gemini-2:gemini-2.5-flash-lite gemini-3:gemini-2.5-flash-lite" "--provider and --model"
run llm-pool --quota 'gemini:proj-a'
is "$(jqo -s 'map(.id) | join(" ")')" "gemini-1:gemini-2.5-flash gemini-1:gemini-2.5-flash-lite gemini-2:gemini-2.5-flash gemini-2:gemini-2.5-flash-lite" "--quota"
run llm-pool --provider 'c*' "$T/env-pool.ndjson"
is "$(jqo .id)" "cloudflare:@cf/meta/llama-3.1-8b-instruct" "--provider on pool lines from a file"
unset GEMINI_API_KEY_1 GEMINI_API_KEY_2 GEMINI_API_KEY_3 GEMINI_PROJECT_1 GEMINI_PROJECT_2 GEMINI_MODELS \
	CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_TOKEN CLOUDFLARE_MODELS ACME_API_KEY ACME_BASE_URL ACME_MODELS

# ---- reading pool lines: files, pipes, comments, duplicates
cat > pool.ndjson <<EOF
# a comment
{"provider":"x","base_url":"$SIM/v1","model":"m1","key_env":"X_KEY","id":"x1"}

{"provider":"x","base_url":"$SIM/v1","model":"m2","key_env":"X_KEY","id":"x2","rpm":30,"window":4000}
{"provider":"x","base_url":"$SIM/v1","model":"m1","key_env":"X_KEY","id":"x1"}
EOF
run llm-pool pool.ndjson
is "$rc" 0 "file: exit 0"
is "$(jqo -s 'map(.id) | join(" ")')" "x1 x2" "file: comments and blank lines skipped, duplicate dropped"
is "$(jqo 'select(.id == "x2") | [.rpm, .window] | map(tostring) | join(" ")')" "30 4000" "file: declared limits kept"
is "$(jqo 'select(.id == "x1") | [.wire, .quota // "-", (.priority|tostring), (.weight|tostring)] | join(" ")')" "openai - 0 1" "file: defaults filled (no owner declared: none written)"
out=$(cat pool.ndjson | llm-pool 2>"$T/e"); rc=$?
is "$rc" 0 "pipe: exit 0"
is "$(jqo -s 'map(.id) | join(" ")')" "x1 x2" "pipe: same entries"
run llm-pool -v pool.ndjson
like "$err" 'pool\.ndjson:5: duplicate' "-v names the dropped duplicate"
run llm-pool pool.ndjson pool.ndjson
is "$(nlines "$out")" 2 "two files with the same lines: duplicates dropped"

printf '{"provider":"x","model":"m","key_env":"K","base_url":"http://h"}\n{"model":"m","key_env":"K"}\n' > nop.ndjson
run llm-pool nop.ndjson
is "$rc" 65 "missing provider: exit 65"
like "$err" '^llm-pool: nop\.ndjson:2: .*provider' "missing provider: file:line: and why"
printf '\n{"provider":"x","model":"m","key_env":"K","base_url":"http://h"}\n{"provider": oops}\n' > bad.ndjson
run llm-pool bad.ndjson
is "$rc" 65 "bad JSON: exit 65"
like "$err" '^llm-pool: bad\.ndjson:3: .*JSON' "bad JSON: file:line:"
out=$(llm-pool <bad.ndjson 2>"$T/e"); rc=$?
is "$rc" 65 "bad JSON on a pipe: exit 65"
like "$(cat "$T/e")" '<stdin>:3: ' "bad JSON on a pipe: <stdin>:line:"

# ---- inline keys: not written back without --with-keys; never to a terminal
cat > inline.ndjson <<EOF
{"provider":"x","base_url":"$SIM/v1","model":"m1","key":"good-inline","id":"in1"}
{"provider":"x","base_url":"$SIM/v1","model":"m2","key":"k+invalid","id":"in2"}
EOF
run llm-pool inline.ndjson
# (both entries, each without "key": 'any' of no entry is false too)
is "$(jqo -s 'map(.id + " " + (has("key") | tostring)) | join(", ")')" "in1 false, in2 false" "inline key: not written back"
case "$out" in *good-inline*) nok "inline key: value absent" ;; *) ok "inline key: value absent" ;; esac
run llm-pool --with-keys inline.ndjson
is "$(jqo -r 'select(.id == "in1") | .key')" good-inline "--with-keys to a pipe writes the key"
if script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "llm-pool --with-keys $T/inline.ndjson; echo rc=\$?" /dev/null >"$T/tty" 2>&1
	like "$(cat "$T/tty")" 'refusing' "--with-keys to a terminal: refused"
	like "$(cat "$T/tty")" 'rc=2' "--with-keys to a terminal: exit 2"
	case "$(cat "$T/tty")" in *good-inline*) nok "--with-keys to a terminal: no key shown" ;; *) ok "--with-keys to a terminal: no key shown" ;; esac
else
	ok "# SKIP script(1) unavailable"; ok "# SKIP"; ok "# SKIP"
fi

# ---- --check and --live
run llm-pool --check inline.ndjson
is "$rc" 1 "--check with a failing entry: exit 1"
is "$(jqo 'select(.id == "in1") | .check | [(.ok|tostring), .kind, (.status|tostring), (.ms|type)] | join(" ")')" "true ok 200 number" "--check: ok with ms"
is "$(jqo 'select(.id == "in2") | .check | [(.ok|tostring), .kind, (.status|tostring)] | join(" ")')" "false auth 401" "--check: auth kind for +invalid"
case "$out$err" in *k+invalid*|*good-inline*) nok "--check: no key in the output" ;; *) ok "--check: no key in the output" ;; esac
run llm-pool --reset inline.ndjson
is "$rc" 0 "--reset of a pool file: exit 0"
run llm-pool --check --live inline.ndjson
is "$rc" 0 "--live: exit 0"
is "$(jqo -s 'map(.id) | join(" ")')" in1 "--live keeps only working entries"
run llm-pool --live inline.ndjson
is "$rc" 2 "--live without --check: exit 2"

# ---- key_cmd: works, run once per process
cat > kc.ndjson <<EOF
{"id":"kc1","provider":"x","base_url":"$SIM/v1","model":"m1","key_cmd":"echo run >> $T/kc.count; printf good1"}
{"id":"kc2","provider":"x","base_url":"$SIM/v1","model":"m2","key_cmd":"echo run >> $T/kc.count; printf good1"}
EOF
rm -f "$T/kc.count"
run llm-pool --check kc.ndjson
is "$rc" 0 "key_cmd: --check passes"
is "$(jqo -s 'map(.check.ok) | all')" true "key_cmd: both entries answered"
is "$(jq -r 'select(.key != null) | .key' "$SIM_LOG" | tail -n 2 | sort -u)" good1 "key_cmd: its output is the key sent"
is "$(wc -l <"$T/kc.count" | tr -d ' ')" 1 "key_cmd: run once per process"
is "$(jqo -s 'map(.key_cmd | startswith("echo run")) | all')" true "key_cmd kept in the output"
rm -f "$T/kc.count"
run llm-ask --pool kc.ndjson --strategy sequential hi
is "$out" "echo: hi" "key_cmd: llm-ask uses it"
is "$(wc -l <"$T/kc.count" | tr -d ' ')" 1 "key_cmd: run once by llm-ask"

# ---- --status after a rate-limited run, dead keys, --reset
cat > st.ndjson <<EOF
{"id":"rl","provider":"x","base_url":"$SIM/v1","model":"m1","key":"k1+retry=30","quota":"owner-rl"}
{"id":"dk","provider":"x","base_url":"$SIM/v1","model":"m1","key":"k2+invalid","quota":"owner-dk"}
{"id":"gd","provider":"x","base_url":"$SIM/v1","model":"m1","key":"good3","quota":"owner-gd"}
EOF
run llm-ask --pool st.ndjson --strategy sequential hello
is "$out" "echo: hello" "status: the call fails over to the good entry"
run llm-pool --status st.ndjson
is "$rc" 0 "--status: exit 0"
is "$(nlines "$out")" 3 "--status: one NDJSON line per entry"
is "$(jqo 'select(.id == "rl") | .state')" cooling "--status: the rate-limited owner is cooling"
is "$(jqo 'select(.id == "rl") | .scope')" o:owner-rl "--status: the cooldown is the owner's"
is "$(jqo 'select(.id == "rl") | .kind')" rate_limited "--status: why (kind)"
left=$(jqo 'select(.id == "rl") | .left_s')
check "--status: time left about 30 s ($left)" awk "BEGIN { exit !($left > 25 && $left <= 30) }"
like "$(jqo 'select(.id == "rl") | .why')" '429|[Rr]ate' "--status: why (message)"
is "$(jqo 'select(.id == "dk") | [.state, .kind] | join(" ")')" "dead auth" "--status: the invalid key is dead, why auth"
like "$(jqo 'select(.id == "dk") | .scope')" '^k:' "--status: death is the key's"
is "$(jqo 'select(.id == "gd") | .state')" ok "--status: the good entry is ok"
case "$out" in *k1+retry*|*k2+invalid*|*good3*) nok "--status: no key" ;; *) ok "--status: no key" ;; esac
run llm-pool --reset rl st.ndjson
is "$rc" 0 "--reset ID: exit 0"
run llm-pool --status st.ndjson
is "$(jqo -s 'map(.state) | join(" ")')" "ok dead ok" "--reset ID clears that entry only"
run llm-pool --reset st.ndjson
run llm-pool --status st.ndjson
is "$(jqo -s 'map(.state) | join(" ")')" "ok ok ok" "--reset clears all"
run llm-pool --reset nosuch st.ndjson
is "$rc" 2 "--reset of an unknown id: exit 2"

# ---- usage
run llm-pool --help
is "$rc" 0 "--help: exit 0"
like "$out" '^usage: llm-pool' "--help on stdout"
run llm-pool --bogus
is "$rc" 2 "bad option: exit 2"
run llm-pool
is "$rc" 78 "nothing to build from: exit 78"
like "$err" 'GEMINI_API_KEY' "nothing to build from: names the variables"

done_testing
