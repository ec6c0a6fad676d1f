#!/bin/sh
# Canary keys (OpenAI sk-..., Gemini AIza... of 39 characters, Zhipu
# id.secret, a Cloudflare token) through every tool and every error path:
# the canary, whole or its first or last 8 characters, never appears on
# stdout or stderr, in a journal, the state database, the LLM_LOG file,
# llm-serve's answers, pages and log, /proc/PID/cmdline, or a core file.
# The simulator echoes parts of invalid keys back (OpenAI "Incorrect API key
# provided: sk-***..."): the tools must redact. Also: a key file readable by
# group or others is warned about, TLS is verified, and plain http to a
# non-loopback host is refused before any connection. (tests/0203 covers
# the OpenAI canary through llm-ask alone.)
. "$(dirname "$0")/lib.sh"
exec </dev/null
# TODO=REASON marks the checks of a known gap
ok()   { _tap_n=$((_tap_n+1)); echo "ok $_tap_n - $*${TODO:+ # TODO $TODO}"; }
nok()  { _tap_n=$((_tap_n+1)); [ -n "$TODO" ] || _tap_fail=$((_tap_fail+1)); echo "not ok $_tap_n - $*${TODO:+ # TODO $TODO}"; }
TODO=

start_sim
SK=sk-canary-0123456789abcdef"0123456789abcdef"   # canaries are built in pieces: no key-shaped line in the repository
GK=AIzaCanary0123456789"ABCDEFGHIJKLMNOPQRS"
ZK=c4a7e1f0d2b3968574a1b2c3d4e5f6a7"."CanaryZp01234567
CK=cfCanaryToken0123456789abcdefghijklmnopq
export LLM_LOG="$T/llm.log"
O="$T/o"
mkdir -p "$O"
: >pats
for k in "$SK" "$GK" "$ZK" "$CK"; do
	printf '%s\n' "$k" "$(printf %s "$k" | cut -c1-8)" "$(printf %s "$k" | rev | cut -c1-8 | rev)" >>pats
done
is "${#GK}" 39 "the Gemini canary has the length of a Gemini key"

# clean NAME FILE...: none of the files holds a canary or either end of one
clean() {
	_n=$1; shift
	if cat "$@" 2>/dev/null | grep -aqF -f "$T/pats"; then
		nok "$_n"
		diag "$(cat "$@" 2>/dev/null | grep -aoF -f "$T/pats" | sort -u | head -5)"
		diag "$(cat "$@" 2>/dev/null | grep -aF -f "$T/pats" | head -3 | cut -c1-300)"
	else
		ok "$_n"
	fi
}
# t NAME CMD...: runs CMD with output into $O/NAME.{out,err}; checks both clean
t() {
	_n=$1; shift
	"$@" >"$O/$_n.out" 2>"$O/$_n.err"
	rc=$?
	clean "$_n: stdout and stderr hold no key (exit $rc)" "$O/$_n.out" "$O/$_n.err"
}

# (models unknown to the catalog: no free-tier rate limits to wait for)
# keys SUFFIX: the four canaries, each with SUFFIX (a fault), in the environment
keys() {
	export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY="$SK$1" OPENAI_MODELS=m1 \
		GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY="$GK$1" GEMINI_MODELS=gm1 \
		ZHIPU_BASE_URL="$SIM/api/paas/v4" ZHIPU_API_KEY="$ZK$1" ZHIPU_MODELS=glm-t1 \
		CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/" CLOUDFLARE_API_TOKEN="$CK$1" \
		CLOUDFLARE_MODELS=@cf/test/m1
}
PROVS="openai gemini zhipu cloudflare"
seq 1 6 >in.txt

# ---- good keys
keys ""
t pool llm-pool
is "$(jq -r .provider "$O/pool.out" | sort | tr '\n' ' ')" "cloudflare gemini openai zhipu " "llm-pool: one entry per canary"
t pool-v llm-pool -v
t pool-check llm-pool --check
is "$(jq -r .check.ok "$O/pool-check.out" | sort -u)" true "llm-pool --check: every canary key answers"
for p in $PROVS; do
	t "ask-$p" llm-ask -p "$p" hello
	is "$(cat "$O/ask-$p.out")" "echo: hello" "llm-ask -p $p: answered"
	t "ask-$p-v-json" llm-ask -v --json -p "$p" hello
	t "ask-$p-stream" llm-ask -v --stream -p "$p" hello
