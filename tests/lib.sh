# tests/lib.sh — shared by the shell tests (TAP, run by prove).
# Source it first: it resets the environment, makes a private directory,
# and gives small assertion helpers plus a simulator on a free port.
set -u
export LC_ALL=C LANG=C TZ=UTC
unset $(env | sed -n 's/^\([A-Z][A-Z0-9_]*_\(API_KEY\|API_TOKEN\|BASE_URL\|MODELS\|PROJECT\)[A-Z0-9_]*\)=.*/\1/p') 2>/dev/null
unset LLM_POOL LLM_STATE LLM_LOG LLM_SERVE_TOKENS LLM_CATALOG XDG_STATE_HOME XDG_CONFIG_HOME \
	LLM_MODEL LLM_PROVIDER LLM_STRATEGY 2>/dev/null
TOP=$(cd "$(dirname "$0")/.." && pwd)
# the tools under test: TOP/bin, or MLM_BIN when set (a build elsewhere)
MLM_BIN=${MLM_BIN:-$TOP/bin}
PATH="$MLM_BIN:$PATH"
T=$(mktemp -d "${TMPDIR:-/tmp}/mlm-test.XXXXXX")
export XDG_STATE_HOME="$T/state" HOME="$T"
cd "$T" || exit 1
_tap_n=0 _tap_fail=0 _pids=""

# A time limit on the whole test file: after MLM_TEST_TIMEOUT seconds
# (default 300; 0 turns it off) a watchdog prints a failing TAP line and
# kills the test and everything it started, so a hung tool fails the test
# instead of hanging the suite. It is not the test's child (a bare `wait`
# in a test must not wait for it), ends with the test (cleanup kills it)
# and, should the test die without cleanup, within a second of it.
_wd_pid=
_watchdog() {
	_wd_limit=${MLM_TEST_TIMEOUT:-300}
	case $_wd_limit in ''|*[!0-9]*|0) return 0 ;; esac
	exec 9>&1
	_wd_pid=$(sh -c '
		main=$1 limit=$2 name=$3 n=0
		alive() { case $(ps -o stat= -p "$main" 2>/dev/null) in ""|Z*) return 1 ;; esac; }
		while [ "$n" -lt "$limit" ]; do
			sleep 1 </dev/null >/dev/null 2>&1
			alive || exit 0
			n=$((n + 1))
		done
		# the processes under the test, by parent pid, found before any dies
		kids=$(ps -e -o pid= -o ppid= | awk -v root="$main" -v me=$$ "
			{ par[\$1] = \$2 }
			END { for (p in par) { q = p; while (q in par && q != root && q > 1) q = par[q]
				if (q == root && p != root && p != me) print p } }")
		echo "not ok - timed out after $limit s (MLM_TEST_TIMEOUT)"
		echo "# $name: timed out after $limit s: killed it and the processes it started" >&2
		exec >/dev/null 2>&1
		kill -TERM "$main" $kids 2>/dev/null
		sleep 2
		kill -KILL "$main" $kids 2>/dev/null
		exit 0
	' watchdog "$$" "$_wd_limit" "${0##*/}" >&9 9>&- </dev/null & echo $!)
	exec 9>&-
}
_watchdog
cleanup() {
	[ -n "$_wd_pid" ] && kill "$_wd_pid" 2>/dev/null
	for p in $_pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "$_tap_fail" = 0 ] && rm -rf "$T"
}
trap cleanup EXIT

ok()   { _tap_n=$((_tap_n+1)); echo "ok $_tap_n - $*"; }
nok()  { _tap_n=$((_tap_n+1)); _tap_fail=$((_tap_fail+1)); echo "not ok $_tap_n - $*"; }
# skip REASON: a check that cannot run here (a tool is missing), as TAP's skip
skip() { _tap_n=$((_tap_n+1)); echo "ok $_tap_n # skip $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_fail" = 0 ]; exit $?; }

# check NAME CMD...: runs CMD, passes when it exits 0
check() { _n=$1; shift; if "$@"; then ok "$_n"; else nok "$_n"; fi; }
# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; diag "got:  $1" "want: $2"; fi; }
# like GOT REGEX NAME (grep -E)
like() { if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok "$3"; else nok "$3"; diag "got: $1" "want match: $2"; fi; }
unlike() { if printf '%s\n' "$1" | grep -Eq -- "$2"; then nok "$3"; diag "got: $1" "must not match: $2"; else ok "$3"; fi; }

