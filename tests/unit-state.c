/* unit-state.c — the shared scheduler stores: SQLite and Redis. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include "mlm.h"
#include "tap.h"

mlm_store *mlm_store_sqlite(const char *path, char *err, size_t errlen);
mlm_store *mlm_store_redis(const char *url, char *err, size_t errlen);

static char dir[256];

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A record with a distinct, awkward value in every field. */
static void
sample(mlm_srec *r, const char *scope)
{
	memset(r, 0, sizeof *r);
	snprintf(r->scope, sizeof r->scope, "%s", scope);
	r->until_ms = 1700000000123LL;
	snprintf(r->kind, sizeof r->kind, "rate_limited");
	snprintf(r->why, sizeof r->why, "429: \"quota\" it's 'over' | %% é");
	r->dead = 1;
	r->fails = 7;
	r->win_start = -42;
	r->win_count = 0.1 + 0.2;
	r->win_prev = 1.0 / 3;
	r->tok_count = 1e300;
	r->tok_prev = -2.5e-300;
	r->day_start = INT64_MAX - 5;
	r->day_count = 12345.678901234567;
	r->inflight = 0;
	r->lat_ms = 812.0625;
	r->lat_dev = 3.14159265358979;
	r->n_ok = 2147483647L;
	r->n_err = 99;
	r->learned_rpm = 14.999999999999998;
	r->updated_ms = 1;
	for (int i = 0; i < MLM_WX__N; i++) {     /* windows.c's */
		r->wx_start[i] = 1767225600000LL + i;
		r->wx_cur[i] = 0.5 + i;
		r->wx_prev[i] = 1.0 / 7 + i;
		r->wx_last[i] = -1 - i;
		r->wx_pexp[i] = INT64_MAX - i;
	}
	r->tok_avg = 123.25;
	r->neu_avg = 0.001953125;
}

/* The first field that differs, or NULL. */
static const char *
rec_diff(const mlm_srec *a, const mlm_srec *b)
{
#define CMP(f) if (a->f != b->f) return #f
#define CMPS(f) if (strcmp(a->f, b->f)) return #f
	CMPS(scope); CMP(until_ms); CMPS(kind); CMPS(why); CMP(dead); CMP(fails);
	CMP(win_start); CMP(win_count); CMP(win_prev); CMP(tok_count); CMP(tok_prev);
	CMP(day_start); CMP(day_count); CMP(inflight); CMP(lat_ms); CMP(lat_dev);
	CMP(n_ok); CMP(n_err); CMP(learned_rpm); CMP(updated_ms);
	for (int i = 0; i < MLM_WX__N; i++) {
		CMP(wx_start[i]); CMP(wx_cur[i]); CMP(wx_prev[i]); CMP(wx_last[i]); CMP(wx_pexp[i]);
	}
	CMP(tok_avg); CMP(neu_avg);
#undef CMP
#undef CMPS
	return NULL;
}

struct seen {
	int n;
	char scopes[8][64];
	long inflight[8];
};

static void
each_cb(void *u, const mlm_srec *r)
{
	struct seen *s = u;
	if (s->n < 8) {
		snprintf(s->scopes[s->n], sizeof s->scopes[0], "%.63s", r->scope);
		s->inflight[s->n] = r->inflight;
	}
	s->n++;
}

