/*
 * llm-serve — an OpenAI-compatible HTTP API in front of the pool.
 *
 * Threads. By default (--threads 1) there is one: libmicrohttpd runs
 * without a thread of its own and the engine's poll also waits on its epoll
 * descriptor (serve_loop), so the handler submits a request straight to the
 * engine and the engine's callbacks resume the connection; no request
 * changes threads. With --threads N > 1, libmicrohttpd's pool of N threads
 * parses requests and ONE engine thread owns the library engine (which is
 * not thread-safe) and loops on mlm_engine_run: the HTTP thread pushes a job
 * on a mutex-protected queue, wakes the engine and suspends the connection;
 * the engine thread submits it, and its delta/done callbacks fill the job's
 * buffer under the job's mutex and resume the connection. Anything that
 * reads the scheduler store (/status.json, /metrics) is a job too.
 *
 * A job is shared by both sides and freed when both let go (refs). Failover
 * stays invisible until the first byte: a stream's response is held until
 * its first delta or its result, and no_restart ends a call that fails after
 * output, with an error event instead of [DONE].
 *
 * This file holds the options, the event loop, set-up and main; the HTTP
 * side is serve-http.c, a request's call on the engine serve-job.c, the
 * counters serve-metrics.c, the model names serve-models.c, the option
 * values serve-options.c (declared in serve-int.h), the wire formats
 * serve-NAME.c (serve.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "tool.h"
#include "lines.h"
#include "serve-guard.h"
#include "serve.h"
#include "serve-int.h"

static const char usage_text[] =
"usage: llm-serve [-hv] [-l host:port] [-m glob] [-p glob] [--client-timeout dur]\n"
"                 [--env file] [--grace dur] [--header-timeout dur] [--log file]\n"
"                 [--max-body size] [--max-connections n]\n"
"                 [--max-connections-per-ip n] [--max-wait dur]\n"
"                 [--model-map name=target] [--pool file]\n"
"                 [--port-file file] [--retries n] [--reuse-port]\n"
"                 [--strategy name] [--threads n] [--timeout dur]\n"
"                 [--token-file file]\n";

static void
usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	if (!code)
		fputs("\n"
"Serve OpenAI's and Anthropic's APIs (POST /v1/chat/completions,\n"
"/v1/responses, /v1/embeddings, /v1/messages, /v1/messages/count_tokens,\n"
"GET /v1/models)\n"
"in front of the pool, with failover, a status page (GET /), /status.json,\n"
"/healthz and /metrics.\n\n"
"  -l, --listen HOST:PORT    address to listen on (default 127.0.0.1:8080;\n"
"                            port 0 picks a free one)\n"
"      --port-file FILE      write the chosen port to FILE\n"
"      --token-file FILE     accept these bearer tokens (one per line; or\n"
"                            LLM_SERVE_TOKENS=a,b)\n"
"  -m, --model GLOB          only entries whose model matches\n"
"      --model-map NAME=TARGET  serve a model name or glob clients send\n"
"                            (claude-*) with entries matching TARGET, or any\n"
"                            (auto); repeatable, comma-separated (or\n"
"                            LLM_SERVE_MODELS)\n"
"  -p, --provider GLOB       only entries of matching providers\n"
"      --strategy NAME       smart, sequential, random, round-robin, weighted,\n"
"                            least-busy, latency, headroom\n"
"      --env FILE            read variables from FILE too (over ./.env)\n"
"      --pool FILE           read the pool from FILE (or LLM_POOL)\n"
"      --timeout DUR         per-attempt time limit (default 5m)\n"
"      --retries N           at most N attempts per request (default 10)\n"
"      --max-wait DUR        longest wait for a cooling entry (default 5s);\n"
"                            longer: 429 with Retry-After\n"
"      --max-body SIZE       largest request body (default 4M)\n"
"      --client-timeout DUR  close connections idle this long (default 30s)\n"
"      --header-timeout DUR  close a connection whose request headers are not\n"
"                            complete this long after it began (default 10s)\n"
"      --max-connections N   connections at once (default 512); at most half\n"
"                            of them idle or still sending headers\n"
"      --max-connections-per-ip N  connections from one address (default 128;\n"
"                            0: no limit)\n"
"      --reuse-port          share the port with other servers (SO_REUSEPORT);\n"
"                            without it a port in use is an error\n"
"      --threads N           HTTP threads (default 1: one loop for HTTP and upstream)\n"
"      --grace DUR           on SIGTERM, wait this long for requests (default 30s)\n"
"      --log FILE            append one NDJSON line per attempt (or LLM_LOG)\n"
"  -v, --verbose             one stderr line per request and attempt\n"
"      --version             print the name and version, and exit\n"
"  -h, --help                this help\n\n"
"Without tokens, requests must name a loopback host or the listen address\n"
"in Host and come from no foreign Origin (else 403); every POST needs\n"
"Content-Type: application/json (else 415).\n\n"
"Exit status: 0 stopped by SIGTERM or SIGINT, 1 cannot listen (the port is\n"
"in use), 2 usage, 78 configuration (a token file or LLM_SERVE_TOKENS without\n"
"a token).\n", stdout);
	exit(code);
}

enum { O_PORTFILE = 256, O_TOKENFILE, O_MAXBODY,
	O_CLIENTTO, O_MAXCONN, O_THREADS, O_GRACE, O_MAXWAIT, O_TIMEOUT, O_RETRIES, O_HEADERTO,
	O_PERIP, O_REUSEPORT, O_MODELMAP };

static const struct option longopts[] = {
	TOOL_POOL_OPTIONS,
	TOOL_POOL_FILE_OPTIONS,
	{ "client-timeout", required_argument, NULL, O_CLIENTTO },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "header-timeout", required_argument, NULL, O_HEADERTO },
	{ "help", no_argument, NULL, 'h' },
	{ "listen", required_argument, NULL, 'l' },
	{ "max-body", required_argument, NULL, O_MAXBODY },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "max-connections-per-ip", required_argument, NULL, O_PERIP },
	{ "max-wait", required_argument, NULL, O_MAXWAIT },
	{ "model-map", required_argument, NULL, O_MODELMAP },
	{ "port-file", required_argument, NULL, O_PORTFILE },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "reuse-port", no_argument, NULL, O_REUSEPORT },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "token-file", required_argument, NULL, O_TOKENFILE },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* ---------- configuration and shared state ---------- */

