#!/bin/sh
# llm-ask failover: from each kind of bad entry to a good one, -v lines, a
# call where every entry fails (exit 69, every attempt named, the last
# first), and streams: CRLF (Gemini), LF (OpenAI), cut streams.
. "$(dirname "$0")/lib.sh"
exec </dev/null   # llm-ask appends a non-terminal stdin; llm-pool reads a pipe

start_sim
nl() { printf '%s\n' "$1" | grep -c "${2:-.}"; }

# fo NAME BADKEY KIND: NAME_API_KEY_1 is bad, NAME_API_KEY_2 good; sequential
# tries the bad one first and must fail over to the good one.
fo() {
	_N=$1 _k=$2 _kind=$3
	_lc=$(printf '%s' "$_N" | tr 'A-Z' 'a-z')
	eval "export ${_N}_BASE_URL=\"\$SIM/v1\" ${_N}_API_KEY_1=\"\$_k\" ${_N}_API_KEY_2=good-$_lc ${_N}_MODELS=m1"
	run llm-ask -v --strategy sequential -p "$_lc" "question for $_lc"
	is "$rc" 0 "$_kind ($_k): fails over, exit 0"
	is "$out" "echo: question for $_lc" "$_kind: the good entry's answer"
	_att=$(printf '%s\n' "$err" | grep 'attempt:')
	is "$(nl "$_att")" 2 "$_kind: -v prints one line per attempt"
	like "$(printf '%s\n' "$_att" | sed -n 1p)" "^llm-ask: attempt: $_lc-1:m1: $_kind( |$)" "$_kind: first line names the bad entry and its kind"
	like "$(printf '%s\n' "$_att" | sed -n 2p)" "^llm-ask: attempt: $_lc-2:m1: ok( |$)" "$_kind: second line names the good entry"
	case "$err" in *"$_k"*|*good-$_lc*) nok "$_kind: -v shows no key" ; diag "$err" ;; *) ok "$_kind: -v shows no key" ;; esac
	eval "unset ${_N}_BASE_URL ${_N}_API_KEY_1 ${_N}_API_KEY_2 ${_N}_MODELS"
}

fo RL bad+retry=30 rate_limited
fo INV bad+invalid auth
fo GAR bad+garbage bad_response
fo TRU bad+truncate bad_response
fo RST bad+reset network
fo SRV bad+status=500 server
fo NF bad+model404 not_found
fo QU bad+quota quota_exhausted

