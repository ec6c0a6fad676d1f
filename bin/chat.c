/*
 * chat.c — conversations for llm-ask: NDJSON message files kept atomically
 * (temporary file + rename, under a lock file), and the interactive session
 * (libedit) whose turns go through the pool with failover; the whole
 * history moves with the conversation to whichever entry answers next.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "chat.h"
#include "tool-calls.h"

#define CONV_MAX (64u << 20)

jv
chat_append(jv history, const char *role, const char *content)
{
	jv m = jv_object_set(jv_object(), jv_string("role"), jv_string(role));
	m = jv_object_set(m, jv_string("content"), jv_string(content));
	return jv_array_append(history, m);
}

jv
chat_read_messages(mlm_lines *r, jv history, char *err, size_t errlen)
{
	mlm_line l;
	char pos[600];
	int rc;
	if (!r) {
		mlm_err(err, errlen, "out of memory");
		goto bad;
	}
	while ((rc = mlm_lines_next(r, &l, err, errlen)) == 1) {
		mlm_lines_pos(r, pos, sizeof pos);
		if (l.toolong) {
			mlm_err(err, errlen, "%s: line longer than %u bytes (%zu)", pos, CHAT_LINE_MAX, l.len);
			goto bad;
		}
		if (!l.len)
			continue;
		jv m = jv_parse_sized(l.text, (int)l.len);
		if (jv_is_valid(m) && jv_get_kind(m) != JV_KIND_OBJECT) {
			jv_free(m);
			mlm_err(err, errlen, "%s: a message must be a JSON object", pos);
			goto bad;
		}
		if (!jv_is_valid(m)) {
			jv msg = jv_invalid_get_msg(m);
			mlm_err(err, errlen, "%s: invalid JSON: %s", pos,
			    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "?");
			jv_free(msg);
			goto bad;
		}
		jv tm;
		int tr = tc_message(jv_copy(m), &tm, err, errlen);
		if (tr) {
			jv_free(m);
			if (tr < 0) {
				char why[MLM_ERRLEN];
				snprintf(why, sizeof why, "%s", err);
				mlm_err(err, errlen, "%s: %s", pos, why);
				goto bad;
			}
			history = jv_array_append(history, tm);
			continue;
		}
		jv role = jv_object_get(jv_copy(m), jv_string("role"));
		jv content = jv_object_get(jv_copy(m), jv_string("content"));
		int okr = jv_get_kind(role) == JV_KIND_STRING &&
		    (!strcmp(jv_string_value(role), "user") || !strcmp(jv_string_value(role), "assistant") ||
		    !strcmp(jv_string_value(role), "system"));
		int okc = jv_get_kind(content) == JV_KIND_STRING;
		if (!okr || !okc) {
			mlm_err(err, errlen, "%s: %s", pos, !okr ?
			    "a message needs \"role\": system, user, assistant or tool" :
			    "a message needs a string \"content\"");
			jv_free(role), jv_free(content), jv_free(m);
			goto bad;
		}
		history = chat_append(history, jv_string_value(role), jv_string_value(content));
		jv_free(role), jv_free(content), jv_free(m);
	}
	if (rc < 0)
		goto bad;
	return history;
bad:
	jv_free(history);
	return jv_invalid();
}

jv
chat_request(const chat_opts *co, jv history)
{
	jv req = jv_object(), msgs = jv_array();
	jv sys = jv_null();
	jv_array_foreach(history, i, m) {
		jv role = jv_object_get(jv_copy(m), jv_string("role"));
		if (!strcmp(jv_string_value(role), "system")) {
			jv_free(sys);
			sys = jv_object_get(jv_copy(m), jv_string("content"));
			jv_free(m);
		} else {
			msgs = jv_array_append(msgs, m);
		}
		jv_free(role);
	}
	jv_free(history);
	if (co->system) {
		jv_free(sys);
		sys = jv_string(co->system);
	}
	if (jv_get_kind(sys) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sys)) > 0)
		req = jv_object_set(req, jv_string("system"), sys);
	else
		jv_free(sys);
	req = jv_object_set(req, jv_string("messages"), msgs);
	if (co->temperature >= 0)
		req = jv_object_set(req, jv_string("temperature"), jv_number(co->temperature));
	if (co->max_tokens > 0)
		req = jv_object_set(req, jv_string("max_tokens"), jv_number((double)co->max_tokens));
	if (jv_get_kind(co->tools) == JV_KIND_ARRAY)
		req = jv_object_set(req, jv_string("tools"), jv_copy(co->tools));
	if (jv_get_kind(co->tool_choice) == JV_KIND_STRING || jv_get_kind(co->tool_choice) == JV_KIND_OBJECT)
		req = jv_object_set(req, jv_string("tool_choice"), jv_copy(co->tool_choice));
	return req;
}

long
chat_need_tokens(tool_pool *t, jv req, long max_tokens)
{
	long need = mlm_caps_tokens(req) + max_tokens;     /* the estimate of caps.c */
	long largest = 0;
	int unknown = 0;
	for (size_t i = 0; i < t->pool.n; i++) {
		if (!t->pool.v[i].window)
			unknown = 1;
		else if (t->pool.v[i].window > largest)
			largest = t->pool.v[i].window;
	}
	if (!unknown && largest && need > largest)
		die(EX_NOENTRY, "the conversation is about %ld tokens; the largest window in the pool is %ld",
		    need, largest);
	return need;
}