tool_pool tp;
static struct MHD_Daemon *daemon_;

int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------- draining (both modes), and --threads 1's one loop ---------- */

void
drain_begin(int sig, long grace)
{
	if (tp.verbose)
		warnmsg("%s: draining (up to %.1f s)", sig == SIGINT ? "SIGINT" : "SIGTERM",
		    (double)grace / 1000);
	atomic_store(&draining, 1);
	MHD_socket ls = MHD_quiesce_daemon(daemon_);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
}

/* early: a second signal came before --grace was over */
void
warn_cancel(int early, long grace)
{
	long n = atomic_load(&m_inflight);
	if (early)
		warnmsg("second signal: %ld request%s cancelled", n, n == 1 ? "" : "s");
	else
		warnmsg("%ld request%s still running after %.1f s: cancelled", n, n == 1 ? "" : "s",
		    (double)grace / 1000);
}

static void
cancel_all(int early, long grace)
{
	warn_cancel(early, grace);
	while (eng_jobs)
		mlm_engine_cancel(tp.engine, eng_jobs->call_id);
}

/* MHD without a thread of its own: the engine's poll also waits on MHD's
 * epoll descriptor and on a signalfd, and MHD_run runs between engine
 * rounds. A request never changes threads, so it pays no hand-off. */
static void
serve_loop(const sigset_t *sigs, long grace)
{
	int sfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	const union MHD_DaemonInfo *ei = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
	if (sfd < 0 || !ei)
		die(EX_SOMEFAIL, "cannot set up the event loop: %s", strerror(errno));
	int fds[2] = { ei->epoll_fd, sfd };
	mlm_engine_watch(tp.engine, fds, 2);
	int stage = 0;              /* 0 serving, 1 draining, 2 cancelled */
	int early = 0;
	int64_t end = 0, mhd_due = 0, swept = 0;
	unsigned ready = 1;
	for (;;) {
		int64_t now = mlm_mono_ms();
		/* MHD runs when its descriptor is ready, a connection was
		 * resumed, or one of its timeouts is due */
		if ((ready & 1) || mhd_kick || now >= mhd_due) {
			mhd_kick = 0;
			MHD_run(daemon_);
			MHD_UNSIGNED_LONG_LONG to;
			mhd_due = now + 100;
			if (MHD_get_timeout(daemon_, &to) == MHD_YES && to < 100)
				mhd_due = now + (int64_t)to;
		}
		struct signalfd_siginfo si;
		if ((ready & 2) && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (stage == 0) {
				drain_begin((int)si.ssi_signo, grace);
				stage = 1, end = now + grace;
			} else if (stage == 1) {
				end = 0, early = 1;     /* a second signal: cancel now */
			}
		}
		if (stage) {
			if (atomic_load(&m_inflight) <= 0 && !mlm_engine_active(tp.engine))
				break;
			if (stage == 1 && now >= end) {
				cancel_all(early, grace);
				stage = 2, end = now + 1000;    /* let the cancelled answers go out */
				mhd_kick = 1;
				continue;
			}
			if (stage == 2 && now >= end)
				break;
		}
		int64_t t = mhd_kick ? 0 : mhd_due - now;
		mlm_engine_run(tp.engine, t < 0 ? 0 : t > 100 ? 100 : (int)t);
		ready = mlm_engine_watched(tp.engine);
		eng_watch_hangups();
		store_health();
		if (now - swept >= 100) {
			guard_sweep();
			swept = now;
		}
	}
	mlm_engine_watch(tp.engine, NULL, 0);
	close(sfd);
}