done
check "the simulator saw every canary (so the checks mean something)" \
	test "$(jq -r .key "$SIM_LOG" | sort -u | grep -cxF -e "$SK" -e "$GK" -e "$ZK" -e "$CK")" = 4
t map llm-map -j 4 --strategy round-robin . in.txt
is "$(jq -r .provider "$O/map.out" | sort -u | wc -l | tr -d ' ')" 4 "llm-map: every canary answered"
t map-v llm-map -v -j 4 --strategy round-robin --input . in.txt
t map-o llm-map -v -j 4 --strategy round-robin -o good.journal . in.txt
clean "llm-map -o: the journal holds no key" good.journal
t map-dry llm-map --dry-run . in.txt
check "llm-map --dry-run: printed requests" test -s "$O/map-dry.out"
t map-schema llm-map -v --schema 'a int' . in.txt
t fmt llm-fmt -k -S 'text str, provider str' "$O/map.out"
t fmt-whole llm-fmt -k -w -S 'x int' "$O/map-v.err"
t status llm-pool --status

# ---- keys the providers refuse: the simulator echoes parts back
keys "+invalid"
t pool-check-invalid llm-pool --check
is "$(jq -r .check.ok "$O/pool-check-invalid.out" | sort -u)" false "llm-pool --check: every invalid canary fails"
t pool-check-invalid-v llm-pool -v --check
for p in $PROVS; do
	t "ask-$p-invalid" llm-ask -v -p "$p" hello
	is "$rc" 69 "llm-ask -p $p, invalid: exit 69"
	t "ask-$p-invalid-json" llm-ask -v --json -p "$p" hello
done
check "an invalid key's error echoes part of it (OpenAI: Incorrect API key provided)" \
	test "$(jq -r 'select(.fault == "invalid" and .flavor == "openai") | .status' "$SIM_LOG" | head -1)" = 401
llm-pool --reset
t map-invalid llm-map -v -j 4 -o bad.journal . in.txt
clean "llm-map -o, invalid: the journal holds no key" bad.journal
is "$(jq -r .error.kind bad.journal | sort -u)" auth "llm-map, invalid: every record an auth failure"
t fmt-invalid llm-fmt -k -S 'text str' bad.journal
t status-invalid llm-pool --status
# other refusals with the key echoed in the URL or the message
for f in "+status=500" "+quota" "+credit" "+model404" "+garbage" "+overload"; do
	keys "$f"
	llm-pool --reset
	t "ask-all$f" llm-ask -v --json --retries 4 hello
done

# ---- llm-serve: answers, error answers, /metrics, /status.json, its log
keys ""
llm-pool --reset
# start_serve NAME: llm-serve on a free port; sets $SRV, $SRV_PID
start_serve() {
	rm -f serve.port
	llm-serve -v --listen 127.0.0.1:0 --port-file serve.port --log "$O/serve-$1.log" \
		>"$O/serve-$1.out" 2>"$O/serve-$1.err" &
	SRV_PID=$!
	_pids="$_pids $SRV_PID"
	for _i in $(seq 1 250); do [ -s serve.port ] && break; sleep 0.02; done
	SRV="http://127.0.0.1:$(cat serve.port 2>/dev/null)"
}
stop_serve() { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }
# get NAME CURL-ARGS...: the whole answer, headers included, into $O/NAME.http
get() { _n=$1; shift; curl -s -i "$@" >"$O/$_n.http" 2>&1; }
chat() { get "$1" "$SRV/v1/chat/completions" -H 'Content-Type: application/json' -d "$2"; }
serve_all() {
	for m in m1 gm1 glm-t1 @cf/test/m1; do
		f=$(printf %s "$m" | tr -c 'a-z0-9.-' _)
		chat "serve-$1-$f" "{\"model\":\"$m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
		chat "serve-$1-$f-stream" "{\"model\":\"$m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
	done
	chat "serve-$1-bad" '{"model":"m1","messages":"not a list"}'
	get "serve-$1-metrics" "$SRV/metrics"
	get "serve-$1-status" "$SRV/status.json"
	get "serve-$1-page" "$SRV/"
	get "serve-$1-models" "$SRV/v1/models"
}
start_serve good
serve_all good
like "$(head -1 "$O/serve-good-m1.http")" ' 200' "llm-serve: answers with a canary key"
if [ -r "/proc/$SRV_PID/cmdline" ]; then
	tr '\0' ' ' <"/proc/$SRV_PID/cmdline" >"$O/serve.cmdline"
	clean "llm-serve: /proc/PID/cmdline holds no key" "$O/serve.cmdline"
