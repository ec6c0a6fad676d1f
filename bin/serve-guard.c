/*
 * serve-guard.c — llm-serve's defences (see serve-guard.h).
 *
 * DNS rebinding and cross-site posts: a web page can make a browser send
 * requests to 127.0.0.1 under its own host name (rebinding) or post a form
 * to it. Without bearer tokens the server therefore answers only a Host
 * that names it (a loopback name or the literal listen address) and no
 * foreign Origin; every POST must be JSON, which a form cannot send.
 *
 * Slow clients: libmicrohttpd's connection timeout counts idle time, so a
 * client that adds a header line every few seconds keeps its connection
 * for ever. The table below gives each request a deadline for its complete
 * headers (from the accept for the first request of a connection, from its
 * request line for the next ones), and keeps the connections that carry no
 * request (idle, or still sending headers) under a cap of their own,
 * closing the oldest of them when a new one would pass it: the connections
 * of requests in flight are never the ones closed, and one client cannot
 * fill the server with half-sent requests. The per-address limit is
 * libmicrohttpd's. A connection is closed with shutdown(2): its own thread
 * then sees the end of the stream and cleans up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "serve-guard.h"
#include "tool.h"

static char g_listen[256];
static int g_open;
static long g_header_ms = 10000, g_idle_cap = 256;
static atomic_long n_header_timeout, n_evicted;

void
guard_init(const char *listen_host, int open, long header_ms, long idle_cap)
{
	snprintf(g_listen, sizeof g_listen, "%s", listen_host ? listen_host : "");
	g_open = open;
	g_header_ms = header_ms;
	g_idle_cap = idle_cap > 0 ? idle_cap : 1;
}

/* ---------- Host, Origin, Content-Type ---------- */

/* 1 for localhost, 127.0.0.0/8, ::1 and the literal listen address;
 * name is n bytes, without brackets or port. */
static int
loopback_name(const char *name, size_t n)
{
	char h[256];
	if (!n || n >= sizeof h)
		return 0;
	memcpy(h, name, n);
	h[n] = 0;
	if (n > 1 && h[n - 1] == '.')
		h[--n] = 0;                 /* "localhost." */
	if (!strcasecmp(h, "localhost") || (g_listen[0] && !strcasecmp(h, g_listen)))
		return 1;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* HOST[:PORT] or [V6][:PORT]: 1 when HOST is ours. */
static int
authority_ok(const char *s, size_t n)
{
	const char *host = s, *rest;
	size_t hl;
	if (n && *s == '[') {
		const char *e = memchr(s, ']', n);
		if (!e)
			return 0;
		host = s + 1;
		hl = (size_t)(e - host);
		rest = e + 1;
	} else {
		const char *c = memchr(s, ':', n);
		hl = c ? (size_t)(c - s) : n;
		rest = s + hl;
		if (c && memchr(c + 1, ':', n - hl - 1))
			return 0;               /* a bare IPv6 address */
	}
	size_t rl = n - (size_t)(rest - s);
	if (rl) {
		if (*rest != ':' || rl < 2 || rl > 6)
			return 0;
		for (size_t i = 1; i < rl; i++)
			if (rest[i] < '0' || rest[i] > '9')
				return 0;
	}
	return loopback_name(host, hl);
}

int
guard_host_ok(const char *host)
{
	if (g_open || !host)
		return 1;                   /* HTTP/1.0 may send none */
	return authority_ok(host, strlen(host));
}

int
guard_origin_ok(const char *origin)
{
	if (g_open || !origin)
		return 1;
	const char *p;
	if (!strncasecmp(origin, "http://", 7))
		p = origin + 7;
	else if (!strncasecmp(origin, "https://", 8))
		p = origin + 8;
	else
		return 0;                   /* "null", file:, other schemes */
	size_t n = strlen(p);
	if (n && p[n - 1] == '/')
		n--;
	return authority_ok(p, n);
}

int
guard_json_type(const char *ctype)
{
	if (!ctype)
		return 0;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	size_t n = strcspn(ctype, "; \t");
	if (n == 16 && !strncasecmp(ctype, "application/json", 16))
		return 1;
	/* application/SOMETHING+json */
	return n > 17 && !strncasecmp(ctype, "application/", 12) &&
	    !strncasecmp(ctype + n - 5, "+json", 5);
}

/* Without tokens: why a request from a foreign Host or Origin is refused
 * (403), with its error code; NULL when it is not. */
const char *
guard_refusal(struct MHD_Connection *c, const char **code)
{
	if (!guard_host_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))) {
		*code = "forbidden_host";
		return "Host not allowed: without bearer tokens this server answers only a "
		    "loopback host name or its listen address";
	}
	if (!guard_origin_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"))) {
		*code = "forbidden_origin";
		return "Origin not allowed: without bearer tokens this server answers only pages "
		    "of a loopback origin";
	}
	return NULL;
}

/* ---------- the listening socket, the log ---------- */

/* The listening socket, bound here so that a port already served is an
 * error: SO_REUSEADDR only (a restart can bind while old connections are
 * in TIME_WAIT), SO_REUSEPORT only when asked (--reuse-port), which lets
 * several servers share the port and the kernel split the connections. */