/* ---- conversations as files ---- */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w, n -= (size_t)w;
	}
	return 0;
}

static int
append_msg_line(mlm_buf *b, const char *role, const char *content)
{
	jv m = chat_append(jv_array(), role, content);
	jv s = jv_dump_string(jv_array_get(m, 0), 0);
	int r = mlm_buf_printf(b, "%s\n", jv_string_value(s));
	jv_free(s);
	return r;
}

/* the assistant's line: its text, and the calls it made as tc_calls_out
 * prints them */
static int
append_answer_line(mlm_buf *b, const mlm_result *r)
{
	jv m = jv_object_set(jv_object(), jv_string("role"), jv_string("assistant"));
	m = jv_object_set(m, jv_string("content"), jv_string(r->text ? r->text : ""));
	if (jv_is_valid(r->tool_calls))
		m = jv_object_set(m, jv_string("tool_calls"), tc_calls_out(r->tool_calls));
	jv s = jv_dump_string(m, 0);
	int e = mlm_buf_printf(b, "%s\n", jv_string_value(s));
	jv_free(s);
	return e;
}

static int at_start = 1;

static void
print_delta(void *u, const mlm_entry *e, const char *text, size_t n)
{
	if (!text) {
		if (!at_start)
			fputc('\n', stdout);
		fprintf(stdout, "[cut: %s stopped mid-answer; asking another entry]\n", e->id);
		fflush(stdout);
		at_start = 1;
		return;
	}
	fwrite(text, 1, n, stdout);
	fflush(stdout);
	at_start = n && text[n - 1] == '\n';
}

/* FILE.lock, held while a conversation file is read and rewritten, and
 * removed after use. A waiter that wakes holding a lock file someone has
 * removed (or replaced) meanwhile tries again with the one now there. */
static char held_lock[4200];     /* removed at exit too (die() while held) */

static void
drop_held_lock(void)
{
	if (held_lock[0])
		unlink(held_lock);
}