fi
stop_serve
keys "+invalid"
llm-pool --reset
start_serve invalid
serve_all invalid
like "$(head -1 "$O/serve-invalid-m1.http")" ' 5[0-9][0-9]' "llm-serve, invalid keys: an error answer"
stop_serve
clean "llm-serve: answers, error answers, /metrics, /status.json, the page" "$O"/serve-*.http
clean "llm-serve: its stdout, stderr (-v) and --log" "$O"/serve-*.out "$O"/serve-*.err "$O"/serve-*.log

# ---- /proc/PID/cmdline of tools at work (a slow key)
keys "+slow=1500"
llm-ask -p openai hello >"$O/slow-ask.out" 2>&1 &
p1=$!
llm-map -p gemini . in.txt >"$O/slow-map.out" 2>&1 &
p2=$!
llm-pool --check >"$O/slow-check.out" 2>&1 &
p3=$!
sleep 0.5
for p in $p1 $p2 $p3; do
	if [ -r "/proc/$p/cmdline" ]; then
		tr '\0' ' ' <"/proc/$p/cmdline" >"$O/cmdline.$p"
		like "$(cat "$O/cmdline.$p")" 'llm-(ask|map|pool)' "read /proc/$p/cmdline: $(cat "$O/cmdline.$p")"
		clean "/proc/PID/cmdline of $(cut -d' ' -f1 "$O/cmdline.$p") holds no key" "$O/cmdline.$p"
	else
		ok "# SKIP no /proc/$p/cmdline"
		ok "# SKIP no /proc/$p/cmdline"
	fi
done
wait $p1 $p2 $p3
clean "the slow runs: no key in their output" "$O"/slow-*.out

# ---- a core file of a tool killed while it holds the keys
# (the tools refuse to dump core; a control process shows whether this
# system would write one at all)
mkdir -p core
keys "+hang"
(cd core && ulimit -c unlimited 2>/dev/null && exec sleep 10) &
cp=$!
sleep 0.2
kill -SEGV "$cp"
wait "$cp" 2>/dev/null
sleep 0.2
control=$(ls core/core* 2>/dev/null | head -1)
for tool in llm-ask llm-map; do
	rm -f core/core*
	(
		cd core || exit 1
		ulimit -c unlimited 2>/dev/null
		if [ $tool = llm-ask ]; then exec llm-ask hello; else exec llm-map . ../in.txt; fi
	) >/dev/null 2>&1 &
	cp=$!
	sleep 0.6
	kill -SEGV "$cp"
	wait "$cp" 2>/dev/null
	st=$?
	# 139: killed by the signal (under ASan its handler reports and exits 1)
	check "$tool: killed by SIGSEGV while calling (exit $st)" test "$st" -ne 0
	sleep 0.2
	cf=$(ls core/core* 2>/dev/null | head -1)
	if [ -n "$cf" ]; then
		nok "$tool: no core file written"
		clean "$tool: its core file holds no key" "$cf"
	elif [ -n "$control" ]; then
		ok "$tool: no core file written (a control process left one)"
		ok "$tool: so no key in a core file"
	else
		ok "# SKIP this system writes no core files (core_pattern: $(cat /proc/sys/kernel/core_pattern 2>/dev/null))"
		ok "# SKIP no core file to search"
	fi
done
rm -rf core