int
guard_listen(const char *listen_at, const struct sockaddr_storage *ss, int reuse_port)
{
	int fam = ss->ss_family;
	socklen_t len = fam == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die(EX_SOMEFAIL, "--listen %s: %s", listen_at, strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
		die(EX_SOMEFAIL, "--reuse-port: %s", strerror(errno));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		if (errno == EADDRINUSE)
			die(EX_SOMEFAIL, "--listen %s: address already in use (another server listens "
			    "there; --reuse-port shares the port on purpose)", listen_at);
		die(EX_SOMEFAIL, "--listen %s: cannot listen: %s", listen_at, strerror(errno));
	}
	if (listen(fd, 511) < 0)
		die(EX_SOMEFAIL, "--listen %s: cannot listen: %s", listen_at, strerror(errno));
	return fd;
}

/* --log (or LLM_LOG): created 0600, as its lines may quote what providers
 * said about a request; an existing file keeps its mode. */
void
guard_log_file(const char *file)
{
	if (!file || !*file)
		return;
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

/* ---------- the connection table ---------- */

enum { G_NEW, G_HEADERS, G_BUSY, G_IDLE, G_CLOSING };

typedef struct gconn {
	struct gconn *prev, *next;
	int fd, state;
	int64_t since;              /* ms: accepted, request line, or idle since */
} gconn;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static gconn *g_head;
static long g_idle;              /* connections in G_NEW, G_HEADERS or G_IDLE */

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
idle_state(int s)
{
	return s == G_NEW || s == G_HEADERS || s == G_IDLE;
}

/* Moves g to state s (g_mu held). */
static void
set_state(gconn *g, int s)
{
	g_idle += idle_state(s) - idle_state(g->state);
	g->state = s;
}

/* Closes g's connection (g_mu held). */
static void
close_conn(gconn *g)
{
	set_state(g, G_CLOSING);
	if (g->fd >= 0)
		shutdown(g->fd, SHUT_RDWR);
}

int
guard_conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? (int)ci->connect_fd : -1;
}

static gconn *
gconn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void
guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	gconn *g = *socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		g = calloc(1, sizeof *g);
		if (!g)
			return;
		g->fd = guard_conn_fd(c);
		g->since = mono_ms();
		g->state = G_IDLE;          /* set_state counts it below */
		pthread_mutex_lock(&g_mu);
		g_idle++;
		set_state(g, G_NEW);
		g->next = g_head;
		if (g_head)
			g_head->prev = g;
		g_head = g;
		/* the oldest connection without a request makes room */
		if (g_idle > g_idle_cap) {
			gconn *old = NULL;
			for (gconn *x = g_head; x; x = x->next)
				if (x != g && idle_state(x->state) && (!old || x->since <= old->since))
					old = x;
			if (old) {
				close_conn(old);
				atomic_fetch_add(&n_evicted, 1);
			}
		}
		pthread_mutex_unlock(&g_mu);
		*socket_context = g;
		return;
	}
	if (!g)
		return;
	pthread_mutex_lock(&g_mu);
	set_state(g, G_CLOSING);
	if (g->prev)
		g->prev->next = g->next;
	else
		g_head = g->next;
	if (g->next)
		g->next->prev = g->prev;
	pthread_mutex_unlock(&g_mu);
	free(g);
	*socket_context = NULL;
}

void *
guard_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls, (void)uri;
	gconn *g = gconn_of(c);
	if (!g)
		return NULL;
	pthread_mutex_lock(&g_mu);
	if (g->state == G_IDLE) {
		g->since = mono_ms();       /* a later request: its own deadline */
		set_state(g, G_HEADERS);
	} else if (g->state == G_NEW) {
		set_state(g, G_HEADERS);    /* the first: counted from the accept */
	}
	pthread_mutex_unlock(&g_mu);
	return NULL;
}

static void
mark(struct MHD_Connection *c, int s)
{
	gconn *g = gconn_of(c);
	if (!g)
		return;
	pthread_mutex_lock(&g_mu);
	if (g->state != G_CLOSING) {
		set_state(g, s);
		g->since = mono_ms();
	}
	pthread_mutex_unlock(&g_mu);
}

void
guard_request_begins(struct MHD_Connection *c)
{
	mark(c, G_BUSY);
}

void
guard_request_ends(struct MHD_Connection *c)
{
	mark(c, G_IDLE);
}

void
guard_sweep(void)
{
	int64_t now = mono_ms();
	pthread_mutex_lock(&g_mu);
	for (gconn *g = g_head; g; g = g->next)
		if ((g->state == G_NEW || g->state == G_HEADERS) && now - g->since >= g_header_ms) {
			close_conn(g);
			atomic_fetch_add(&n_header_timeout, 1);
		}
	pthread_mutex_unlock(&g_mu);
}

long
guard_closed_header_timeout(void)
{
	return atomic_load(&n_header_timeout);
}

long
guard_closed_evicted(void)
{
	return atomic_load(&n_evicted);
}

/* ---------- hang-ups ---------- */

int
guard_peer_gone(int fd)
{
	if (fd < 0)
		return 0;
	char ch;
	ssize_t n = recv(fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return 0;
	if (n == 0)
		return 1;
	return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}