# run CMD...: runs with stdin from /dev/null unless redirected by the caller;
# sets $out, $err, $rc.
run() { "$@" >"$T/.out" 2>"$T/.err"; rc=$?; out=$(cat "$T/.out"); err=$(cat "$T/.err"); }

# start_sim [OPTION]...: starts llm-sim on a free loopback port; sets $SIM_PORT,
# $SIM (base http://127.0.0.1:PORT) and $SIM_LOG (the request log, NDJSON).
start_sim() {
	SIM_LOG="$T/sim.log.$_tap_n"
	rm -f "$T/sim.port"
	llm-sim --port 0 --port-file "$T/sim.port" --log "$SIM_LOG" "$@" 2>"$T/sim.err" &
	_pids="$_pids $!"
	SIM_PID=$!
	for _i in $(seq 1 200); do [ -s "$T/sim.port" ] && break; sleep 0.02; done
	SIM_PORT=$(cat "$T/sim.port")
	SIM="http://127.0.0.1:$SIM_PORT"
}
stop_sim() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }

# sim_env: points every known provider at the simulator
sim_env() {
	export GEMINI_BASE_URL="$SIM/v1beta" OPENAI_BASE_URL="$SIM/v1" \
	       ZHIPU_BASE_URL="$SIM/api/paas/v4" \
	       CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/"
}

# start_redis: a private redis-server on a free loopback port (no disk);
# sets $RPORT and $RPID, or returns 1 when none would start.
# node_clients: the official npm clients of tests/node (package.json),
# installed on first use; skips the whole test file without node or npm.
NODE_DIR="$TOP/tests/node"
node_clients() {
	if ! command -v node >/dev/null; then
		echo "1..0 # SKIP no node"
		exit 0
	fi
	[ -d "$NODE_DIR/node_modules/openai" ] && [ -d "$NODE_DIR/node_modules/@google/genai" ] &&
	   [ -d "$NODE_DIR/node_modules/@anthropic-ai/sdk" ] && [ -d "$NODE_DIR/node_modules/ajv" ] && return
	if ! command -v npm >/dev/null ||
	   ! (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent >"$T/npm.log" 2>&1); then
		echo "1..0 # SKIP npm install of tests/node failed"
		exit 0
	fi
}

# node_tap SCRIPT: runs a tests/node script printing "PASS name" or
# "FAIL name: why" lines, one TAP line each, under PREFIX
node_tap() {
	timeout 90 node "$NODE_DIR/$1" >"$T/node.out" 2>"$T/node.err"
	is "$?" 0 "$1 ran"
	[ -s "$T/node.err" ] && diag "$(cat "$T/node.err")"
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok "$2${line#PASS }" ;;
		FAIL\ *) nok "$2${line#FAIL }" ;;
		*) diag "$line" ;;
		esac
	done <"$T/node.out"
}

# HTTP checks: req [CURL-ARGS]... sets $code, headers in $T/h, the body in
# $T/b and $body; hdr NAME prints a header of the last answer; jqb FILTER
# runs jq on its body.
req() {
	code=$(curl -s -N -D "$T/h" -o "$T/b" -w '%{http_code}' "$@")
	body=$(cat "$T/b")
}
hdr() { sed -n "s/^$1: *//Ip" "$T/h" | tr -d '\r' | head -1; }
jqb() { jq -r "$1" "$T/b" 2>/dev/null; }

# start_serve [OPTION]...: llm-serve on a free port; sets $SRV, $SRV_PORT,
# $SRV_PID; stderr goes to $T/serve.err. SERVE_THREADS=N runs it with
# --threads N (the same tests, over the threaded server).
start_serve() {
	rm -f "$T/serve.port"
	llm-serve --listen 127.0.0.1:0 --port-file "$T/serve.port" \
		${SERVE_THREADS:+--threads "$SERVE_THREADS"} "$@" 2>"$T/serve.err" &
	SRV_PID=$!
	_pids="$_pids $SRV_PID"
	for _i in $(seq 1 250); do [ -s "$T/serve.port" ] && break; sleep 0.02; done
	SRV_PORT=$(cat "$T/serve.port" 2>/dev/null)
	SRV="http://127.0.0.1:$SRV_PORT"
}
stop_serve() { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }

