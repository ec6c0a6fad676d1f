/* unit-util.c — mlm_redact with keys of every shape (too short to look for,
 * shorter than the mark, long, echoed whole, by their first or last eight
 * characters, several at once, next to other text), the key-shaped words
 * it hides without being told, mlm_url_plain_remote's host parsing, and
 * mlm_buf_why's capped why-lists. */
#include <stdlib.h>
#include <string.h>

#include "../lib/mlm.h"
#include "tap.h"

/* redact a copy of in with the given keys; returns a static buffer */
static const char *
red(const char *in, const char *const *keys, size_t n)
{
	static char b[1024];
	snprintf(b, sizeof b, "%s", in);
	mlm_redact(b, keys, n);
	return b;
}

static void
t_given_keys(void)
{
	const char *k3[] = { "abc" };
	is_str(red("x abc y", k3, 1), "x abc y", "a 3-character key is too short to look for");
	const char *k4[] = { "k4z!" };
	is_str(red("bad key k4z! here", k4, 1), "bad key **** here", "a 4-character key: starred in place");
	const char *k9[] = { "key-9char" };
	is_str(red("(key-9char)", k9, 1), "(*********)", "9 characters, shorter than the mark: starred");
	const char *k10[] = { "0123456789" };
	is_str(red("a0123456789b", k10, 1), "a[REDACTED]b", "10 characters: the mark, even inside a word");
	const char *k11[] = { "Key11-chars" };
	is_str(red("Key11-ch and -chars", k11, 1), "Key11-ch and -chars",
	    "11 characters: its ends are not looked for (only keys of 12 and more)");
	const char *k12[] = { "Key12-charsZ" };
	is_str(red("first Key12-ch, last 2-charsZ", k12, 1), "first ********, last ********",
	    "12 characters: its first and last eight are looked for");

	/* a long key not shaped like any provider's: only the given key finds it */
	const char *kl[] = { "QQfirst8-middle-part-LAST8xyz" };
	const char *whole = "Incorrect API key provided: QQfirst8-middle-part-LAST8xyz.";
	is_str(red(whole, kl, 1), "Incorrect API key provided: [REDACTED].", "a long key echoed whole");
	is_str(red("key QQfirst8***T8xyz", kl, 1), "key ***********T8xyz",
	    "its first eight characters echoed: starred");
	is_str(red("key QQf***LAST8xyz", kl, 1), "key QQf***********", "its last eight characters echoed: starred");
	is_str(red("QQfirst8...LAST8xyz twice: QQfirst8-middle-part-LAST8xyz QQfirst8-middle-part-LAST8xyz", kl, 1),
	    "********...******** twice: [REDACTED] [REDACTED]", "every occurrence, whole and in part");
	const char *r = red("masked: QQf******st8-mid...LAST8xy", kl, 1);
	ok(!strstr(r, "LAST8xyz") && !strstr(r, "QQfirst8"), "what is left shows no eight characters of the key: %s", r);
	/* the suffix pass must take the key's end: a prefix pass twice leaves it */
	r = red("sk-...ST8xyz and part-LAST8xyz", kl, 1);
	ok(strstr(r, "LAST8xyz") == NULL, "the last eight characters, alone, are hidden: %s", r);
	ok(strstr(r, "part-") != NULL, "text before them is kept: %s", r);

	/* several keys, one a prefix of another; NULL and empty entries */
	const char *kk[] = { NULL, "", "AAAAbbbbCCCCdddd", "AAAAbbbbCCCCddddEEEE" };
	r = red("1 AAAAbbbbCCCCddddEEEE 2 AAAAbbbbCCCCdddd 3", kk, 4);
	ok(!strstr(r, "AAAA") && !strstr(r, "dddd") && !strstr(r, "EEEE") && strstr(r, "1 ") && strstr(r, " 3"),
	    "keys that share a start, NULL and empty keys: %s", r);
	is_str(red("nothing here", NULL, 0), "nothing here", "no keys: text unchanged");
	mlm_redact(NULL, kl, 1);
	ok(1, "a NULL text is accepted");
	/* a key with characters that mean something elsewhere */
	const char *ks[] = { "a.b*c[d]e%s%n\\x" };
	is_str(red("k=a.b*c[d]e%s%n\\x;", ks, 1), "k=[REDACTED];", "a key with %%, *, [, \\ is matched as text");
}

