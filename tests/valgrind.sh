#!/bin/sh
# tests/valgrind.sh — the tools' main paths under valgrind (make check-valgrind):
# llm-ask (an answer, failover, streaming, --json, a schema, every entry
# failing), llm-map (50 items over faulty entries, a journal, a template, a
# schema), llm-pool (build, --check, --status), llm-fmt (several inputs and
# formats), against llm-sim. Any memory error or definite leak fails
# (--error-exitcode=9); reachable and possible leaks are allowed, and only
# the known ones of libjq 1.6 and libcurl are suppressed (tests/valgrind.supp).
# One line per run: "ok TOOL: what" or "FAIL TOOL: what" with the log.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
PATH="$TOP/bin:$PATH"
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 1
fi
unset $(env | sed -n 's/^\([A-Z][A-Z0-9_]*_\(API_KEY\|API_TOKEN\|BASE_URL\|MODELS\|PROJECT\)[A-Z0-9_]*\)=.*/\1/p') 2>/dev/null
unset LLM_POOL LLM_STATE LLM_LOG LLM_SERVE_TOKENS LLM_CACHE 2>/dev/null
export LC_ALL=C TZ=UTC
T=$(mktemp -d "${TMPDIR:-/tmp}/mlm-valgrind.XXXXXX")
export XDG_STATE_HOME="$T/state" HOME="$T"
cd "$T" || exit 1
exec </dev/null

llm-sim --port 0 --port-file sim.port -q &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; wait 2>/dev/null' EXIT
for _i in $(seq 1 200); do [ -s sim.port ] && break; sleep 0.02; done
SIM="http://127.0.0.1:$(cat sim.port)"

VG="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --track-origins=yes --num-callers=30
	--suppressions=$TOP/tests/valgrind.supp --child-silent-after-fork=yes"
n=0 fail=0
# vg NAME WANT_RC CMD...: runs CMD under valgrind; the exit status must be
# WANT_RC and valgrind's log empty
vg() {
	_name=$1 _want=$2
	shift 2
	n=$((n + 1))
	# shellcheck disable=SC2086
	$VG --log-file="$T/vg.$n.log" "$@" >"$T/out.$n" 2>"$T/err.$n"
	_rc=$?
	if [ "$_rc" = "$_want" ] && [ ! -s "$T/vg.$n.log" ]; then
		echo "ok   $_name"
	else
		fail=$((fail + 1))
		echo "FAIL $_name (exit $_rc, want $_want)"
		sed 's/^/    /' "$T/vg.$n.log" | head -80
		[ "$_rc" = 9 ] || sed 's/^/    stderr: /' "$T/err.$n" | head -5
	fi
}

export OPENAI_BASE_URL="$SIM/v1" OPENAI_MODELS=m1 \
	GEMINI_BASE_URL="$SIM/v1beta" GEMINI_MODELS=gm1 \
	ZHIPU_BASE_URL="$SIM/api/paas/v4" ZHIPU_MODELS=glm-t1 \
	CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/" CLOUDFLARE_MODELS=@cf/test/m1

# ---- llm-ask
export OPENAI_API_KEY=good1
vg "llm-ask: an answer" 0 llm-ask hello
vg "llm-ask: --json -v" 0 llm-ask --json -v hello
vg "llm-ask: --stream" 0 llm-ask --stream hello
printf 'SIM-REPLY: {"name": "x", "age": "41",}\n' >schema.in
vg "llm-ask: --schema, repaired, --to c" 0 sh -c 'llm-ask --schema "name, age int" --to c <schema.in'
export OPENAI_API_KEY_1=bad+status=500 OPENAI_API_KEY_2=good2 GEMINI_API_KEY=g1+invalid \
	ZHIPU_API_KEY=z1+overload CLOUDFLARE_API_TOKEN=c1+garbage
unset OPENAI_API_KEY
vg "llm-ask: failover (500, auth, overload, garbage, then an answer)" 0 \
	llm-ask -v --strategy sequential --retries 8 hello
vg "llm-ask: failover, streamed" 0 llm-ask --stream --strategy sequential --retries 8 hello
export OPENAI_API_KEY_2=bad2+cut
llm-pool --reset >/dev/null 2>&1
vg "llm-ask: every entry fails (exit 69)" 69 llm-ask --strategy sequential --retries 6 hello

# ---- llm-pool
llm-pool --reset >/dev/null 2>&1
export OPENAI_API_KEY_1=bad+flaky=3 OPENAI_API_KEY_2=good2+slow=5 GEMINI_API_KEY=g1+truncate \
	ZHIPU_API_KEY=z1 CLOUDFLARE_API_TOKEN=c1+retry=1