/* ---------- set-up ---------- */

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
	}
	return 0;
}

static void
write_port_file(const char *file, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", file, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f && fd >= 0)
		close(fd);
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
		unlink(tmp);
		die(EX_SOMEFAIL, "--port-file %s: %s", file, strerror(errno));
	}
}


static void
parse_options(int argc, char **argv)
{
	int c;
	while ((c = getopt_long(argc, argv, "hl:m:p:v", longopts, NULL)) != -1) {
		if (tool_pool_opt(&tp, c, optarg))
			continue;
		switch (c) {
		case 'h': usage(0); break;
		case O_VERSION: tool_version();
		case 'l': so.listen_at = optarg; break;
		case O_PORTFILE: so.port_file = optarg; break;
		case O_TOKENFILE: so.token_file = optarg; break;
		case O_MAXBODY: max_body = parse_size("--max-body", optarg); break;
		case O_CLIENTTO: so.client_to = opt_duration_ms("--client-timeout", optarg); break;
		case O_MAXCONN: so.max_conn = opt_long("--max-connections", optarg, 1, 1000000); break;
		case O_THREADS: so.threads = opt_long("--threads", optarg, 1, 256); break;
		case O_GRACE: so.grace = opt_duration_ms("--grace", optarg); break;
		case O_MAXWAIT: so.max_wait = opt_duration_ms("--max-wait", optarg); break;
		case O_TIMEOUT: so.timeout_ms = opt_duration_ms("--timeout", optarg); break;
		case O_RETRIES: so.retries = opt_long("--retries", optarg, 1, 1000); break;
		case O_HEADERTO: so.header_to = opt_duration_ms("--header-timeout", optarg); break;
		case O_PERIP: so.per_ip = opt_long("--max-connections-per-ip", optarg, 0, 1000000); break;
		case O_REUSEPORT: so.reuse_port = 1; break;
		case O_MODELMAP: add_maps("--model-map", optarg, EX_USAGE_); break;
		default: usage(2);
		}
	}
	if (optind < argc)
		die(EX_USAGE_, "unexpected argument '%s' (llm-serve takes options only)", argv[optind]);
	if (tp.strategy)
		tool_strategy("--strategy", tp.strategy, EX_USAGE_);
	if (so.client_to < 1)
		die(EX_USAGE_, "--client-timeout: must be positive");
	if (so.header_to < 1)
		die(EX_USAGE_, "--header-timeout: must be positive");
}

