#!/bin/sh
# Every error kind of design.md the simulator can produce, on every wire
# format where it applies (OpenAI-compatible, Zhipu, Gemini, Cloudflare):
# llm-map runs a few items against [faulty entry, good entry] with
# --strategy sequential, and we check (a) the kind in the first attempt of
# the first record, (b) the scheduler's action as llm-pool --status shows it
# (state and scope, or nothing for kinds that penalise nobody), and (c) one
# record per item, answered by the good entry (blocked and invalid_request:
# reported, never retried elsewhere).
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
N=3

# base WIRE: the simulator path of a wire format
base() {
	case $1 in
	openai) echo "$SIM/v1" ;;
	zhipu) echo "$SIM/api/paas/v4" ;;
	gemini) echo "$SIM/v1beta" ;;
	cloudflare) echo "$SIM/client/v4/accounts/acct9/ai/run/" ;;
	esac
}
model() { case $1 in cloudflare) echo "@cf/sim/$2" ;; *) echo "$2" ;; esac; }

# kind | fault on the bad key | expected state | expected scope (ID, Q, P, M
# stand for the bad entry's id, quota owner, provider, model) | wires | options
# Server-side kinds cool the entry after its second failure (-j 1: items 0
# and 1 fail over, item 2 goes straight to the good entry).
CASES='
rate_limited|retry=30|cooling|o:Q|openai zhipu gemini cloudflare|
rate_limited|rpm=0|cooling|o:Q|openai zhipu cloudflare|
quota_exhausted|quota|parked|o:Q|openai zhipu gemini cloudflare|
quota_exhausted|rpd=0|parked|o:Q|openai zhipu gemini cloudflare|
no_credit|credit|parked|k:P/ID#|openai zhipu|
auth|invalid|dead|k:P/ID#|openai zhipu gemini cloudflare|
not_found|model404|dead|e:ID|openai zhipu gemini cloudflare|
overloaded|overload|cooling|e:ID|openai zhipu gemini cloudflare|
server|status=500|cooling|e:ID|openai zhipu gemini cloudflare|
server|flaky=1|cooling|e:ID|openai zhipu gemini cloudflare|
server|status=502|cooling|e:ID|openai zhipu gemini cloudflare|
overloaded|failafter=0|cooling|e:ID|openai zhipu gemini cloudflare|
overloaded|status=503|cooling|e:ID|openai zhipu gemini cloudflare|
rate_limited|status=429|cooling|o:Q|openai zhipu gemini|
auth|status=401|dead|k:P/ID#|openai zhipu gemini cloudflare|
timeout|hang|cooling|e:ID|openai zhipu gemini cloudflare|--timeout 0.4
timeout|slow=3000|cooling|e:ID|openai|--timeout 0.4
network|reset|cooling|e:ID|openai zhipu gemini cloudflare|
bad_response|garbage|cooling|e:ID|openai zhipu gemini cloudflare|
bad_response|truncate|cooling|e:ID|openai zhipu gemini cloudflare|
too_large|context=2|ok||openai zhipu gemini cloudflare|
blocked|block|ok||openai zhipu gemini|
bad_response|block|cooling|e:ID|cloudflare|
unsupported|noschema|ok||openai gemini cloudflare|schema
invalid_request|status=400|ok||openai zhipu gemini cloudflare|
'
# (Cloudflare answers status=429 with code 3040: overloaded, not rate_limited.
# Gemini's per-minute 429 with "limit: 0" means no free tier: quota_exhausted,
# so rpm=0 is not a rate limit there.
# Zhipu is never sent a native JSON schema, so noschema cannot happen there;
# Gemini and Cloudflare have no out-of-credit error: the simulator sends
# their daily-quota one, covered by quota_exhausted.
# Workers AI documents no content filter: the simulator's block there is an
# empty answer with 0 completion tokens, a bad_response.)

# cases: one line per (kind, fault, wire): n kind fault state scope wire opts
printf '%s\n' "$CASES" | awk -F'|' 'NF >= 5 { n = split($5, w, " "); for (j = 1; j <= n; j++) printf "%d|%s|%s|%s|%s|%s|%s\n", ++c, $1, $2, $3, $4, w[j], $6 }' >cases