vg "llm-pool: build" 0 llm-pool -v
llm-pool >pool.ndjson 2>/dev/null
vg "llm-pool: read a pool file, filter" 0 llm-pool --provider 'o*' pool.ndjson
vg "llm-pool: --check (some fail, exit 1)" 1 llm-pool --check

# ---- llm-map: 50 items over entries with faults
seq 1 50 >in.txt
vg "llm-map: 50 items, faults, -j 8" 0 llm-map -q -j 8 --retries 10 . in.txt
vg "llm-map: -o journal, -v" 0 llm-map -v -j 8 --retries 10 -o journal.ndjson . in.txt
vg "llm-map: --resume a finished journal" 0 llm-map -q -o journal.ndjson --resume . in.txt
vg "llm-map: a template, --input, -u" 0 llm-map -q -u --input -j 8 --retries 10 '{prompt: "n=\(.)"}' in.txt
vg "llm-map: --schema" 0 llm-map -q -j 4 --retries 10 -p zhipu --schema 'a int' '"SIM-REPLY: {\"a\": \(.)}"' in.txt
printf 'ok line\n{"broken": \n{"prompt": "fine"}\n' >mixed.txt
vg "llm-map: bad input lines (exit 1)" 1 llm-map -q -p zhipu . mixed.txt
vg "llm-map: --dry-run" 0 llm-map --dry-run . in.txt

# ---- llm-pool --status after all that
vg "llm-pool: --status" 0 llm-pool --status
vg "llm-pool: --reset" 0 llm-pool --reset

# ---- llm-fmt
cat >fmt.txt <<'EOF'
{"name": "Ada", "age": 36, "tags": ["math"]}
Here is the data: ```json
{"name": "Bob", 'age': "41", tags: ["a", "b",],}
```
{"text": "{\"name\": \"Cy\", \"age\": 7, \"tags\": []}", "ok": true, "i": 0}
no json here at all
EOF
for to in json c sh tsv csv py go rs ts; do
	vg "llm-fmt: -T $to, -k (one bad line: exit 1)" 1 llm-fmt -k -S 'name, age int, tags [str]' -T $to fmt.txt
done
printf '[{"a": 1}, {"a": 2}]\n' >multi.txt
vg "llm-fmt: --multi" 0 llm-fmt -M -S 'a int' multi.txt
vg "llm-fmt: -e jsonschema" 0 llm-fmt -e jsonschema -S 'struct p { char name[16]; int age; };'
vg "llm-fmt: -w -r aggressive -L lenient" 0 sh -c 'printf "{\"age\": \"12\",\n\"name\": \"Z\"" | llm-fmt -w -r aggressive -L lenient -S "name, age int"'

# ---- llm-serve: a few requests, then SIGTERM
llm-pool --reset >/dev/null 2>&1
n=$((n + 1))
rm -f serve.port
# shellcheck disable=SC2086
$VG --log-file="$T/vg.$n.log" llm-serve --listen 127.0.0.1:0 --port-file serve.port --grace 2s \
	>"$T/out.$n" 2>"$T/err.$n" &
spid=$!
for _i in $(seq 1 500); do [ -s serve.port ] && break; sleep 0.02; done
SRV="http://127.0.0.1:$(cat serve.port 2>/dev/null)"
for body in '{"model":"m1","messages":[{"role":"user","content":"hi"}]}' \
	'{"model":"m1","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
	'{"model":"auto","messages":[{"role":"user","content":"hi"}]}' \
	'{"model":"m1","messages":"not a list"}' '{"model":"nope","messages":[{"role":"user","content":"x"}]}' 'not json'; do
	codes="${codes:-}$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$SRV/v1/chat/completions" \
		-H 'Content-Type: application/json' -d "$body") "
done
for path in /v1/models /metrics /status.json /healthz / /nothing; do
	curl -s -m 20 "$SRV$path" >/dev/null
done
kill -TERM "$spid"
wait "$spid"
_rc=$?
case $codes in 200\ 200\ 200\ 4*) good=1 ;; *) good=0 ;; esac
if [ "$_rc" = 0 ] && [ ! -s "$T/vg.$n.log" ] && [ $good = 1 ]; then
	echo "ok   llm-serve: requests, errors, pages, SIGTERM (HTTP $codes)"
else
	fail=$((fail + 1))
	echo "FAIL llm-serve: requests, errors, pages, SIGTERM (exit $_rc, want 0; HTTP $codes)"
	sed 's/^/    /' "$T/vg.$n.log" | head -80
fi

echo "valgrind: $n runs, $fail failed"
[ "$fail" = 0 ] || { echo "logs in $T"; trap - EXIT; kill $SIM_PID 2>/dev/null; exit 1; }
rm -rf "$T"