# ---- the stores and logs, at the end of all this
keys ""
db="$XDG_STATE_HOME/many-llm/state.db"
check "the state database exists" test -s "$db"
sqlite3 "$db" .dump >"$O/dump.sql"
check "the state dump has records" grep -q 'openai' "$O/dump.sql"
clean "state database: sqlite3 .dump holds no key" "$O/dump.sql"
clean "state database: its raw files hold no key" "$XDG_STATE_HOME"/many-llm/*
check "LLM_LOG was written" test -s "$LLM_LOG"
clean "LLM_LOG holds no key" "$LLM_LOG"
clean "every stdout and stderr above, once more" "$O"/*

# ---- a .env or key file readable by group or others: a warning
mkdir -p perm
(
	cd perm || exit 1
	unset OPENAI_BASE_URL OPENAI_API_KEY OPENAI_MODELS GEMINI_BASE_URL GEMINI_API_KEY GEMINI_MODELS \
		ZHIPU_BASE_URL ZHIPU_API_KEY ZHIPU_MODELS CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_TOKEN CLOUDFLARE_MODELS
	printf 'OPENAI_API_KEY=%s\nOPENAI_BASE_URL=%s/v1\nOPENAI_MODELS=m1\n' "$SK" "$SIM" >.env
	cp .env keys.env
	: >empty.env
	chmod 600 empty.env
	printf '{"id":"inline","provider":"x","base_url":"%s/v1","model":"m1","key":"%s"}\n' "$SIM" "$SK" >inline.pool
	for mode in 644 640 604 600; do
		chmod $mode .env keys.env inline.pool
		for tool in llm-ask llm-map llm-pool; do
			case $tool in
			llm-ask) run llm-ask hello ;;
			llm-map) run sh -c 'echo x | llm-map -q' ;;
			llm-pool) run llm-pool ;;
			esac
			if [ $mode = 600 ]; then
				is "$rc/$err" "0/" "$tool, .env mode $mode: no warning"
			else
				is "$(printf '%s\n' "$err" | grep -c 'warning: .env is readable by group or others')" 1 "$tool, .env mode $mode: one warning"
				is "$rc" 0 "$tool, .env mode $mode: and it works"
			fi
			clean "$tool, .env mode $mode: no key in its output" "$T/.out" "$T/.err"
		done
		run llm-ask --env keys.env hello
		if [ $mode = 600 ]; then
			is "$err" "" "llm-ask --env keys.env, mode $mode: no warning"
		else
			like "$err" 'warning: keys.env is readable by group or others' "llm-ask --env keys.env, mode $mode: a warning"
		fi
	done
	chmod 644 inline.pool
	for tool in llm-ask llm-map llm-pool; do
		case $tool in
		llm-ask) run llm-ask --env empty.env --pool inline.pool hello ;;
		llm-map) run sh -c 'echo x | llm-map -q --env empty.env --pool inline.pool' ;;
		llm-pool) run llm-pool --env empty.env inline.pool ;;
		esac
		like "$err" 'inline.pool is readable by group or others' "$tool: a pool file with inline keys, mode 644: a warning"
		clean "$tool: a pool file with inline keys: no key in its output" "$T/.out" "$T/.err"
	done
	echo "$_tap_n $_tap_fail" >"$T/.counts"
)
read -r _tap_n _tap_fail <"$T/.counts"

: >empty.env
chmod 600 empty.env

# ---- TLS is verified: https to a plain-http port never succeeds
printf '{"id":"tls","provider":"x","base_url":"https://127.0.0.1:%s/v1","model":"m1","key":"%s"}\n' "$SIM_PORT" "$SK" >tls.pool
: >"$SIM_LOG"
run llm-ask --env empty.env --pool tls.pool --retries 1 hello
is "$rc" 69 "https to a plain http server: exit 69"
like "$err" '^llm-ask: network: .*(SSL|TLS|ssl|tls|connect|handshake)' "https to a plain http server: a TLS or connect error"
is "$(jq -r 'select(.status == 200) | .seq' "$SIM_LOG")" "" "https to a plain http server: nothing answered"
clean "https to a plain http server: no key" "$T/.out" "$T/.err"

# ---- plain http to a non-loopback host: refused before any connection
# (10.255.255.1:9 would hang a connection attempt for the connect timeout;
# the refusal must come first. Never run this with LLM_INSECURE_HTTP=1.)
unset LLM_INSECURE_HTTP
printf '{"id":"far","provider":"x","base_url":"http://10.255.255.1:9/v1","model":"m1","key":"%s"}\n' "$SK" >far.pool
t0=$(date +%s%N)
run llm-ask --env empty.env --pool far.pool --retries 1 --timeout 2 hello
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 69 "plain http to 10.255.255.1: exit 69"
like "$err" 'plain http to a non-loopback host refused' "plain http to 10.255.255.1: refused, and says why"
check "plain http to 10.255.255.1: at once (${ms} ms), no connection attempted" test "$ms" -lt 1000
run sh -c 'echo x | llm-map --env empty.env --pool far.pool --retries 1 --timeout 2'
like "$(printf '%s\n' "$out" | jq -r .error.message)" 'plain http to a non-loopback host refused' "llm-map: plain http to 10.255.255.1 refused"
clean "plain http refused: no key" "$T/.out" "$T/.err"

done_testing