static void
t_key_shapes(void)
{
	static const struct { const char *in, *want, *what; } c[] = {
		{ "use sk-proj-AbCdEf012345 now", "use [REDACTED] now", "an OpenAI-shaped key" },
		{ "k=gsk_0123456789abcdefXYZ", "k=[REDACTED]", "a Groq-shaped key" },
		{ "AIzaSyA0123456789abcdefghij", "[REDACTED]", "a Gemini-shaped key" },
		{ "nvapi-0123456789abcdef", "[REDACTED]", "an NVIDIA-shaped key" },
		{ "csk-0123456789ab", "[REDACTED]", "a Cerebras-shaped key" },
		{ "sk-abc***xyz1234", "[REDACTED]", "a masked key of 12 characters and more" },
		{ "sk-short", "sk-short", "sk- and fewer than 12 characters: kept" },
		{ "id sk-abcdefghi.", "id [REDACTED].", "sk- and exactly 12 characters: hidden" },
		{ "id sk-abcdefgh.", "id sk-abcdefgh.", "sk- and 11 characters: kept" },
		{ "task-0123456789abcdef", "task-0123456789abcdef", "'sk-' inside a word: kept" },
		{ "0123456789abcdef0123456789abcdef.short", "0123456789abcdef0123456789abcdef.short",
		  "32 hex digits and a short secret: kept" },
		{ "(sk-0123456789abcdef)", "([REDACTED])", "a key between brackets" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		is_str(red(c[i].in, NULL, 0), c[i].want, "%s", c[i].what);
	/* a Zhipu-shaped id.secret, made here so that no key-shaped literal
	 * stands in the source: 32 zeros, a dot, a plainly fake secret */
	char zk[64];
	snprintf(zk, sizeof zk, "%032d.%s%s", 0, "FakeTest", "Secret00");
	is_str(red(zk, NULL, 0), "[REDACTED]", "a Zhipu-shaped id.secret (fake)");
}

static void
t_url_guard(void)
{
	static const struct { const char *url; int remote; } c[] = {
		{ "https://api.example.com/v1", 0 },
		{ "HTTPS://api.example.com/v1", 0 },
		{ "http://127.0.0.1:8080/v1", 0 },
		{ "http://127.255.0.9/v1", 0 },
		{ "http://localhost:11434/v1", 0 },
		{ "http://LOCALHOST/v1", 0 },
		{ "http://[::1]:9/v1", 0 },
		{ "http://[::ffff:127.0.0.1]/v1", 0 },
		{ "HTTP://127.0.0.1/v1", 0 },
		{ "http://user:pw@127.0.0.1/v1", 0 },
		{ "http://127.0.0.1@192.0.2.1/v1", 1 },
		{ "http://127.0.0.1:80@192.0.2.1/v1", 1 },
		{ "http://127.0.0.1.evil.example/v1", 1 },
		{ "http://localhost.evil.example/v1", 1 },
		{ "http://[::1]@evil.example/v1", 1 },
		{ "http://[::2]/v1", 1 },
		{ "http://[::ffff:192.0.2.1]/v1", 1 },
		{ "http://128.0.0.1/v1", 1 },
		{ "http://evil.example/127.0.0.1", 1 },
		{ "HTTP://evil.example/v1", 1 },
		{ "ftp://evil.example/v1", 1 },
		{ "not a url", 1 },
		{ "", 1 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		is_int(mlm_url_plain_remote(c[i].url), c[i].remote, "plain remote? %s", c[i].url);
}

/* a why-list capped by its buffer ends with "...", never a line cut in two */
static void
t_why_list(void)
{
	mlm_buf b = { .max = 32 };
	mlm_buf_why(&b, "%s: cooling\n", "a");
	mlm_buf_why(&b, "%s: cooling\n", "b");
	is_str(b.p, "a: cooling\nb: cooling\n", "lines under the cap are whole");
	ok(!b.over, "and the list is not marked over");
	mlm_buf_why(&b, "%s: cooling\n", "c");
	is_str(b.p, "a: cooling\nb: cooling\n...\n", "a line past the cap ends the list with ...");
	ok(b.over, "and the list is marked over");
	mlm_buf_why(&b, "d\n");
	is_str(b.p, "a: cooling\nb: cooling\n...\n", "lines after it are dropped");
	mlm_buf_free(&b);
	mlm_buf full = { .max = 8 };
	mlm_buf_why(&full, "abcdef");
	mlm_buf_why(&full, "gh");
	is_str(full.p, "ab...\n", "at the very cap the last bytes give way to the marker");
	mlm_buf_free(&full);
	mlm_buf_why(NULL, "nowhere\n");
	ok(1, "a NULL list is accepted");
}

int
main(void)
{
	t_given_keys();
	t_key_shapes();
	t_url_guard();
	t_why_list();
	return tap_done();
}
