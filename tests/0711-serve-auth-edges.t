#!/bin/sh
# llm-serve's edges that a plausible slip would break unnoticed: only the
# Bearer scheme carries a token (another seven-letter scheme does not); a
# comment line of the token file is no token; a Content-Length over the
# limit is refused from the header alone, before any body is read; and
# Retry-After is the wait rounded up (29.5 s is 30, not 29).
. "$(dirname "$0")/lib.sh"

JSON='Content-Type: application/json'
BODY='{"model":"auto","messages":[{"role":"user","content":"hi"}]}'

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_STATE=memory

# ---- the scheme and the token file's comments
printf '# tokens\nalpha\n' >"$T/tokens"
chmod 600 "$T/tokens"
start_serve --token-file "$T/tokens"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer alpha' -H "$JSON" -d "$BODY"
is "$code" 200 "Bearer and the token: 200"
req "$SRV/v1/chat/completions" -H 'Authorization: bearer alpha' -H "$JSON" -d "$BODY"
is "$code" 200 "the scheme is case-insensitive: 200"
req "$SRV/v1/chat/completions" -H 'Authorization: Digest alpha' -H "$JSON" -d "$BODY"
is "$code" 401 "another scheme of the same length (Digest) with the token: 401"
req "$SRV/v1/chat/completions" -H 'Authorization: Token: alpha' -H "$JSON" -d "$BODY"
is "$code" 401 "'Token: ' before the token: 401"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer # tokens' -H "$JSON" -d "$BODY"
is "$code" 401 "the token file's comment line is not a token: 401"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer #' -H "$JSON" -d "$BODY"
is "$code" 401 "'#' is not a token: 401"
stop_serve

# ---- Content-Length over the limit: 413 from the headers, no body awaited
start_serve --max-body 1k
resp=$(perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0], Timeout => 5)
		or die "connect: $!\n";
	print $s "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:$ARGV[0]\r\n" .
		"Content-Type: application/json\r\nContent-Length: 999999\r\n\r\n";
	local $SIG{ALRM} = sub { print "no answer within 5 s\n"; exit 0 };
	alarm 5;
	my $l = <$s>;
	print defined $l ? $l : "closed\n";
' "$SRV_PORT" 2>&1)
like "$resp" '^HTTP/1\.[01] 413' "Content-Length over --max-body, no body sent: 413 at once ($(printf %s "$resp" | tr -d '\r'))"
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 200 "a small body still passes"
stop_serve

# ---- Retry-After rounds the wait up: every entry cooling for 30 s, asked
# again half a second later, the wait left (29.1 to 29.5 s) is said as 30
export OPENAI_API_KEY_1='r1+retry=30' OPENAI_API_KEY_2='r2+retry=30' OPENAI_MODELS=m1
start_serve
t0=$(date +%s%3N)
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 429 "every entry rate limited for 30 s: 429"
sleep 0.5
n0=$(wc -l <"$SIM_LOG")
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
e=$(( $(date +%s%3N) - t0 ))
is "$code:$(wc -l <"$SIM_LOG")" "429:$n0" "asked again while cooling: 429, nothing sent"
if [ "$e" -lt 900 ]; then
	is "$(hdr Retry-After)" 30 "Retry-After: the 29.1 to 29.5 s left rounded up to 30 (asked ${e} ms after the first)"
else
	ok "# SKIP too slow to know the wait left (${e} ms)"
fi
stop_serve
done_testing
