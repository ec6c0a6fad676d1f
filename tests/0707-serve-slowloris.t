#!/bin/sh
# llm-serve under slowloris: one client (127.0.0.2) holding many connections
# that trickle header lines must not keep another (127.0.0.1) from /healthz;
# a request's headers have a deadline however slowly they come; one address
# gets a bounded number of connections. Loopback only, bounded in time.
. "$(dirname "$0")/lib.sh"

if ! perl -MIO::Socket::INET -MIO::Select -MTime::HiRes -e 1 2>/dev/null; then
	echo "1..0 # SKIP perl with IO::Socket::INET and Time::HiRes needed"
	exit 0
fi
# a second loopback source address (Linux routes all of 127/8 to lo)
if ! perl -MIO::Socket::INET -e 'IO::Socket::INET->new(LocalAddr => "127.0.0.2", Listen => 1) or exit 1' 2>/dev/null; then
	echo "1..0 # SKIP 127.0.0.2 is not usable"
	exit 0
fi

# trickle PORT SRC N SECONDS EVERY: N connections from SRC, each sending a
# request line, then one header line every EVERY s, never the blank line;
# a closed one is opened again at the next tick. Prints "opened closed".
cat >"$T/trickle.pl" <<'EOF'
use strict; use IO::Socket::INET; use IO::Select; use Time::HiRes qw(time sleep);
my ($port, $src, $n, $secs, $every) = @ARGV;
my (%s, $opened, $closed);
my $sel = IO::Select->new;
my $open = sub {
	my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port,
		LocalAddr => $src, Timeout => 1) or return;
	$c->autoflush(1);
	print $c "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	$sel->add($c); $opened++;
};
$open->() for 1 .. $n;
my ($end, $k) = (time + $secs, 0);
while (time < $end) {
	my $tick = time + $every;
	while ((my $left = $tick - time) > 0) {
		for my $c ($sel->can_read($left)) {
			my $buf;
			if (!sysread($c, $buf, 4096)) { $sel->remove($c); close $c; $closed++; }
		}
	}
	$k++;
	for my $c ($sel->handles) { print $c "X-Slow-$k: x\r\n"; }
	$open->() while $sel->count < $n && time < $end;
}
print(($opened // 0), " ", ($closed // 0), "\n");
EOF
ms() { date +%s%3N; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_STATE=memory

# ---- 60 trickling connections against --max-connections 40
start_serve --max-connections 40
perl "$T/trickle.pl" "$SRV_PORT" 127.0.0.2 60 6 1 >"$T/trickle.out" 2>&1 &
tp=$!
sleep 1.5
codes= slow=0
for i in 1 2 3 4; do
	t0=$(ms)
	c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$SRV/healthz")
	el=$(($(ms) - t0))
	[ "$el" -gt "$slow" ] && slow=$el
	codes="$codes$c "
	sleep 0.5
done
is "$codes" "200 200 200 200 " "slowloris: /healthz answers another client throughout"
check "slowloris: each /healthz within 1.5 s (slowest ${slow} ms)" [ "$slow" -lt 1500 ]
req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' \
	-d '{"model":"auto","messages":[{"role":"user","content":"hi"}]}'
is "$code" 200 "slowloris: a chat completion still answered"
req "$SRV/metrics"
n=$(printf '%s\n' "$body" | sed -n 's/^llm_serve_connections_closed_total{reason="evicted"} //p')
check "slowloris: the oldest idle connections were closed to make room (${n:-none})" [ "${n:-0}" -gt 0 ]
wait "$tp"
diag "trickler: opened, closed: $(cat "$T/trickle.out")"
stop_serve

# ---- a request's headers have a deadline, however slowly they trickle
start_serve --header-timeout 2
t=$(perl -MIO::Socket::INET -MTime::HiRes=time,sleep -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die;
	$s->autoflush(1);
	my $t = time;
	print $s "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	for my $i (1 .. 30) {
		sleep 0.25;
		last unless print $s "X-Slow-$i: x\r\n";
		my $rin = ""; vec($rin, fileno($s), 1) = 1;
		if (select(my $r = $rin, undef, undef, 0) > 0) { my $b; last unless sysread($s, $b, 4096); }
	}
	printf "%.1f\n", time - $t;' "$SRV_PORT" 2>/dev/null)
if awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 4) }'; then
	ok "header deadline: closed after ~2 s of trickling ($t s)"
else
	nok "header deadline: closed after ~2 s of trickling (${t:-?} s; 7.5 s means never)"
fi
req "$SRV/metrics"
like "$body" 'llm_serve_connections_closed_total\{reason="header_timeout"\} [1-9]' "header deadline: counted in /metrics"
stop_serve

# ---- one address gets at most --max-connections-per-ip connections
start_serve --max-connections-per-ip 5
perl "$T/trickle.pl" "$SRV_PORT" 127.0.0.2 10 1.5 0.5 >"$T/perip.out" 2>&1 &
tp=$!
sleep 0.5
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SRV/healthz")
is "$c" 200 "per address: another address is answered"
wait "$tp"
read -r opened closed <"$T/perip.out"
check "per address: connections past 5 were closed at once (opened $opened, closed $closed)" [ "${closed:-0}" -ge 5 ]
stop_serve

done_testing