/* Round trip, leases, each and reset: the same for every store. */
static void
common(mlm_store *s, const char *name)
{
	mlm_srec w, g;
	sample(&w, "o:gemini-1|gemini-2.5-flash");
	w.inflight = 99;        /* leases own it: not saved */
	ok(s->ops->save(s, &w) == 0, "%s: save", name);
	w.inflight = 0;
	ok(s->ops->load(s, w.scope, &g) == 0, "%s: load", name);
	IS_STR(rec_diff(&g, &w), NULL, "%s: every field round-trips", name);

	memset(&g, 0x55, sizeof g);
	ok(s->ops->load(s, "e:never", &g) == 0, "%s: load of an unknown scope", name);
	mlm_srec z;
	memset(&z, 0, sizeof z);
	snprintf(z.scope, sizeof z.scope, "e:never");
	IS_STR(rec_diff(&g, &z), NULL, "%s: an unknown scope loads zeroed", name);

	/* inside a transaction too */
	ok(s->ops->begin(s) == 0, "%s: begin", name);
	s->ops->load(s, w.scope, &g);
	g.fails++;
	s->ops->save(s, &g);
	s->ops->commit(s);
	s->ops->load(s, w.scope, &g);
	is_int(g.fails, 8, "%s: a transaction's write is kept", name);

	/* Two long leases and a 50 ms one; under load the short one may be
	 * gone by the first count, so that count allows for it. */
	uint64_t id[4];
	int bad = 0;
	double t0 = mlm_mono_s();
	bad |= s->ops->lease(s, "o:lease", 10000, &id[0]);
	bad |= s->ops->lease(s, "o:lease", 10000, &id[1]);
	bad |= s->ops->lease(s, "o:lease", 50, &id[2]);
	ok(!bad && id[0] != id[1] && id[1] != id[2], "%s: three leases, distinct ids", name);
	s->ops->load(s, "o:lease", &g);
	int fast = mlm_mono_s() - t0 < 0.045;
	ok(fast ? g.inflight == 3 : g.inflight >= 2 && g.inflight <= 3,
	    "%s: inflight counts leases (%ld)", name, g.inflight);
	s->ops->unlease(s, "o:lease", id[1]);
	s->ops->load(s, "o:lease", &g);
	fast = mlm_mono_s() - t0 < 0.045;
	ok(fast ? g.inflight == 2 : g.inflight >= 1 && g.inflight <= 2,
	    "%s: unlease returns one (%ld)", name, g.inflight);
	s->ops->begin(s);
	s->ops->lease(s, "o:lease", 10000, &id[3]);
	s->ops->load(s, "o:lease", &g);
	s->ops->commit(s);
	ok(g.inflight >= 2 && g.inflight <= 3, "%s: lease inside a transaction (%ld)", name, g.inflight);
	msleep(80);
	s->ops->load(s, "o:lease", &g);
	is_int(g.inflight, 2, "%s: the expired lease stops counting", name);
	s->ops->unlease(s, "o:lease", id[0]);
	s->ops->unlease(s, "o:lease", id[3]);
	s->ops->load(s, "o:lease", &g);
	is_int(g.inflight, 0, "%s: all returned", name);

	struct seen sn = { 0 };
	s->ops->lease(s, "o:lease", 5000, &id[0]);
	ok(s->ops->each(s, each_cb, &sn) == 0, "%s: each", name);
	is_int(sn.n, 2, "%s: each sees the saved and the leased scope", name);
	int found = 0;
	for (int i = 0; i < sn.n && i < 8; i++)
		if (!strcmp(sn.scopes[i], "o:lease") && sn.inflight[i] == 1)
			found = 1;
	ok(found, "%s: each gives inflight", name);
	ok(s->ops->reset(s, "o:lease") == 0, "%s: reset one", name);
	sn.n = 0;
	s->ops->each(s, each_cb, &sn);
	ok(sn.n == 1 && !strcmp(sn.scopes[0], w.scope), "%s: reset one scope leaves the other", name);
	s->ops->load(s, "o:lease", &g);
	is_int(g.inflight, 0, "%s: reset drops the scope's leases", name);
	ok(s->ops->reset(s, NULL) == 0, "%s: reset all", name);
	sn.n = 0;
	s->ops->each(s, each_cb, &sn);
	is_int(sn.n, 0, "%s: nothing left", name);
	IS_STR(s->warn, "", "%s: no warning", name);
}

/* n children, each doing k begin/load/save(win_count+1)/commit cycles on a
 * store of its own; 0 when all of them succeeded without a warning. */