/* The pool, the call options, the model names served. */
static void
open_pool(void)
{
	tool_pool_open(&tp);
	store_health();
	mlm_engine_trace(tp.engine, on_trace, &tp);
	mlm_call_opts_init(&base_opts);
	base_opts.max_wait_ms = so.max_wait;
	if (so.timeout_ms)
		base_opts.total_ms = base_opts.first_byte_ms = so.timeout_ms;
	if (so.retries)
		base_opts.max_attempts = (int)so.retries;
	m_attempts = calloc(tp.pool.n * MLM_KIND__N + 1, sizeof *m_attempts);
	size_t nopt_maps = nmaps;
	const char *envmap = getenv("LLM_SERVE_MODELS");
	if (envmap)
		add_maps("LLM_SERVE_MODELS", envmap, EX_CONFIG_);
	check_maps(nopt_maps);
	build_models();
}

/* The HTTP server on its socket; the port file; "listening on ...". */
static void
start_daemon(void)
{
	unsigned flags = one_thread ? MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO :
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_TURBO;
	if (so.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	unsigned cto = (unsigned)((so.client_to + 999) / 1000);
	int lfd = guard_listen(so.listen_at, &so.ss, so.reuse_port);
	daemon_ = MHD_start_daemon(flags, (uint16_t)so.port, NULL, NULL, handler, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
	    MHD_OPTION_CONNECTION_TIMEOUT, cto,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)so.max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)so.per_ip,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, guard_notify, NULL,
	    MHD_OPTION_URI_LOG_CALLBACK, guard_uri_log, NULL,
	    so.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned)so.threads,
	    MHD_OPTION_END);
	if (!daemon_)
		die(EX_SOMEFAIL, "--listen %s: cannot start the HTTP server", so.listen_at);
	struct sockaddr_storage bs;
	socklen_t bl = sizeof bs;
	unsigned bound = (unsigned)so.port;
	if (getsockname(lfd, (struct sockaddr *)&bs, &bl) == 0)
		bound = ntohs(bs.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bs)->sin6_port :
		    ((struct sockaddr_in *)&bs)->sin_port);
	if (so.port_file)
		write_port_file(so.port_file, bound);
	if (so.ss.ss_family == AF_INET6)
		warnmsg("listening on http://[%s]:%u", so.host, bound);
	else
		warnmsg("listening on http://%s:%u", so.host, bound);
}

static void
free_all(void)
{
	tool_store_warn(&tp);
	tool_pool_close(&tp);
	for (size_t i = 0; i < ntokens; i++)
		free(tokens[i]);
	free(tokens);
	free(models_json);
	free(m_attempts);
	for (size_t i = 0; i < nmaps; i++)
		free(maps[i].name), free(maps[i].target);
	free(maps);
}

int
main(int argc, char **argv)
{
	prog = "llm-serve";
	parse_options(argc, argv);
	parse_listen();
	load_tokens(so.token_file);
	if (!is_loopback((struct sockaddr *)&so.ss) && !ntokens)
		die(EX_USAGE_, "--listen %s: refusing a non-loopback address without bearer tokens "
		    "(--token-file or LLM_SERVE_TOKENS)", so.listen_at);
	guard_init(so.host, ntokens > 0, so.header_to, so.max_conn / 2);
	guard_log_file(tp.log_file ? tp.log_file : getenv("LLM_LOG"));
	open_pool();

	/* signals: only the main thread takes SIGTERM/SIGINT (sigwait) */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_t eng;
	one_thread = so.threads == 1;
	if (!one_thread && pthread_create(&eng, NULL, engine_main, NULL))
		die(EX_SOMEFAIL, "cannot start the engine thread");
	start_daemon();
	if (one_thread)
		serve_loop(&sigs, so.grace);
	else
		threaded_loop(&sigs, so.grace, eng);
	MHD_stop_daemon(daemon_);
	free_all();
	return 0;
}
