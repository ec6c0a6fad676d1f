/*
 * llm-sim — a local simulator of the LLM provider APIs that Many-LLM talks to
 * (OpenAI-compatible, Gemini native, Zhipu, Cloudflare Workers AI), for tests
 * and benchmarks.
 *
 * Design: libmicrohttpd with an epoll thread pool. Every request is answered
 * from its own data (no scenario file): the reply is "echo: " + the last user
 * text (or what follows SIM-REPLY:), and the API key carries the faults to
 * simulate ("k1+rpm=2+owner=acme"). How each flavor answers each fault is
 * a row of one table (fault_rows). Shared state (per-bucket counters,
 * per-key stats, the in-memory request log) lives under one mutex.
 *
 * Delays never block a worker: a slow or hanging request suspends its
 * connection (MHD_suspend_connection) and a timer thread resumes it when it
 * is due (a hung one is woken every second to see whether its client gave
 * up); stream chunks are produced by a content-reader callback that
 * suspends itself until the next chunk is due. On SIGINT/SIGTERM every
 * suspended connection is resumed before the daemon stops.
 *
 * Self-contained on purpose: it only needs libmicrohttpd and libjq's jv,
 * and none of the library's adapters, since it is the oracle they are
 * tested against. This file reads the options, listens and waits for a
 * signal; the rest is split along its seams, listed in sim.h: the HTTP
 * side (sim-http.c), the timer (sim-timer.c), the faults and counters
 * (sim-faults.c), the error bodies (sim-errors.c), the success bodies
 * (sim-bodies.c) and helpers (sim-util.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "version.h"
#include "sim.h"

static int opt_quiet;
static unsigned opt_threads = 4;

/* ---------- main ---------- */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [-hq] [-p port] [--host addr] [--log file] [--port-file file] [--threads n]\n");
}

static void
help(void)
{
	usage(stdout);
	fputs("Simulate LLM provider APIs (OpenAI, Gemini, Zhipu, Cloudflare) on a loopback port.\n"
	    "  -h, --help            show this help and exit\n"
	    "      --version         print the name and version, and exit\n"
	    "      --host ADDR       listen address, a 127.0.0.0/8 address or localhost (127.0.0.1)\n"
	    "      --log FILE        append one NDJSON line per request to FILE\n"
	    "  -p, --port PORT       TCP port, 0 picks a free one (0)\n"
	    "      --port-file FILE  write the chosen port to FILE\n"
	    "  -q, --quiet           do not print the listening address\n"
	    "      --threads N       worker threads, 1..256 (4)\n"
	    "Faults go in the API key: NAME+FAULT[=ARG]..., see llm-sim(1).\n", stdout);
}

static void
usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int
write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *fp;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* an exclusive temporary: never written through a planted name */
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	fp = fd < 0 ? NULL : fdopen(fd, "w");
	if (!fp) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(fp, "%u\n", port);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

/* The loopback address to listen on; refuses any other. Returns the
 * host as it will be shown. */
static const char *
listen_addr(const char *host, long port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 || (ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		usage_error("refusing to listen on '%s': only loopback (127.0.0.0/8, localhost)", host);
	return host;
}

/* The daemon: epoll, a pool of opt_threads workers, suspendable
 * connections (sim-http.c's callbacks); NULL if it cannot listen. */
static struct MHD_Daemon *
start_daemon(const struct sockaddr_in *sa, long port)
{
	unsigned flags;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	/* one thread: no pool option at all (the list ends before it) */
	return MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)10000,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    opt_threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, opt_threads,
	    MHD_OPTION_END);
}

int
main(int argc, char **argv)
{
	enum { O_HOST = 256, O_LOG, O_PORT_FILE, O_THREADS, O_VERSION };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "host", required_argument, NULL, O_HOST },
		{ "log", required_argument, NULL, O_LOG },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, O_PORT_FILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = "127.0.0.1", *port_file = NULL, *log_path = NULL;
	long port = 0, v;
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	pthread_t timer_th;
	int ch, sig;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hp:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help();
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
		case 'p':
			if (num_arg(optarg, 0, 65535, &port) < 0)
				usage_error("invalid port '%s': want 0..65535", optarg);
			break;
		case 'q':
			opt_quiet = 1;
			break;
		case O_VERSION:
			printf("%s %s\n", PROG, MLM_VERSION);
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
		case O_HOST:
			host = optarg;
			break;
		case O_LOG:
			log_path = optarg;
			break;
		case O_PORT_FILE:
			port_file = optarg;
			break;
		case O_THREADS:
			if (num_arg(optarg, 1, 256, &v) < 0)
				usage_error("invalid thread count '%s': want 1..256", optarg);
			opt_threads = (unsigned)v;
			break;
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	host = listen_addr(host, port, &sa);

	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);   /* it holds prompts */
		if (log_fd < 0) {
			fprintf(stderr, PROG ": %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	}
	ring = xmalloc(SIM_LOG_KEEP * sizeof *ring);

	/* signals are taken by sigwait in this thread only */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (timer_start(&timer_th) < 0) {
		fprintf(stderr, PROG ": cannot start the timer thread\n");
		return 1;
	}

	d = start_daemon(&sa, port);
	if (!d) {
		fprintf(stderr, PROG ": cannot listen on %s:%ld\n", host, port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info && info->port)
		port = info->port;
	if (port_file && write_port_file(port_file, (unsigned)port) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", port_file, strerror(errno));
		MHD_stop_daemon(d);
		return 1;
	}
	if (!opt_quiet)
		fprintf(stderr, PROG ": listening on http://%s:%ld\n", host, port);

	for (;;) {
		if (sigwait(&set, &sig) == 0 && (sig == SIGINT || sig == SIGTERM))
			break;
	}
	atomic_store(&g_stopping, 1);
	timer_shutdown(timer_th);
	MHD_stop_daemon(d);
	if (log_fd >= 0)
		close(log_fd);
	return 0;
}