static int
conv_lock(const char *file, char *lockname, size_t n)
{
	static int registered;
	if (!registered++)
		atexit(drop_held_lock);
	snprintf(lockname, n, "%s.lock", file);
	for (;;) {
		int lfd = open(lockname, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lfd < 0)
			die(EX_CONFIG_, "%s: %s", lockname, strerror(errno));
		while (flock(lfd, LOCK_EX) < 0)
			if (errno != EINTR)
				die(EX_CONFIG_, "%s: lock: %s", lockname, strerror(errno));
		struct stat a, b;
		if (fstat(lfd, &a) == 0 && stat(lockname, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			snprintf(held_lock, sizeof held_lock, "%s", lockname);
			return lfd;
		}
		close(lfd);
	}
}

static void
conv_unlock(int lfd, const char *lockname)
{
	unlink(lockname);       /* while held: nobody holds the name after us */
	held_lock[0] = 0;
	flock(lfd, LOCK_UN);
	close(lfd);
}

int
chat_conversation_file(tool_pool *t, mlm_call_opts *o, const chat_opts *co,
    const char *file, const char *prompt, int json)
{
	char lockname[4200], tmpname[4200], err[MLM_ERRLEN];
	int lfd = conv_lock(file, lockname, sizeof lockname);

	/* load what is there */
	mlm_buf old = { 0 };
	old.max = CONV_MAX;
	if (mlm_buf_add(&old, "", 0) < 0)
		die(EX_SOMEFAIL, "out of memory");
	jv hist = jv_array();
	FILE *f = fopen(file, "r");
	if (f) {
		size_t n;
		char *s = slurp(f, CONV_MAX, &n);
		fclose(f);
		if (!s)
			die(EX_DATA, "%s: larger than %u bytes", file, CONV_MAX);
		if (mlm_buf_add(&old, s, n) < 0 ||
		    (n && s[n - 1] != '\n' && mlm_buf_add(&old, "\n", 1) < 0))
			die(EX_DATA, "%s: larger than %u bytes", file, CONV_MAX);
		mlm_lines *r = mlm_lines_mem(s, n, file, CHAT_LINE_MAX);
		hist = chat_read_messages(r, hist, err, sizeof err);
		mlm_lines_close(r);
		free(s);
		if (!jv_is_valid(hist))
			die(EX_DATA, "%s", err);
	} else if (errno != ENOENT) {
		die(EX_CONFIG_, "%s: %s", file, strerror(errno));
	}
	/* after tool results, the conversation goes on without a new prompt */
	int n_hist = jv_array_length(jv_copy(hist)), after_results = 0;
	if (n_hist > 0) {
		jv last = jv_array_get(jv_copy(hist), n_hist - 1);
		jv lr = jv_object_get(last, jv_string("role"));
		after_results = !strcmp(jv_string_value(lr), "tool");
		jv_free(lr);
	}
	if ((!prompt || !*prompt) && !after_results)
		die(EX_USAGE_, "-c %s: no prompt (give it as arguments or on stdin)", file);
	int with_prompt = prompt && *prompt;

	int has_system = 0;
	jv_array_foreach(hist, i, m) {
		jv r = jv_object_get(m, jv_string("role"));
		if (!strcmp(jv_string_value(r), "system"))
			has_system = 1;
		jv_free(r);
	}
	if (with_prompt)
		hist = chat_append(hist, "user", prompt);
	jv req = chat_request(co, jv_copy(hist));
	jv_free(hist);
	o->pick.need_tokens = chat_need_tokens(t, req, co->max_tokens);
	mlm_result r;
	at_start = 1;
	mlm_call(t->engine, req, o, o->stream ? print_delta : NULL, NULL, &r);
	tool_store_warn(t);
	int code = 0;
	if (r.ok) {
		/* the new file: old lines, (system), user, assistant */
		mlm_buf nb = { 0 };
		nb.max = CONV_MAX + (8u << 20);
		int e = 0;
		if (!has_system && co->system && old.len == 0)
			e |= append_msg_line(&nb, "system", co->system);
		e |= mlm_buf_add(&nb, old.p, old.len);
		if (with_prompt)
			e |= append_msg_line(&nb, "user", prompt);
		e |= append_answer_line(&nb, &r);
		if (e < 0)	/* a cut file would lose the conversation: it is left as it is */
			die(EX_SOMEFAIL, "%s: cannot save the conversation: larger than %u bytes", file,
			    (unsigned)nb.max);
		snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", file, (long)getpid());
		unlink(tmpname);
		int fd = open(tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || write_all(fd, nb.p, nb.len) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
		    rename(tmpname, file) < 0) {
			int e = errno;
			unlink(tmpname);
			die(EX_SOMEFAIL, "%s: cannot save the conversation: %s", file, strerror(e));
		}
		mlm_buf_free(&nb);
		if (json)
			out_json(mlm_result_json(&r), 1);
		else if (o->stream) {
			if (!at_start)
				out_line("", 0, 1);
		} else if (!jv_is_valid(r.tool_calls))
			out_line(r.text, strlen(r.text), 1);
		if (!json && jv_is_valid(r.tool_calls))
			tc_print(r.tool_calls);
	} else {
		if (json)
			out_json(mlm_result_json(&r), 1);
		warnmsg("%s: %s", mlm_kind_name(r.kind), r.msg);
		code = r.kind == MLM_INVALID_REQUEST ? EX_DATA : EX_NOENTRY;
	}
	mlm_result_free(&r);
	mlm_buf_free(&old);
	conv_unlock(lfd, lockname);
	return code;
}

/* ---- the interactive session ---- */

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct turn { mlm_result r; int done; };

static void
turn_done(void *u, mlm_result *r)
{
	struct turn *t = u;
	t->r = *r;
	t->r.text = mlm_strdup(r->text);
	t->r.attempts = jv_copy(r->attempts);
	t->done = 1;
}

static void
chat_delta(void *u, const mlm_entry *e, const char *text, size_t n)
{
	print_delta(u, e, text, n);
}

static int
save_history(jv hist, const char *file, const chat_opts *co)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", file, (long)getpid());
	/* holds the conversation: 0600, and never through a planted name */
	FILE *f = mlm_tmp_create(tmp);
	if (!f)
		return -1;
	if (co->system) {
		jv m = chat_append(jv_array(), "system", co->system);
		jv s = jv_dump_string(jv_array_get(m, 0), 0);
		fprintf(f, "%s\n", jv_string_value(s));
		jv_free(s);
	}
	jv_array_foreach(hist, i, m) {
		jv s = jv_dump_string(m, 0);
		fprintf(f, "%s\n", jv_string_value(s));
		jv_free(s);
	}
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, file)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Reads a conversation file into *hist (replaced); a system line becomes
 * *system. Returns 0, or with err (the history is then unchanged) -1 when
 * the file cannot be read, -2 when a line is bad. */