# +rpm=1: the first call uses the key, the next one goes elsewhere
export RPM_BASE_URL="$SIM/v1" RPM_API_KEY_1=k+rpm=1 RPM_API_KEY_2=good-rpm RPM_MODELS=m1
run llm-ask --json --strategy sequential first
is "$(printf '%s' "$out" | jq -r .entry)" rpm-1:m1 "rpm=1: the first call uses the limited key"
run llm-ask --json --strategy sequential second
is "$rc" 0 "rpm=1: the second call succeeds"
is "$(printf '%s' "$out" | jq -r .entry)" rpm-2:m1 "rpm=1: the second call is answered by the other key"
is "$(printf '%s' "$out" | jq -r .text)" "echo: second" "rpm=1: its answer"
n429=$(jq -r 'select(.key == "k+rpm=1" and .status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
check "rpm=1: at most one 429 reached the limited key ($n429)" [ "$n429" -le 1 ]
unset RPM_BASE_URL RPM_API_KEY_1 RPM_API_KEY_2 RPM_MODELS

# overloaded: the model is busy, not the key; another provider answers at once
export OVA_BASE_URL="$SIM/v1" OVA_API_KEY=k+overload OVA_MODELS=m1 \
	OVB_BASE_URL="$SIM/v1" OVB_API_KEY=good-ovb OVB_MODELS=m2
run llm-ask -v --strategy sequential over
is "$rc" 0 "overloaded: fails over, exit 0"
is "$out" "echo: over" "overloaded: the other provider's answer"
like "$err" 'attempt: ova:m1: overloaded' "overloaded: -v names the overloaded entry"
like "$err" 'attempt: ovb:m2: ok' "overloaded: then the good one"
unset OVA_BASE_URL OVA_API_KEY OVA_MODELS OVB_BASE_URL OVB_API_KEY OVB_MODELS

# ---- every entry fails: exit 69, every attempt named, the last first
export ALL_BASE_URL="$SIM/v1" ALL_API_KEY_1=a+invalid ALL_API_KEY_2=b+model404 ALL_MODELS=m1
run llm-ask --strategy sequential doomed
is "$rc" 69 "all fail: exit 69"
is "$out" "" "all fail: nothing on stdout"
is "$(nl "$err")" 1 "all fail: one line on stderr"
like "$err" '^llm-ask: not_found: ' "all fail: the message starts with the last kind"
like "$err" 'all-2:m1: not_found.*all-1:m1: auth' "all fail: every attempt named, the last first"
case "$err" in *a+invalid*|*b+model404*) nok "all fail: no key in the message" ;; *) ok "all fail: no key in the message" ;; esac
run llm-ask -v --strategy sequential doomed
is "$(printf '%s\n' "$err" | grep -c attempt:)" 0 "all dead: a later call makes no attempt"
like "$err" 'skip all-1:m1: dead.*auth' "all dead: -v says the key is dead (auth)"
like "$err" 'skip all-2:m1: dead.*not_found' "all dead: -v says the entry is dead (not_found)"
is "$rc" 69 "all dead: exit 69"
unset ALL_BASE_URL ALL_API_KEY_1 ALL_API_KEY_2 ALL_MODELS
export ALLJ_BASE_URL="$SIM/v1" ALLJ_API_KEY_1=a+invalid ALLJ_API_KEY_2=b+model404 ALLJ_MODELS=m1
run llm-ask --json --strategy sequential doomed
is "$rc" 69 "all fail --json: exit 69"
is "$(printf '%s' "$out" | jq -r .ok)" false "all fail --json: ok false"
is "$(printf '%s' "$out" | jq -r .error.kind)" not_found "all fail --json: error.kind"
is "$(printf '%s' "$out" | jq -r '.error.message | test("allj-2:m1.*allj-1:m1")')" true "all fail --json: the message names both"
unset ALLJ_BASE_URL ALLJ_API_KEY_1 ALLJ_API_KEY_2 ALLJ_MODELS

# ---- streams
export CUT_BASE_URL="$SIM/v1" CUT_API_KEY_1=c+cut CUT_API_KEY_2=good-cut CUT_MODELS=m1
run llm-ask --stream -v --strategy sequential one two three four
is "$rc" 0 "cut stream: fails over, exit 0"
is "$(printf '%s\n' "$out" | tail -n 1)" "echo: one two three four" "cut stream: stdout ends with the good answer"
like "$err" 'attempt: cut-1:m1: [a-z_]+.*stream ended without a finish' "cut stream: the cut attempt is a failure"
like "$err" 'attempt: cut-2:m1: ok' "cut stream: the good entry answered"
run llm-ask --json --stream --strategy sequential five six seven eight
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "--json --stream: only the record on stdout"
is "$(printf '%s' "$out" | jq -r .text)" "echo: five six seven eight" "--json --stream: the text in the record"
unset CUT_BASE_URL CUT_API_KEY_1 CUT_API_KEY_2 CUT_MODELS

export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY_1=g+cut GEMINI_API_KEY_2=good-g GEMINI_MODELS=gemini-2.5-flash
run llm-ask --stream --strategy sequential gemini one two three
is "$rc" 0 "gemini cut stream: fails over"
is "$(printf '%s\n' "$out" | tail -n 1)" "echo: gemini one two three" "gemini cut stream: stdout ends with the good answer"
unset GEMINI_BASE_URL GEMINI_API_KEY_1 GEMINI_API_KEY_2 GEMINI_MODELS

export ONLY_BASE_URL="$SIM/v1" ONLY_API_KEY_1=c1+cut ONLY_API_KEY_2=c2+cut ONLY_MODELS=m1
run llm-ask --stream --retries 2 --strategy sequential never finished here
is "$rc" 69 "only cut streams: exit 69"
like "$err" 'stream ended without a finish' "only cut streams: the message says the stream ended without a finish"
like "$err" 'only-2:m1.*only-1:m1' "only cut streams: both attempts named, the last first"
unset ONLY_BASE_URL ONLY_API_KEY_1 ONLY_API_KEY_2 ONLY_MODELS

done_testing
