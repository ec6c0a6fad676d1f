/* fuzz-serve-guard.c — llm-serve's Host, Origin and Content-Type checks on
 * arbitrary bytes (the input is split at its first two newlines: Host,
 * Origin, Content-Type). They run on every request before authentication.
 * What they accept must not name another host. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bin/serve-guard.c"

/* serve-guard.c's guard_listen reports through the tools' die(): never
 * called here */
const char *prog = "fuzz";
void
warnmsg(const char *fmt, ...)
{
	(void)fmt;
}
void
die(int code, const char *fmt, ...)
{
	(void)fmt;
	exit(code);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *f[3] = { 0 };
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	f[0] = s;
	for (int i = 1; i < 3; i++) {
		char *nl = f[i - 1] ? strchr(f[i - 1], '\n') : NULL;
		if (nl) {
			*nl = 0;
			f[i] = nl + 1;
		}
	}
	guard_init("127.0.0.1", 0, 1000, 8);
	int h = guard_host_ok(f[0]), o = guard_origin_ok(f[1] ? f[1] : f[0]);
	int j = guard_json_type(f[2] ? f[2] : f[0]);
	/* what is accepted holds nothing that could name another host */
	if (h && strpbrk(f[0], "@/\\ %?#"))
		abort();
	if (o && f[1] && strncasecmp(f[1], "http://", 7) && strncasecmp(f[1], "https://", 8))
		abort();
	if (o && f[1] && strpbrk(strchr(f[1], ':') + 3, "@\\ %?#"))
		abort();
	(void)o, (void)j;
	free(s);
	return 0;
}
