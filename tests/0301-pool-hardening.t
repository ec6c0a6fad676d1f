#!/bin/sh
# Pool building against hostile or broken input: a pool line with an unknown
# wire or no base URL (reported without reading freed memory), keys holding
# control characters (refused by variable name, the key never shown, nothing
# sent), plain http to a host that only looks like loopback (refused before
# any traffic), a state directory that cannot be made (the path and the
# reason), and a pool of 20,000 keys (all built).
. "$(dirname "$0")/lib.sh"
exec </dev/null
VG=
if command -v valgrind >/dev/null 2>&1 && ! ldd "$MLM_BIN/llm-pool" 2>/dev/null | grep -q libasan; then
	VG="valgrind -q --error-exitcode=99"
fi

# ---- a pool line with an unknown wire, or without a base URL: the message
# is made before the line is freed (valgrind or ASan sees a use after free)
printf '%s\n' '{"provider":"x","model":"m","base_url":"http://127.0.0.1:1/v1","wire":"no-such-wire-name","key":"k"}' > wire.ndjson
run $VG llm-pool wire.ndjson
is "$rc" 65 "unknown wire: exit 65 (no use after free under valgrind/ASan)"
is "$err" 'llm-pool: wire.ndjson:1: unknown wire "no-such-wire-name" (openai, gemini, cloudflare)' "unknown wire: named, with the line"
printf '%s\n' '{"provider":"no-such-provider-name","model":"m","key":"k"}' > nobase.ndjson
run $VG llm-pool nobase.ndjson
is "$rc" 65 "no base_url: exit 65 (no use after free under valgrind/ASan)"
is "$err" 'llm-pool: nobase.ndjson:1: missing "base_url" for provider no-such-provider-name' "no base_url: the provider named"
run $VG env LLM_STATE=memory llm-ask --pool wire.ndjson hi
is "$rc" 78 "llm-ask --pool with an unknown wire: exit 78"
like "$err" 'unknown wire "no-such-wire-name"' "llm-ask: the wire named"

# ---- keys with control characters: refused with the variable's name
start_sim
export LLM_STATE=memory
printf 'OPENAI_API_KEY="sk-secret1\\r\\nX-Injected: 1"\nOPENAI_MODELS=m1\nOPENAI_BASE_URL=%s/v1\n' "$SIM" > crlf.env
chmod 600 crlf.env
run llm-ask --env crlf.env hi
is "$rc" 78 ".env key with CR LF: llm-ask exits 78"
like "$err" '^llm-ask: OPENAI_API_KEY \(crlf\.env\): the key holds a control character' "the variable and its file named"
unlike "$err" 'secret1|Injected' "the key is not shown"
is "$(cat "$SIM_LOG" 2>/dev/null | wc -l | tr -d ' ')" 0 "nothing was sent"
run llm-pool --env crlf.env
is "$rc" 78 ".env key with CR LF: llm-pool exits 78"
like "$err" 'OPENAI_API_KEY \(crlf\.env\): the key holds a control character' "llm-pool names the variable"
printf 'GEMINI_API_KEY_3="AIzaSecret\\tTab"\nGEMINI_MODELS=g1\nGEMINI_BASE_URL=%s/v1beta\n' "$SIM" > tab.env
chmod 600 tab.env
run llm-pool --env tab.env
is "$rc" 78 "a tab in a key: refused too"
like "$err" 'GEMINI_API_KEY_3 \(tab\.env\)' "the numbered variable named"
unlike "$err" 'Secret' "the tab key is not shown"
run env OPENAI_API_KEY="$(printf 'sk-env\033key')" OPENAI_MODELS=m1 OPENAI_BASE_URL="$SIM/v1" llm-ask hi
is "$rc" 78 "an ESC byte in a key from the environment: refused"
like "$err" 'OPENAI_API_KEY \(environment\)' "the environment named as the origin"
# pool lines: an inline key, and a key_env whose value holds a newline
printf '{"provider":"openai","model":"m1","base_url":"%s/v1","key":"sk-inline\\r\\nX-Injected: 1"}\n' "$SIM" > inline.ndjson
chmod 600 inline.ndjson
run llm-pool inline.ndjson
is "$rc" 65 "pool line with CR LF in \"key\": exit 65"
like "$err" '^llm-pool: inline\.ndjson:1: "key" holds a control character' "the pool line named"
unlike "$err" 'inline\\r|Injected' "the inline key is not shown"
run llm-ask --pool inline.ndjson hi
is "$rc" 78 "llm-ask --pool with CR LF in \"key\": exit 78"
printf '{"provider":"openai","model":"m1","base_url":"%s/v1","key_env":"MY_KEY"}\n' "$SIM" > kenv.ndjson
run env MY_KEY="$(printf 'sk-a\nX-Injected: 1')" llm-ask --pool kenv.ndjson hi
is "$rc" 78 "pool line whose key_env holds a newline: exit 78"
like "$err" 'kenv\.ndjson:1: MY_KEY: the key holds a control character' "the pool line and the variable named"
is "$(cat "$SIM_LOG" 2>/dev/null | wc -l | tr -d ' ')" 0 "still nothing was sent"
# a clean key next to them still works
run env OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="$SIM/v1" llm-ask hi
is "$out" "echo: hi" "a key without control characters is used"