static int
hammer(mlm_store *(*open)(const char *, char *, size_t), const char *spec, int n, int k)
{
	pid_t pid[8];
	for (int i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char err[MLM_ERRLEN];
			mlm_store *s = open(spec, err, sizeof err);
			if (!s)
				_exit(3);
			for (int j = 0; j < k; j++) {
				mlm_srec r;
				uint64_t id;
				if (s->ops->begin(s) < 0 || s->ops->load(s, "o:count", &r) < 0)
					_exit(4);
				r.win_count += 1;
				if (s->ops->save(s, &r) < 0)
					_exit(5);
				s->ops->commit(s);
				if (j % 10 == 0) {
					s->ops->lease(s, "o:count", 10000, &id);
					s->ops->unlease(s, "o:count", id);
				}
			}
			int warned = s->warn[0] != 0;
			mlm_store_close(s);
			_exit(warned ? 2 : 0);
		}
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		int st;
		if (pid[i] < 0 || waitpid(pid[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			bad = 1;
			if (pid[i] > 0)
				printf("# child %d: status %d\n", i, st);
		}
	}
	return bad ? -1 : 0;
}

static int
count_corrupt(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "bad.db.corrupt-", 15) && !strstr(e->d_name, "-wal"))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void
garbage(const char *path, int trunc)
{
	int fd = open(path, O_WRONLY | (trunc ? O_TRUNC : 0));
	char junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7 + 13);
	if (fd >= 0) {
		if (write(fd, junk, sizeof junk) < 0)
			perror("write");
		close(fd);
	}
}

