/*
 * serve-options.c — the values of llm-serve's options (the table and
 * parse_options are llm-serve.c's): sizes, --listen, and the bearer tokens
 * (--token-file, LLM_SERVE_TOKENS).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lines.h"
#include "serve-int.h"

size_t max_body = 4u << 20;
char **tokens;
size_t ntokens;

/* the options */
struct serve_opts so = { .listen_at = "127.0.0.1:8080", .client_to = 30000, .max_conn = 512,
	.threads = 1, .grace = 30000, .max_wait = 5000, .header_to = 10000, .per_ip = 128 };

size_t
parse_size(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024.0 * 1024 * 1024, end++;
	if (mul > 1 && (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "b")))
		end += strlen(end);
	if (end == s || *end || errno || !(v > 0) || v * mul > 1024.0 * 1024 * 1024)
		die(EX_USAGE_, "%s: expected a size like 4M, 512k or 1048576, got '%s'", opt, s);
	return (size_t)(v * mul);
}

static void
add_token(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (!n || *s == '#')
		return;
	tokens = realloc(tokens, (ntokens + 1) * sizeof *tokens);
	tokens[ntokens++] = mlm_strndup(s, n);
}

#define TOKEN_LINE_MAX 65536

void
load_tokens(const char *file)
{
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(EX_CONFIG_, "--token-file %s: %s", file, strerror(errno));
		struct stat st;
		if (fstat(fd, &st) == 0 && (st.st_mode & 077))
			warnmsg("warning: %s is readable by group or others (chmod 600 %s)", file, file);
		/* the record reader (lines.h): file:line positions, one CR/LF rule */
		mlm_lines *r = mlm_lines_fd(fd, file, TOKEN_LINE_MAX);
		char err[MLM_ERRLEN], pos[600];
		mlm_line l;
		int k;
		if (!r)
			die(EX_CONFIG_, "--token-file %s: out of memory", file);
		while ((k = mlm_lines_next(r, &l, err, sizeof err)) == 1) {
			mlm_lines_pos(r, pos, sizeof pos);
			if (l.toolong)
				die(EX_CONFIG_, "--token-file %s: line longer than %d bytes (%zu)", pos,
				    TOKEN_LINE_MAX, l.len);
			add_token(l.text, l.len);
		}
		if (k < 0)
			die(EX_CONFIG_, "--token-file %s", err);
		mlm_lines_close(r);
		close(fd);
		if (!ntokens)
			die(EX_CONFIG_, "--token-file %s: no token in the file", file);
	}
	const char *env = getenv("LLM_SERVE_TOKENS");
	if (env) {
		size_t had = ntokens;
		for (const char *p = env; *p;) {
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			add_token(p, n);
			p += n + (e ? 1 : 0);
		}
		/* set but empty, blank or all '#...': never taken as "no auth" */
		if (ntokens == had)
			die(EX_CONFIG_, "LLM_SERVE_TOKENS is set but holds no token (a comma-separated "
			    "list; a token cannot begin with '#'): unset it to serve without tokens");
	}
}

/* --listen HOST:PORT into so.host, so.port and so.ss. */
void
parse_listen(void)
{
	const char *listen_at = so.listen_at;
	char *host = so.host;
	const char *colon = strrchr(listen_at, ':');
	if (!colon || colon == listen_at || !colon[1])
		die(EX_USAGE_, "--listen: expected HOST:PORT, got '%s'", listen_at);
	size_t hl = (size_t)(colon - listen_at);
	if (listen_at[0] == '[' && colon[-1] == ']')
		memcpy(host, listen_at + 1, hl - 2), host[hl - 2] = 0;
	else if (hl < sizeof so.host)
		memcpy(host, listen_at, hl), host[hl] = 0;
	else
		die(EX_USAGE_, "--listen: host too long");
	so.port = opt_long("--listen port", colon + 1, 0, 65535);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	int gr = getaddrinfo(host, colon + 1, &hints, &ai);
	if (gr)
		die(EX_USAGE_, "--listen %s: %s", listen_at, gai_strerror(gr));
	memcpy(&so.ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
}