# runcase N KIND FAULT WIRE OPTS: the pool, the llm-map run and the
# --status that follows it, each case with its own state store and keys
runcase() {
	n=$1 w=$4 opts=$5
	id="bad$n-$w"
	export XDG_STATE_HOME="$T/state$n"
	printf '{"id":"%s","provider":"%s","base_url":"%s","model":"%s","key":"b%s+%s","quota":"qbad%s","schema":true}\n' \
		"$id" "$w" "$(base "$w")" "$(model "$w" mb)" "$n" "$3" "$n" >p$n.pool
	printf '{"id":"good%s-%s","provider":"%s","base_url":"%s","model":"%s","key":"good%s","quota":"qgood%s","schema":true}\n' \
		"$n" "$w" "$w" "$(base "$w")" "$(model "$w" mg)" "$n" "$n" >>p$n.pool
	chmod 600 p$n.pool     # it holds (fake) keys: no warning
	if [ "$opts" = schema ]; then
		for i in $(seq 0 $((N - 1))); do echo "SIM-REPLY: {\"a\":$i}"; done >in$n.txt
		llm-map -q -j 1 --strategy sequential --retries 4 --pool p$n.pool --schema 'a int' . in$n.txt
	else
		for i in $(seq 0 $((N - 1))); do echo "item number $i of $2 $3 $w"; done >in$n.txt
		llm-map -q -j 1 --strategy sequential --retries 4 --pool p$n.pool $opts . in$n.txt
	fi >out$n.ndjson 2>err$n
	echo $? >rc$n
	llm-pool --status p$n.pool >st$n.ndjson
}

# every run at once, 12 at a time (each its own keys, owners and store)
# (wait for these by pid: a bare wait would wait for the simulator)
jobs_=
while IFS='|' read -r n kind fault want_state want_scope w opts; do
	runcase "$n" "$kind" "$fault" "$w" "$opts" &
	jobs_="$jobs_ $!"
	if [ $((n % 12)) = 0 ]; then wait $jobs_; jobs_=; fi
done <cases
wait $jobs_

while IFS='|' read -r n kind fault want_state want_scope w opts; do
	tag="$kind/$fault/$w"
	id="bad$n-$w" q="qbad$n" good="good$n-$w" mb=$(model "$w" mb)
	rc=$(cat rc$n)
	[ -s err$n ] && diag "$tag: stderr: $(cat err$n)"
	# one jq pass: first attempt's kind and entry | the i's | ok/kind set |
	# answering entries | texts (NUL-free, one per line after a tab)
	sum=$(jq -rs --arg tab "$(printf '\t')" '
		(map(select(.i == 0))[0] // {}) as $r0 |
		[($r0.attempts[0].kind // "none"), ($r0.attempts[0].entry // "none"),
		 (map(.i) | sort | map(tostring) | join(" ")),
		 (map([.ok, .error.kind] | map(tostring) | join(" ")) | unique | join(",")),
		 (map(.entry) | unique | join(",")),
		 (sort_by(.i) | map(.text // "") | join("/"))] | join($tab)' out$n.ndjson)
	IFS='	' read -r k0 e0 is_ oks ents texts <<EOF2
$sum
EOF2
	# (a) the kind of the first attempt
	is "$k0" "$kind" "$tag: first attempt is $kind"
	is "$e0" "$id" "$tag: first attempt on the faulty entry"

	# (b) the scheduler's action
	st=$(jq -r --arg id "$id" 'select(.id == $id) | [.state, .scope // "-", .kind // "-"] | join(" ")' st$n.ndjson)
	gst=$(jq -r --arg id "$good" 'select(.id == $id) | .state' st$n.ndjson)
	scope=$(printf '%s' "$want_scope" | sed "s|ID|$id|; s|Q|$q|; s|P|$w|; s|M|$mb|")
	if [ "$want_state" = ok ]; then
		is "$st" "ok - -" "$tag: --status: nobody penalised"
	else
		set -- $st
		is "$1 $3" "$want_state $kind" "$tag: --status: $want_state ($kind)"
		case $2 in "$scope"*) sc_ok=1 ;; *) sc_ok=0 ;; esac
		is "$sc_ok" 1 "$tag: --status scope $2 is $scope"
	fi
	is "$gst" ok "$tag: --status: the good entry is fine"

	# (c) exactly one record per item, answered (or reported)
	is "$is_" "$(seq 0 $((N - 1)) | tr '\n' ' ' | sed 's/ $//')" "$tag: one record per item"
	case $kind in
	blocked|invalid_request)
		is "$oks" "false $kind" "$tag: every item reported as $kind"
		is "$(grep -c "\"key\":\"good$n\"" "$SIM_LOG")" 0 "$tag: never retried on the good entry"
		is "$rc" 69 "$tag: exit 69"
		;;
	*)
		if [ "$opts" = schema ]; then
			want=$(seq 0 $((N - 1)) | sed 's/.*/{"a":&}/' | paste -sd/ -)
		else
			want=$(sed 's/^/echo: /' in$n.txt | paste -sd/ -)
		fi
		is "$oks/$texts" "true null/$want" "$tag: every item answered, text matching its input"
		is "$ents" "$good" "$tag: by the good entry"
		is "$rc" 0 "$tag: exit 0"
		;;
	esac
done <cases
done_testing