static int
load_history(const char *file, jv *hist, char **system, char *err, size_t errlen)
{
	int fd = file ? open(file, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return mlm_err(err, errlen, "cannot read %s: %s", file ? file : "(no file)",
		    file ? strerror(errno) : strerror(ENOENT));
	mlm_lines *r = mlm_lines_fd(fd, file, CHAT_LINE_MAX);
	jv h = chat_read_messages(r, jv_array(), err, errlen);
	mlm_lines_close(r);
	close(fd);
	if (!jv_is_valid(h))
		return -2;
	jv nh = jv_array();
	jv_array_foreach(h, i, m) {
		jv r = jv_object_get(jv_copy(m), jv_string("role"));
		if (!strcmp(jv_string_value(r), "system")) {
			jv c = jv_object_get(m, jv_string("content"));
			free(*system);
			*system = mlm_strdup(jv_string_value(c));
			jv_free(c);
		} else
			nh = jv_array_append(nh, m);
		jv_free(r);
	}
	jv_free(h);
	jv_free(*hist);
	*hist = nh;
	return 0;
}

/* -c FILE: the conversation so far is written to FILE after every answer */
static void
save_conversation(const char *file, jv hist, const chat_opts *co)
{
	char lockname[4200];
	int lfd = conv_lock(file, lockname, sizeof lockname);
	if (save_history(hist, file, co) < 0)
		printf("[cannot save to %s: %s]\n", file, strerror(errno));
	conv_unlock(lfd, lockname);
}

static const char chat_help[] =
"/model GLOB      only entries whose model matches (/model * for all)\n"
"/provider NAME   only entries of matching providers\n"
"/strategy NAME   smart, sequential, random, round-robin, weighted, least-busy, latency, headroom\n"
"/system TEXT     set the system prompt (/system alone clears it)\n"
"/retry           ask the last question again\n"
"/reset           forget the conversation\n"
"/save FILE       write the conversation as NDJSON messages\n"
"/load FILE       read a conversation from FILE\n"
"/history         show the conversation\n"
"/help            this list\n"
"/exit            leave (so does Ctrl-D); Ctrl-C cancels an answer in progress\n";

/* What chat_interactive's commands and turns change. */
struct chat_session {
	tool_pool *t;
	mlm_call_opts *o;
	chat_opts co;
	char *system, *model, *provider, *last_user;
	jv hist;
	const char *file;
};

/* -c FILE at the start: continue the file (its messages and system prompt
 * into *hist and *system); a missing one is started. The count of messages
 * read, -1 when there was no file to read. */
static int
chat_resume(const char *file, jv *hist, char **system)
{
	int loaded = -1;
	char err[MLM_ERRLEN], lockname[4200];
	int lfd = conv_lock(file, lockname, sizeof lockname);
	if (access(file, F_OK) == 0) {
		int r = load_history(file, hist, system, err, sizeof err);
		if (r < 0)
			die(r == -2 ? EX_DATA : EX_CONFIG_, "%s", err);
		loaded = jv_array_length(jv_copy(*hist));
	}
	conv_unlock(lfd, lockname);
	return loaded;
}

/* One /command line: -1 to leave, 1 to ask the last question again (/retry),
 * else 0. */
static int
chat_command(struct chat_session *cs, const char *input)
{
	int ask = 0;
	char cmd[32] = "";
	const char *arg = input + 1;
	size_t k = 0;
	while (*arg && *arg != ' ' && k < sizeof cmd - 1)
		cmd[k++] = *arg++;
	cmd[k] = 0;
	while (*arg == ' ')
		arg++;
	if (!strcmp(cmd, "exit") || !strcmp(cmd, "quit")) {
		return -1;
	} else if (!strcmp(cmd, "help")) {
		fputs(chat_help, stdout);
	} else if (!strcmp(cmd, "model")) {
		free(cs->model);
		cs->model = *arg && strcmp(arg, "*") ? mlm_strdup(arg) : NULL;
		cs->o->pick.model = cs->model;
		printf("model: %s\n", cs->model ? cs->model : "any");
	} else if (!strcmp(cmd, "provider")) {
		free(cs->provider);
		cs->provider = *arg && strcmp(arg, "*") ? mlm_strdup(arg) : NULL;
		cs->o->pick.provider = cs->provider;
		printf("provider: %s\n", cs->provider ? cs->provider : "any");
	} else if (!strcmp(cmd, "strategy")) {
		int s = mlm_strategy_parse(arg);
		if (s < 0)
			printf("unknown strategy '%s'\n", arg);
		else {
			mlm_sched_set_strategy(cs->t->sched, s);
			printf("strategy: %s\n", mlm_strategy_name(s));
		}
	} else if (!strcmp(cmd, "system")) {
		free(cs->system);
		cs->system = *arg ? mlm_strdup(arg) : NULL;
		printf("system prompt %s\n", cs->system ? "set" : "cleared");
	} else if (!strcmp(cmd, "reset")) {
		jv_free(cs->hist);
		cs->hist = jv_array();
		printf("conversation cleared\n");
	} else if (!strcmp(cmd, "history")) {
		if (cs->system)
			printf("[system] %s\n", cs->system);
		jv_array_foreach(cs->hist, i, m) {
			jv r = jv_object_get(jv_copy(m), jv_string("role"));
			jv c = jv_object_get(m, jv_string("content"));
			printf("[%s] %s\n", jv_string_value(r), jv_string_value(c));
			jv_free(r), jv_free(c);
		}
	} else if (!strcmp(cmd, "save")) {
		cs->co.system = cs->system;
		if (!*arg)
			printf("usage: /save FILE\n");
		else if (save_history(cs->hist, arg, &cs->co) < 0)
			printf("cannot save to %s: %s\n", arg, strerror(errno));
		else
			printf("saved %d messages to %s\n", jv_array_length(jv_copy(cs->hist)), arg);
	} else if (!strcmp(cmd, "load")) {
		char err[MLM_ERRLEN];
		if (load_history(*arg ? arg : NULL, &cs->hist, &cs->system, err, sizeof err) < 0)
			printf("%s\n", err);
		else
			printf("loaded %d messages from %s\n", jv_array_length(jv_copy(cs->hist)), arg);
	} else if (!strcmp(cmd, "retry")) {
		if (!cs->last_user)
			printf("nothing to retry\n");
		else {
			/* drop the last answer if the last turn had one */
			int n = jv_array_length(jv_copy(cs->hist));
			if (n >= 2) {
				jv lm = jv_array_get(jv_copy(cs->hist), n - 1);
				jv r = jv_object_get(lm, jv_string("role"));
				if (!strcmp(jv_string_value(r), "assistant"))
					cs->hist = jv_array_slice(cs->hist, 0, n - 2);
				jv_free(r);
			}
			ask = 1;
		}
	} else {
		printf("unknown command /%s (/help lists them)\n", cmd);
	}
	return ask;
}

/* One question (cs->last_user) asked with the conversation so far: the
 * answer streams out, and joins the conversation (saved to -c FILE) when
 * it came. */
static void
chat_turn(struct chat_session *cs)
{
	jv h = chat_append(jv_copy(cs->hist), "user", cs->last_user);
	cs->co.system = cs->system;
	jv req = chat_request(&cs->co, h);
	cs->o->pick.need_tokens = chat_need_tokens(cs->t, req, cs->co.max_tokens);
	struct turn tu;
	memset(&tu, 0, sizeof tu);
	at_start = 1;
	interrupted = 0;
	long id = mlm_engine_submit(cs->t->engine, req, cs->o, turn_done, chat_delta, &tu);
	while (!tu.done) {
		mlm_engine_run(cs->t->engine, 100);
		if (interrupted && !tu.done) {
			mlm_engine_cancel(cs->t->engine, id);
			mlm_engine_run(cs->t->engine, 0);
		}
	}
	tool_store_warn(cs->t);
	if (!at_start)
		putchar('\n');
	if (tu.r.ok) {
		cs->hist = chat_append(cs->hist, "user", cs->last_user);
		cs->hist = chat_append(cs->hist, "assistant", tu.r.text);
		printf("[%s]\n", tu.r.entry ? tu.r.entry->id : "?");
		if (cs->file)
			save_conversation(cs->file, cs->hist, &cs->co);
	} else if (interrupted) {
		printf("[cancelled; /retry asks again]\n");
	} else {
		printf("[failed: %s: %s; /retry asks again]\n", mlm_kind_name(tu.r.kind), tu.r.msg);
	}
	fflush(stdout);
	mlm_result_free(&tu.r);
}

int
chat_interactive(tool_pool *t, mlm_call_opts *o, const chat_opts *co0, const char *first,
    jv hist, const char *file)
{
	struct chat_session cs = { .t = t, .o = o, .co = *co0, .hist = hist, .file = file };
	cs.system = cs.co.system ? mlm_strdup(cs.co.system) : NULL;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	o->stream = 1;
	rl_readline_name = "llm-ask";
	using_history();
	const char *pending = first;
	int loaded = -1;
	if (file)
		loaded = chat_resume(file, &cs.hist, &cs.system);
	printf("llm-ask chat: %zu entries in the pool; /help for commands, Ctrl-D to leave\n",
	    t->pool.n);
	if (loaded >= 0)
		printf("continuing %s: %d messages\n", file, loaded);
	else if (file)
		printf("saving to %s\n", file);
	fflush(stdout);
	for (;;) {
		char *line = NULL;
		const char *input;
		if (pending) {
			input = pending;
			pending = NULL;
		} else {
			interrupted = 0;
			line = readline("> ");
			if (!line) {
				if (interrupted) {
					putchar('\n');
					continue;
				}
				putchar('\n');
				break;
			}
			input = line;
			while (*input == ' ')
				input++;
			if (!*input) {
				free(line);
				continue;
			}
			add_history(input);
		}
		if (input[0] == '/') {
			int ask = chat_command(&cs, input);
			if (ask < 0) {
				free(line);
				break;
			}
			if (!ask) {
				free(line);
				fflush(stdout);
				continue;
			}
		} else {
			free(cs.last_user);
			cs.last_user = mlm_strdup(input);
		}
		free(line);
		chat_turn(&cs);
	}
	jv_free(cs.hist);
	free(cs.system), free(cs.model), free(cs.provider), free(cs.last_user);
	return 0;
}