# need_redis: start_redis, or the whole test file skipped (no redis-server
# or redis-cli, or it would not start)
need_redis() {
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		echo "1..0 # SKIP redis-server not installed"
		exit 0
	fi
	start_redis
	if [ -z "$RPORT" ]; then
		echo "1..0 # SKIP could not start redis-server"
		exit 0
	fi
}
start_redis() {
	RPORT= RPID=
	for _try in 1 2 3 4 5 6 7 8; do
		_p=$(( (($$ * 7919 + _try * 104729) % 40000) + 20000 ))
		redis-server --port "$_p" --bind 127.0.0.1 --save '' --appendonly no \
			--daemonize no --dir "$T" >"$T/redis.log" 2>&1 &
		RPID=$!
		for _i in $(seq 1 100); do
			redis-cli -p "$_p" ping 2>/dev/null | grep -q PONG && break
			kill -0 "$RPID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$RPID" 2>/dev/null && redis-cli -p "$_p" ping 2>/dev/null | grep -q PONG; then
			RPORT=$_p
			_pids="$_pids $RPID"
			return 0
		fi
		kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null
	done
	RPID=
	return 1
}

# ---- functions several test files share

# hits KEY: requests the simulator got with KEY; nlog: requests in its log;
# simlast FILTER: jq FILTER on the last one (compact)
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
nlog() { wc -l <"$SIM_LOG" 2>/dev/null | tr -d ' '; }
simlast() { tail -1 "$SIM_LOG" | jq -c "$1"; }
# ms: a clock in milliseconds; now_ms: the wall clock's seconds, in ms
ms() { date +%s%3N; }
now_ms() { echo $(( $(date +%s) * 1000 )); }
# chat BODY: POST BODY to llm-serve's /v1/chat/completions (see req)
chat() { req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' -d "$1"; }

# start_stub NAME PERL: a tiny HTTP server on a free loopback port (sets
# $STUB_PORT) standing in for a provider: for each request PERL, with the
# request's headers in %h (names in lower case) and its body in $body, sets
# $status (a status line's end: "401 Unauthorized"), $hdrs (more header
# lines, each ending "\r\n") and $b (the body). The whole test file is
# skipped without perl's IO::Socket::INET.
start_stub() {
	if ! perl -MIO::Socket::INET -e 1 2>/dev/null; then
		ok "# SKIP perl IO::Socket::INET is missing"
		done_testing
		exit 0
	fi
	perl -MIO::Socket::INET -e '
		my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 8, ReuseAddr => 1)
			or die "listen: $!\n";
		open my $f, ">", "$ARGV[0].tmp" or die; print $f $l->sockport, "\n"; close $f;
		rename "$ARGV[0].tmp", $ARGV[0];
		while (my $c = $l->accept) {
			my %h;
			while (my $x = <$c>) {
				last if $x =~ /^\r?\n$/;
				$h{lc $1} = $2 if $x =~ /^([^:]+):\s*(.*?)\r?\n$/;
			}
			my $body = "";
			read $c, $body, $h{"content-length"} if $h{"content-length"};
			my ($status, $hdrs, $b) = ("200 OK", "", "");
			'"$2"'
			print $c "HTTP/1.1 $status\r\nContent-Type: application/json\r\n$hdrs" .
				"Content-Length: " . length($b) . "\r\nConnection: close\r\n\r\n$b";
			close $c;
		}
	' "$T/$1.port" 2>"$T/$1.err" &
	_pids="$_pids $!"
	for _i in $(seq 1 250); do [ -s "$T/$1.port" ] && break; sleep 0.02; done
	STUB_PORT=$(cat "$T/$1.port")
}

# ---- a terminal (tmux) for the interactive tests
# need_tmux: skips the whole test file without tmux
need_tmux() {
	if ! command -v tmux >/dev/null; then
		echo "1..0 # SKIP no tmux"
		exit 0
	fi
}
tm() { tmux -S "$T/tmux.sock" -f /dev/null "$@"; }
# screen S: everything session S showed, scrollback included, wrapped lines joined
screen() { tm capture-pane -p -J -t "$1" -S - | sed '/^$/d'; }
# say S TEXT: type a line and Enter
say() { tm send-keys -t "$1" -l "$2"; tm send-keys -t "$1" Enter; }
# wait_n S REGEX N: until N lines of the screen match (10 s at most)
wait_n() {
	_i=0
	while [ $_i -lt 200 ]; do
		[ "$(screen "$1" | grep -cE -- "$2")" -ge "$3" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "timed out waiting for $3 line(s) matching $2; the screen:" "$(screen "$1")"
	return 1
}
