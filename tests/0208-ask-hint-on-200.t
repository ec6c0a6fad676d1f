#!/bin/sh
# A rate limit reported in a 200 answer's body (Zhipu's code 1302 inside
# "error") takes its wait from the response's Retry-After header: the owner
# cools for the 7 s the provider asked, not for our own short back-off. The
# provider is a small server on loopback that answers every request so.
. "$(dirname "$0")/lib.sh"
exec </dev/null

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
		my $len = 0;
		while (my $h = <$c>) {
			last if $h =~ /^\r?\n$/;
			$len = $1 if $h =~ /^Content-Length:\s*(\d+)/i;
		}
		read $c, my $body, $len if $len;
		my $b = "{\"error\":{\"code\":\"1302\",\"message\":\"rate limited\"}}";
		print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRetry-After: 7\r\nContent-Length: " .
			length($b) . "\r\nConnection: close\r\n\r\n$b";
		close $c;
	}
' "$T/p.port" 2>"$T/p.err" &
_pids="$_pids $!"
for _i in $(seq 1 250); do [ -s "$T/p.port" ] && break; sleep 0.02; done
PORT=$(cat "$T/p.port")
check "the provider listens ($PORT)" [ -n "$PORT" ]

printf '{"id":"h","provider":"x","base_url":"http://127.0.0.1:%s/v1","model":"m1","key":"hk","quota":"own-h"}\n' "$PORT" >h.pool
chmod 600 h.pool
run llm-ask --pool h.pool --max-wait 0 q
check "a rate limit in a 200: the call fails (exit $rc)" [ "$rc" -ne 0 ]
llm-pool --status h.pool </dev/null >st.json
is "$(jq -r .kind st.json)" rate_limited "the owner is rate limited"
left=$(jq -r .left_s st.json)
check "it cools for the Retry-After's 7 s ($left s left)" awk "BEGIN { exit !($left > 5 && $left <= 7) }"
done_testing