static void
test_sqlite(void)
{
	char path[512], err[MLM_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/state.db", dir);
	mlm_store *s = mlm_store_sqlite(path, err, sizeof err);
	ok(s != NULL, "sqlite: open (%s)", err);
	if (!s)
		return;
	IS_STR(s->ops->name, "sqlite", "sqlite: name");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "sqlite: file is 0600");
	common(s, "sqlite");

	/* Two handles on one file. */
	mlm_store *t = mlm_store_sqlite(path, err, sizeof err);
	ok(t != NULL, "sqlite: second handle");
	mlm_srec w, g;
	sample(&w, "k:two");
	s->ops->save(s, &w);
	t->ops->load(t, "k:two", &g);
	IS_STR(rec_diff(&g, &w), NULL, "sqlite: a second handle sees the first's write");
	uint64_t id;
	t->ops->lease(t, "k:two", 10000, &id);
	g.fails = 1234;
	t->ops->save(t, &g);
	s->ops->load(s, "k:two", &g);
	ok(g.fails == 1234 && g.inflight == 1, "sqlite: and the other way round");
	t->ops->unlease(t, "k:two", id);

	/* A batch's counter-only saves are held for its commit, and its leases
	 * are written there as one count: the other handle sees the last save
	 * and every lease after the commit. */
	uint64_t ids[3];
	t->ops->begin(t);
	for (int i = 0; i < 3; i++) {
		t->ops->load(t, "k:two", &g);
		g.win_count += 1;
		t->ops->save(t, &g);
		t->ops->lease(t, "k:two", 10000, &ids[i]);
	}
	t->ops->load(t, "k:two", &g);
	ok(g.inflight == 3, "sqlite: a batch counts its own leases (%ld)", g.inflight);
	t->ops->commit(t);
	s->ops->load(s, "k:two", &g);
	ok(g.win_count == w.win_count + 3 && g.inflight == 3,
	    "sqlite: the other handle sees a batch's held saves and leases after its commit (%.0f, %ld)",
	    g.win_count - w.win_count, g.inflight);
	t->ops->begin(t);
	t->ops->unlease(t, "k:two", ids[0]);
	t->ops->commit(t);
	s->ops->load(s, "k:two", &g);
	is_int(g.inflight, 2, "sqlite: a lease returned in a batch is seen returned");
	/* a handle that closes gives its leases back (its row goes) */
	mlm_store_close(t);
	s->ops->load(s, "k:two", &g);
	is_int(g.inflight, 0, "sqlite: a closed handle's leases stop counting");

	/* Concurrency: 4 processes x 200 transactions. */
	double t0 = mlm_mono_s();
	ok(hammer(mlm_store_sqlite, path, 4, 200) == 0, "sqlite: 4 processes, no errors, no warnings");
	s->ops->load(s, "o:count", &g);
	is_int((long long)g.win_count, 800, "sqlite: 4 x 200 increments, none lost");
	printf("# sqlite hammer: %.2f s\n", mlm_mono_s() - t0);
	IS_STR(s->warn, "", "sqlite: no warning");
	mlm_store_close(s);

	/* A corrupt file is moved aside and rebuilt. */
	snprintf(path, sizeof path, "%s/bad.db", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	garbage(path, 1);
	s = mlm_store_sqlite(path, err, sizeof err);
	ok(s != NULL, "sqlite: a corrupt file opens (%s)", err);
	if (s) {
		ok(strstr(s->warn, "corrupt") && strstr(s->warn, "rebuilt"), "sqlite: warn says rebuilt: %s", s->warn);
		is_int(count_corrupt(), 1, "sqlite: the corrupt file was moved aside");
		sample(&w, "e:x");
		ok(s->ops->save(s, &w) == 0, "sqlite: the rebuilt file takes writes");
		t = mlm_store_sqlite(path, err, sizeof err);
		ok(t && t->ops->load(t, "e:x", &g) == 0 && !rec_diff(&g, &w) && !t->warn[0],
		    "sqlite: and is a good database");
		mlm_store_close(t);
		mlm_store_close(s);
	}

	/* Corrupted while open: the handle goes on in memory. */
	snprintf(path, sizeof path, "%s/mid.db", dir);
	s = mlm_store_sqlite(path, err, sizeof err);
	ok(s != NULL, "sqlite: open mid.db");
	if (s) {
		sample(&w, "e:mid");
		s->ops->save(s, &w);
		garbage(path, 0);
		int r = s->ops->begin(s);
		r |= s->ops->load(s, "e:mid", &g);
		g.fails = 77;
		r |= s->ops->save(s, &g);
		s->ops->commit(s);
		r |= s->ops->load(s, "e:mid", &g);
		ok(r == 0 && g.fails == 77, "sqlite: corrupted mid-run, calls still work");
		ok(strstr(s->warn, "using memory") != NULL, "sqlite: warn says memory: %s", s->warn);
		r = s->ops->lease(s, "e:mid", 1000, &id);
		s->ops->load(s, "e:mid", &g);
		ok(r == 0 && g.inflight == 1, "sqlite: leases on memory");
		struct seen sn = { 0 };
		ok(s->ops->each(s, each_cb, &sn) == 0 && sn.n == 1, "sqlite: each on memory");
		mlm_store_close(s);
	}

	/* Deleted while open: sqlite keeps the inode; nothing breaks. */
	snprintf(path, sizeof path, "%s/del.db", dir);
	s = mlm_store_sqlite(path, err, sizeof err);
	if (s) {
		sample(&w, "e:del");
		s->ops->save(s, &w);
		unlink(path);
		int r = s->ops->begin(s);
		r |= s->ops->load(s, "e:del", &g);
		r |= s->ops->save(s, &g);
		s->ops->commit(s);
		r |= s->ops->lease(s, "e:del", 1000, &id);
		ok(r == 0, "sqlite: file deleted mid-run, calls still work");
		mlm_store_close(s);
	} else
		ok(0, "sqlite: open del.db");

	/* Locked by another process past the busy timeout: memory, warned. */
	snprintf(path, sizeof path, "%s/locked.db", dir);
	s = mlm_store_sqlite(path, err, sizeof err);
	int pfd[2];
	if (s && pipe(pfd) == 0) {
		sample(&w, "e:locked");
		s->ops->save(s, &w);
		pid_t holder = fork();
		if (holder == 0) {
			sqlite3 *db;
			char c = 'x';
			if (sqlite3_open(path, &db) != SQLITE_OK
			    || sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM rec;", NULL, NULL, NULL) != SQLITE_OK)
				c = 'n';
			if (write(pfd[1], &c, 1) < 0)
				_exit(1);
			msleep(20000);
			_exit(0);
		}
		char c = 0;
		if (read(pfd[0], &c, 1) != 1)
			c = 0;
		double t1 = mlm_mono_s();
		int r = s->ops->begin(s);
		r |= s->ops->load(s, "e:locked", &g);
		g.fails = 3;
		r |= s->ops->save(s, &g);
		s->ops->commit(s);
		r |= s->ops->load(s, "e:locked", &g);
		ok(c == 'x' && r == 0 && g.fails == 3, "sqlite: locked past the timeout, calls still work");
		ok(strstr(s->warn, "using memory") != NULL, "sqlite: locked: warn: %s", s->warn);
		double dt = mlm_mono_s() - t1;
		ok(dt > 4 && dt < 8, "sqlite: gave up after the busy timeout (%.1f s)", dt);
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		close(pfd[0]);
		close(pfd[1]);
		mlm_store_close(s);
	} else
		ok(0, "sqlite: open locked.db");

	/* A path that cannot be created: NULL here, memory through state.c. */
	snprintf(path, sizeof path, "%s/no/such/dir/x.db", dir);
	s = mlm_store_sqlite(path, err, sizeof err);
	ok(s == NULL && err[0], "sqlite: an impossible path fails: %s", err);
	s = mlm_store_open(path, err, sizeof err);
	ok(s && !strcmp(s->ops->name, "memory") && s->warn[0], "sqlite: mlm_store_open falls back: %s",
	    s ? s->warn : "");
	mlm_store_close(s);
}

/* ---------- redis ---------- */

static pid_t redis_pid;

static int
port_free(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int r = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return r;
}

/* The server answering on port is ours (not someone else's on a reused port). */
static int
is_ours(int port)
{
	struct timeval tv = { 1, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	int r = 0;
	if (c && !c->err) {
		redisReply *rep = redisCommand(c, "INFO server");
		if (rep && rep->type == REDIS_REPLY_STRING) {
			char want[64];
			snprintf(want, sizeof want, "process_id:%ld\r", (long)redis_pid);
			r = strstr(rep->str, want) != NULL;
		}
		if (rep)
			freeReplyObject(rep);
	}
	if (c)
		redisFree(c);
	return r;
}

static int
start_redis(void)
{
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (int tries = 0; tries < 8; tries++) {
		int port = 20000 + rand() % 40000;
		if (!port_free(port))
			continue;
		char ps[16];
		snprintf(ps, sizeof ps, "%d", port);
		redis_pid = fork();
		if (redis_pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
			execl("/usr/bin/redis-server", "redis-server", "--port", ps, "--bind", "127.0.0.1",
			    "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir,
			    (char *)NULL);
			_exit(127);
		}
		if (redis_pid < 0)
			return -1;
		for (int i = 0; i < 150; i++) {
			msleep(20);
			int st;
			if (waitpid(redis_pid, &st, WNOHANG) == redis_pid)
				break;          /* it died: the port was taken */
			if (is_ours(port))
				return port;
		}
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
	return -1;
}

static void
test_redis(void)
{
	if (access("/usr/bin/redis-server", X_OK) < 0) {
		printf("ok %d # skip redis-server not installed\n", ++tap_n);
		return;
	}
	int port = start_redis();
	if (port < 0) {
		printf("ok %d # skip could not start redis-server\n", ++tap_n);
		return;
	}
	char url[128], err[MLM_ERRLEN] = "";
	snprintf(url, sizeof url, "redis://127.0.0.1:%d/3", port);
	mlm_store *s = mlm_store_redis(url, err, sizeof err);
	ok(s != NULL, "redis: open %s (%s)", url, err);
	if (s) {
		IS_STR(s->ops->name, "redis", "redis: name");
		common(s, "redis");

		double t0 = mlm_mono_s();
		ok(hammer(mlm_store_redis, url, 4, 100) == 0, "redis: 4 processes, no errors, no warnings");
		mlm_srec g, w;
		s->ops->load(s, "o:count", &g);
		is_int((long long)g.win_count, 400, "redis: 4 x 100 increments, none lost");
		printf("# redis hammer: %.2f s\n", mlm_mono_s() - t0);

		/* Redis goes away mid-run. */
		sample(&w, "e:gone");
		s->ops->save(s, &w);
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
		int r = 0;
		for (int i = 0; i < 3; i++) {
			r |= s->ops->begin(s);
			r |= s->ops->load(s, "e:gone", &g);
			g.fails = 5;
			r |= s->ops->save(s, &g);
			s->ops->commit(s);
		}
		r |= s->ops->load(s, "e:gone", &g);
		ok(r == 0 && g.fails == 5, "redis: killed mid-run, calls still work");
		ok(strstr(s->warn, "went away") && strstr(s->warn, "memory"), "redis: warn: %s", s->warn);
		ok(s->degraded == 1, "redis: killed mid-run: degraded");
		uint64_t id;
		r = s->ops->lease(s, "e:gone", 1000, &id);
		s->ops->load(s, "e:gone", &g);
		ok(r == 0 && g.inflight == 1, "redis: leases on memory");
		mlm_store_close(s);
	}
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
	}
	/* nothing listening: a degraded store on memory that keeps trying */
	s = mlm_store_redis(url, err, sizeof err);
	ok(s != NULL && s->degraded && strstr(s->warn, "memory"), "redis: nothing listening: "
	    "degraded, on memory: %s", s ? s->warn : err);
	if (s) {
		mlm_srec g;
		int r = s->ops->begin(s);
		r |= s->ops->load(s, "e:x", &g);
		s->ops->commit(s);
		ok(r == 0, "redis: nothing listening: calls work");
		mlm_store_close(s);
	}
	s = mlm_store_redis("redis://:pw0@127.0.0.1:notaport", err, sizeof err);
	ok(s == NULL && strstr(err, "port") && !strstr(err, "pw0"), "redis: bad url, no password: %s", err);
	s = mlm_store_redis("redis://127.0.0.1:notaport", err, sizeof err);
	ok(s == NULL && strstr(err, "port"), "redis: bad url: %s", err);
}

/* The latency estimate starts at the first answer, whatever it measured:
 * an answer under the clock's millisecond (0 ms) is known, not unknown. */
static void
test_latency(void)
{
	mlm_pool p = { 0 };
	char err[MLM_ERRLEN] = "";
	const char *line = "{\"id\":\"e1\",\"provider\":\"openai\",\"base_url\":\"http://127.0.0.1:9/v1\","
	    "\"model\":\"m1\",\"key\":\"k\"}";
	ok(mlm_pool_add_line(&p, line, strlen(line), "t", err, sizeof err) == 0, "latency: a pool of one: %s", err);
	mlm_store *st = mlm_store_memory();
	mlm_sched *s = mlm_sched_new(&p, st, MLM_STRAT_SMART);
	ok(mlm_sched_p95(s, 0) < 0, "latency: no estimate before the first answer");
	int64_t wait;
	uint64_t lease;
	int idx = mlm_sched_pick(s, &(mlm_pick){ 0 }, &wait, &lease, NULL);
	mlm_outcome o;
	memset(&o, 0, sizeof o);
	o.kind = MLM_OK;
	mlm_sched_done(s, idx, lease, &o, 0, 0, NULL);
	ok(idx == 0 && mlm_sched_p95(s, 0) == 0, "latency: a 0 ms answer gives an estimate of 0 ms, not none");
	idx = mlm_sched_pick(s, &(mlm_pick){ 0 }, &wait, &lease, NULL);
	mlm_sched_done(s, idx, lease, &o, 40, 0, NULL);
	ok(mlm_sched_p95(s, 0) > 0, "latency: and moves with the next answer (%.1f ms)", mlm_sched_p95(s, 0));
	mlm_sched_free(s);
	mlm_store_close(st);
	mlm_pool_free(&p);
}

/* The memory store (LLM_STATE=memory, and the fallback of the others):
 * leases count in flight and unlease gives one back; a save never writes
 * over the count the leases keep. */
static void
test_memory(void)
{
	mlm_store *s = mlm_store_memory();
	mlm_srec g, w;
	uint64_t id[2];
	ok(s->ops->lease(s, "o:m", 10000, &id[0]) == 0 && s->ops->lease(s, "o:m", 10000, &id[1]) == 0,
	    "memory: two leases");
	s->ops->load(s, "o:m", &g);
	is_int(g.inflight, 2, "memory: inflight counts them");
	s->ops->unlease(s, "o:m", id[0]);
	s->ops->load(s, "o:m", &g);
	is_int(g.inflight, 1, "memory: unlease gives one back");
	sample(&w, "o:m");
	w.inflight = 0;
	ok(s->ops->save(s, &w) == 0, "memory: save with inflight 0 while one lease is out");
	s->ops->load(s, "o:m", &g);
	is_int(g.inflight, 1, "memory: the save leaves the leases' count alone");
	is_int(g.fails, w.fails, "memory: and writes the other fields");
	w.inflight = 50;
	s->ops->save(s, &w);
	s->ops->load(s, "o:m", &g);
	is_int(g.inflight, 1, "memory: a saved inflight of 50 is not taken either");
	s->ops->unlease(s, "o:m", id[1]);
	s->ops->load(s, "o:m", &g);
	is_int(g.inflight, 0, "memory: all returned");
	s->ops->unlease(s, "o:m", id[1]);
	s->ops->load(s, "o:m", &g);
	is_int(g.inflight, 0, "memory: an unlease too many does not go below 0");
	mlm_store_close(s);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "%s/unit-state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_sqlite();
	test_redis();
	test_latency();
	test_memory();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