# ---- plain http: the host is parsed as libcurl parses it
run env OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="http://localhost:$SIM_PORT/v1" llm-ask hi
is "$out" "echo: hi" "http://localhost:PORT is loopback"
run env OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="HTTP://127.0.0.1:$SIM_PORT/v1" llm-ask hi
is "$out" "echo: hi" "an upper-case scheme to 127.0.0.1 is loopback"
run env OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="http://user@127.0.0.2:$SIM_PORT/v1" llm-ask --retries 1 hi
is "$rc" 69 "user info before a loopback host is still loopback (refused by the network, not the guard)"
unlike "$err" 'plain http' "  ... and not by the guard"
# The hosts below are never reached: each run is in a network namespace with
# no interface up, so not even a name look-up leaves the machine whatever the
# code does; the guard must refuse before trying.
if unshare -rn true 2>/dev/null; then
	for u in 'http://127.0.0.1@192.0.2.1/v1' 'http://127.0.0.1.example.invalid/v1' \
	    'http://localhost.example.invalid/v1' 'http://[::1]@example.invalid/v1' \
	    'HTTP://example.invalid/v1' 'http://127.0.0.1:1@example.invalid:80/v1' \
	    'http://[::ffff:192.0.2.1]/v1' 'http://0x7f000001.example.invalid/v1'; do
		run unshare -rn env OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="$u" llm-ask -v --retries 1 hi
		is "$rc" 69 "$u: no entry could answer"
		like "$err" 'attempt: openai:m1: network .*plain http to a non-loopback host refused' "$u: refused by the guard, before connecting"
	done
	run unshare -rn env OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="http://127.0.0.1@192.0.2.1/v1" \
		LLM_INSECURE_HTTP=1 llm-ask -v --retries 1 hi
	unlike "$err" 'plain http' "LLM_INSECURE_HTTP=1 lets it through (to a network that is not there)"
else
	ok "# skip unshare -rn is not available: remote hosts are not tried"
fi

# ---- a state directory that cannot be made: what failed, not "no HOME"
unset LLM_STATE
touch notadir
run env XDG_STATE_HOME="$T/notadir/state" OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="$SIM/v1" llm-ask hi
is "$out" "echo: hi" "an unusable state directory does not stop work"
is "$err" "llm-ask: warning: state store unavailable (cannot create the state directory $T/notadir/state: Not a directory); using memory" \
	"the directory and the reason are named"
mkdir -p st2 && touch st2/many-llm
run env XDG_STATE_HOME="$T/st2" OPENAI_API_KEY=k1 OPENAI_MODELS=m1 llm-pool --status
like "$err" "state directory $T/st2/many-llm: Not a directory" "llm-pool --status: a file where the directory should be"
if [ "$(id -u)" != 0 ]; then
	mkdir -p ro/many-llm && chmod 500 ro/many-llm
	run env XDG_STATE_HOME="$T/ro" OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="$SIM/v1" llm-ask hi
	like "$err" "cannot write in the state directory $T/ro/many-llm: Permission denied" "a read-only directory: named"
	chmod 700 ro/many-llm
else
	ok "# skip read-only directory as root"
fi
echo hi > one.txt
run env XDG_STATE_HOME="$T/notadir/state" LLM_STATE=memory OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="$SIM/v1" \
	llm-map --cache . one.txt
is "$rc" 0 "llm-map --cache without a usable directory: still answers"
like "$err" "warning: cache unavailable: cannot create the state directory $T/notadir/state: Not a directory \(set LLM_CACHE\)" \
	"llm-map --cache: the directory and the reason are named"
run env -u XDG_STATE_HOME -u HOME OPENAI_API_KEY=k1 OPENAI_MODELS=m1 OPENAI_BASE_URL="$SIM/v1" llm-ask hi
like "$err" 'no XDG_STATE_HOME or HOME' "without either variable: says so"

# ---- 20,000 keys: every entry built (the speed is measured by make bench)
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "OPENAI_API_KEY_%d=sk-%08d\n", i, i;
	print "OPENAI_MODELS=m1"; print "OPENAI_BASE_URL=http://127.0.0.1:1/v1" }' > big.env
chmod 600 big.env
run llm-pool --env big.env
is "$rc" 0 "20,000 keys: llm-pool exits 0"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 20000 "20,000 entries"
is "$(printf '%s\n' "$out" | jq -r .id | sort -u | wc -l | tr -d ' ')" 20000 "20,000 distinct ids"
is "$(printf '%s\n' "$out" | sed -n '20000p' | jq -r .key_env)" OPENAI_API_KEY_20000 "in key order, the last is _20000"
# the same pool asked through the shared SQLite state: every entry's record
sed "s|http://127.0.0.1:1/v1|$SIM/v1|" big.env > big2.env
chmod 600 big2.env
run env -u LLM_STATE llm-ask --env big2.env hello
is "$out" "echo: hello" "20,000 keys with the SQLite state: llm-ask answers"
run env -u LLM_STATE llm-pool --env big2.env --status
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 20000 "llm-pool --status: 20,000 entries"
is "$(printf '%s\n' "$out" | jq -s '[.[] | select(.minute.used == 1)] | length')" 1 "one entry was charged the call"
# a duplicate id among many is still dropped (the index sees earlier lines)
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "{\"provider\":\"openai\",\"model\":\"m%d\",\"key_env\":\"K\"}\n", i % 2000 }' > dup.ndjson
run env K=k1 llm-pool dup.ndjson
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 2000 "3,000 pool lines with 1,000 repeated ids: 2,000 entries"
done_testing
