/*
 * llm-ask — ask the pool one question, with failover.
 *
 * The prompt is the arguments; when stdin is not a terminal its text is
 * appended. Prints the answer (streamed to a terminal), or with --json one
 * result record. -c FILE holds a conversation as NDJSON messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "tool.h"
#include "chat.h"
#include "fmt.h"
#include "attach.h"
#include "tool-calls.h"

#define PROMPT_MAX (8u << 20)

static const char usage_text[] =
"usage: llm-ask [-hiv] [-c file] [-m glob] [-p name] [-s text] [-t temp]\n"
"               [--env file] [--pool file] [--strategy name] [--max-tokens n]\n"
"               [--timeout dur] [--retries n] [--max-wait dur] [--json] [--stream | --no-stream]\n"
"               [--messages] [--schema spec [--to format] [--multi]] [--attach file]\n"
"               [--tools file [--tool-choice choice]] [--log file] [prompt ...]\n";

static void
usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	if (!code)
		fputs("\n"
"Ask the pool one question, with failover. The prompt is the arguments; text\n"
"on a non-terminal stdin is appended.\n\n"
"  -s, --system TEXT       system prompt\n"
"  -m, --model GLOB        only entries whose model matches\n"
"  -p, --provider GLOB     only entries of matching providers\n"
"      --strategy NAME     smart, sequential, random, round-robin, weighted,\n"
"                          least-busy, latency, headroom\n"
"  -t, --temperature T     sampling temperature (0 to 2)\n"
"      --max-tokens N      output cap\n"
"      --timeout DUR       per-attempt time limit (e.g. 30, 90s, 2m)\n"
"      --retries N         at most N attempts (default 10)\n"
"      --max-wait DUR      longest wait for a cooling entry (default 2m)\n"
"      --env FILE          read variables from FILE too (over ./.env)\n"
"      --pool FILE         read the pool from FILE (or LLM_POOL)\n"
"      --json              print one result record instead of the text\n"
"      --stream            print the answer as it arrives (default on a terminal)\n"
"      --no-stream         print the answer when complete\n"
"  -c, --conversation FILE keep the dialogue in FILE (NDJSON messages; with -i too)\n"
"      --messages          read the conversation (NDJSON messages) from stdin\n"
"  -i, --chat              interactive session on a terminal\n"
"      --schema SPEC       answer in this schema (DSL, JSON Schema, C struct,\n"
"                          or @FILE); validated, re-asked, failed over\n"
"      --to FORMAT         print the data as json (default), c, c-decl, c-value,\n"
"                          sh, tsv, csv, py, go, rs, ts (as llm-fmt --to)\n"
"      --multi             the answer holds many items of the schema\n"
"      --attach FILE       attach an image (PNG, JPEG, GIF, WebP) or PDF to the\n"
"                          prompt, or a data: or http(s) URL; repeatable\n"
"      --tools FILE        offer the functions of FILE (a JSON array); an answer\n"
"                          that calls them prints one JSON line per call\n"
"      --tool-choice C     auto (default), none, required, or a tool's name\n"
"      --log FILE          append one NDJSON line per attempt (or LLM_LOG)\n"
"  -v, --verbose           one stderr line per attempt and decision\n"
"      --version           print the name and version, and exit\n"
"  -h, --help              this help\n\n"
"Exit status: 0 answered, 2 usage, 65 bad input, 69 no entry could answer,\n"
"78 configuration.\n", stdout);
	exit(code);
}

enum { O_MAXTOK = 256, O_TIMEOUT, O_RETRIES, O_MAXWAIT, O_JSON,
	O_STREAM, O_NOSTREAM, O_MESSAGES, O_SCHEMA, O_TO, O_MULTI, O_ATTACH, O_TOOLS, O_TOOLCHOICE };

static const struct option longopts[] = {
	TOOL_POOL_OPTIONS,
	TOOL_POOL_FILE_OPTIONS,
	{ "attach", required_argument, NULL, O_ATTACH },
	{ "chat", no_argument, NULL, 'i' },
	{ "conversation", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, O_JSON },
	{ "max-tokens", required_argument, NULL, O_MAXTOK },
	{ "messages", no_argument, NULL, O_MESSAGES },
	{ "multi", no_argument, NULL, O_MULTI },
	{ "no-stream", no_argument, NULL, O_NOSTREAM },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "max-wait", required_argument, NULL, O_MAXWAIT },
	{ "schema", required_argument, NULL, O_SCHEMA },
	{ "stream", no_argument, NULL, O_STREAM },
	{ "system", required_argument, NULL, 's' },
	{ "temperature", required_argument, NULL, 't' },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "to", required_argument, NULL, O_TO },
	{ "tool-choice", required_argument, NULL, O_TOOLCHOICE },
	{ "tools", required_argument, NULL, O_TOOLS },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int shown_any;       /* streamed text was printed */
static int at_line_start = 1;

static void
on_delta(void *u, const mlm_entry *e, const char *text, size_t n)
{
	if (!text) {
		/* the stream was cut after output: say so, start again below */
		fflush(stdout);
		if (!at_line_start)
			fputc('\n', stdout);
		fflush(stdout);
		warnmsg("stream from %s was cut; asking another entry", e->id);
		at_line_start = 1;
		return;
	}
	if (fwrite(text, 1, n, stdout) != n || fflush(stdout) == EOF) {
		if (errno == EPIPE) {
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		die(EX_SOMEFAIL, "write error on standard output: %s", strerror(errno));
	}
	shown_any = 1;
	at_line_start = n && text[n - 1] == '\n';
}

/* the options */
static struct {
	const char *system, *conv_file, *schema_spec, *tools_file, *tool_choice;
	jv attached;            /* --attach: URLs, data URLs of files */
	double temp;
	long max_tokens, timeout_ms, retries, max_wait;
	int json, stream, messages, chat, multi, to;
} opt = { .temp = -1, .max_wait = -1, .stream = -1, .to = -1 };

static void
parse_options(tool_pool *t, int argc, char **argv)
{
	int c;
	opt.attached = jv_array();
	opterr = 0;     /* a bad option is one line of our own, not getopt's + usage */
	while ((c = getopt_long(argc, argv, ":c:him:p:s:t:v", longopts, NULL)) != -1) {
		if (tool_pool_opt(t, c, optarg))
			continue;
		switch (c) {
		case 'c': opt.conv_file = optarg; break;
		case 'h': usage(0); break;
		case O_VERSION: tool_version();
		case 'i': opt.chat = 1; break;
		case 's': opt.system = optarg; break;
		case 't': opt.temp = opt_double("--temperature", optarg, 0, 2); break;
		case O_MAXTOK: opt.max_tokens = opt_long("--max-tokens", optarg, 1, 10000000); break;
		case O_TIMEOUT: opt.timeout_ms = opt_duration_ms("--timeout", optarg); break;
		case O_RETRIES: opt.retries = opt_long("--retries", optarg, 1, 1000); break;
		case O_MAXWAIT: opt.max_wait = opt_duration_ms("--max-wait", optarg); break;
		case O_JSON: opt.json = 1; break;
		case O_STREAM: opt.stream = 1; break;
		case O_NOSTREAM: opt.stream = 0; break;
		case O_MESSAGES: opt.messages = 1; break;
		case O_SCHEMA: opt.schema_spec = optarg; break;
		case O_MULTI: opt.multi = 1; break;
		case O_ATTACH: {        /* read now: a bad file is known before any request */
			char err[MLM_ERRLEN], *url;
			int r = attach_url(optarg, &url, err, sizeof err);
			if (r < 0)
				die(r == -2 ? EX_DATA : EX_USAGE_, "--attach: %s", err);
			opt.attached = jv_array_append(opt.attached, jv_string(url));
			free(url);
			break;
		}
		case O_TOOLS: opt.tools_file = optarg; break;
		case O_TOOLCHOICE: opt.tool_choice = optarg; break;
		case O_TO:
			if ((opt.to = mlm_fmt_to_parse(optarg)) < 0)
				die(EX_USAGE_, "--to: unknown format '%s' (json, c, c-decl, c-value, sh, "
				    "tsv, csv, py, go, rs, ts)", optarg);
			break;
		case ':':
			die(EX_USAGE_, "%s: missing argument (see llm-ask --help)", argv[optind - 1]);
		default:
			if (optopt)
				die(EX_USAGE_, "-%c: unknown option (see llm-ask --help)", optopt);
			die(EX_USAGE_, "%s: unknown option (see llm-ask --help)", argv[optind - 1]);
		}
	}
}

/* The options that do not go together (2); the schema's emitter. */
static mlm_emitter *
check_options(const tool_pool *t, mlm_schema **schema)
{
	if (t->strategy)
		tool_strategy("--strategy", t->strategy, EX_USAGE_);
	if (opt.messages && opt.conv_file)
		die(EX_USAGE_, "--messages and --conversation cannot be used together");
	if ((opt.to >= 0 || opt.multi) && !opt.schema_spec)
		die(EX_USAGE_, "--to and --multi go with --schema");
	if (jv_array_length(jv_copy(opt.attached)) && (opt.chat || opt.conv_file))
		die(EX_USAGE_, "--attach does not go with --chat or --conversation");
	if (opt.schema_spec && (opt.chat || opt.conv_file))
		die(EX_USAGE_, "--schema does not go with --chat or --conversation");
	if (opt.tool_choice && !opt.tools_file)
		die(EX_USAGE_, "--tool-choice goes with --tools");
	if (opt.tools_file && (opt.schema_spec || opt.chat))
		die(EX_USAGE_, "--tools does not go with --schema or --chat");
	*schema = opt.schema_spec ? tool_load_schema(opt.schema_spec) : NULL;
	mlm_emitter *emit = NULL;
	if (*schema && !opt.json) {
		char err[MLM_ERRLEN];
		mlm_emit_opts eo = { .to = opt.to >= 0 ? opt.to : MLM_TO_JSON };
		emit = mlm_fmt_emitter_new(*schema, &eo, err, sizeof err);
		if (!emit)
			die(EX_USAGE_, "--to: %s", err);
	}
	return emit;
}

/* The prompt: arguments, then stdin when it is not a terminal; with
 * --messages, stdin is the history (into *history). */
static void
read_prompt(mlm_buf *prompt, jv *history, int argc, char **argv)
{
	prompt->max = PROMPT_MAX;
	if (mlm_buf_add(prompt, "", 0) < 0)
		die(EX_SOMEFAIL, "out of memory");
	for (int i = 0; i < argc; i++) {
		if ((i && mlm_buf_add(prompt, " ", 1) < 0) || mlm_buf_puts(prompt, argv[i]) < 0)
			die(EX_USAGE_, "the prompt is larger than %u bytes", PROMPT_MAX);
	}
	*history = jv_array();
	int in_tty = isatty(0);
	if (opt.messages) {
		char err[MLM_ERRLEN];
		mlm_lines *r = mlm_lines_fd(0, "<stdin>", CHAT_LINE_MAX);
		jv_free(*history);
		*history = chat_read_messages(r, jv_array(), err, sizeof err);
		mlm_lines_close(r);
		if (!jv_is_valid(*history))
			die(EX_DATA, "%s", err);
	} else if (!in_tty && !opt.chat) {
		size_t n;
		char *s = slurp(stdin, PROMPT_MAX, &n);
		if (!s)
			die(EX_DATA, "<stdin>: input larger than %u bytes", PROMPT_MAX);
		if (memchr(s, 0, n))
			die(EX_DATA, "<stdin>: NUL byte in the prompt");
		if (n) {
			if ((prompt->len && mlm_buf_puts(prompt, "\n\n") < 0) || mlm_buf_add(prompt, s, n) < 0)
				die(EX_DATA, "the prompt is larger than %u bytes", PROMPT_MAX);
		}
		free(s);
	}
	if (!opt.chat && !opt.messages && !opt.conv_file && prompt->len == 0 &&
	    !jv_array_length(jv_copy(opt.attached))) {
		if (in_tty && argc == 0)
			usage(2);
		die(EX_USAGE_, "empty prompt");
	}
}

/* The call options from the command line. */
static void
call_options(const tool_pool *t, mlm_call_opts *o, mlm_schema *schema)
{
	mlm_call_opts_init(o);
	o->verbose = t->verbose;
	if (opt.timeout_ms)
		o->total_ms = o->first_byte_ms = opt.timeout_ms;
	if (opt.retries)
		o->max_attempts = (int)opt.retries;
	if (opt.max_wait >= 0)
		o->max_wait_ms = opt.max_wait;
	if (opt.stream < 0)
		opt.stream = !opt.json && !schema && isatty(1);
	if (schema)
		opt.stream = 0;     /* the answer is validated whole */
	o->stream = opt.stream;
	o->schema = schema;
	o->multi = opt.multi;
}

/* --to: the answer's data in the chosen language. */
static void
print_data(mlm_emitter *emit, const mlm_result *r)
{
	char err[MLM_ERRLEN];
	mlm_buf b = { 0 };
	int bad = mlm_fmt_emit_begin(emit, &b, err, sizeof err) < 0;
	if (opt.multi && jv_get_kind(r->data) == JV_KIND_ARRAY) {
		jv_array_foreach(r->data, k, v) {
			bad = bad || mlm_fmt_emit_value(emit, v, &b, err, sizeof err) < 0;
			jv_free(v);
		}
	} else {
		bad = bad || mlm_fmt_emit_value(emit, r->data, &b, err, sizeof err) < 0;
	}
	bad = bad || mlm_fmt_emit_end(emit, &b, err, sizeof err) < 0;
	if (bad)
		die(EX_DATA, "--to: %s", err);
	if (b.len && fwrite(b.p, 1, b.len, stdout) != b.len)
		die(EX_SOMEFAIL, "write error on standard output");
	mlm_buf_free(&b);
}

/* The result: the record (--json), the data (--schema), or the text; the exit code. */
static int
print_result(mlm_result *r, mlm_emitter *emit)
{
	if (opt.json) {
		out_json(mlm_result_json(r), 1);
	} else if (r->ok && emit) {
		print_data(emit, r);
	} else if (r->ok && jv_is_valid(r->tool_calls)) {
		if (opt.stream && !at_line_start)       /* text that came before the calls */
			out_line("", 0, 1);
		tc_print(r->tool_calls);
	} else if (r->ok) {
		if (opt.stream) {
			if (!at_line_start || !shown_any)
				out_line("", 0, 1);
		} else {
			out_line(r->text, strlen(r->text), 1);
		}
	}
	if (!r->ok) {
		warnmsg("%s: %s", mlm_kind_name(r->kind), r->msg);
		return r->kind == MLM_INVALID_REQUEST ? EX_DATA : EX_NOENTRY;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	prog = "llm-ask";
	/* the keys are in this process's memory: never in a core file */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	tool_pool t = { 0 };
	parse_options(&t, argc, argv);
	argc -= optind;
	argv += optind;
	mlm_schema *schema;
	mlm_emitter *emit = check_options(&t, &schema);
	jv tools = opt.tools_file ? tc_load(opt.tools_file) : jv_invalid();
	jv tchoice = opt.tool_choice ? tc_choice(opt.tool_choice, tools) : jv_invalid();
	mlm_buf prompt = { 0 };
	jv history;
	read_prompt(&prompt, &history, argc, argv);

	tool_pool_open(&t);
	mlm_call_opts o;
	call_options(&t, &o, schema);
	chat_opts co = { .system = opt.system, .temperature = opt.temp, .max_tokens = opt.max_tokens,
		.tools = tools, .tool_choice = tchoice };
	if (opt.chat || opt.conv_file)
		jv_free(opt.attached);  /* empty: --attach goes with neither */
	if (opt.chat) {
		int r = chat_interactive(&t, &o, &co, prompt.len ? prompt.p : NULL, history, opt.conv_file);
		mlm_buf_free(&prompt);
		tool_pool_close(&t);
		return r;
	}
	if (opt.conv_file) {
		jv_free(history);
		int r = chat_conversation_file(&t, &o, &co, opt.conv_file, prompt.p, opt.json);
		jv_free(tools), jv_free(tchoice);
		mlm_buf_free(&prompt);
		tool_pool_close(&t);
		out_close();
		return r;
	}

	jv req;
	if (opt.messages) {
		if (prompt.len)
			history = chat_append(history, "user", prompt.p);
		req = chat_request(&co, history);
	} else {
		jv_free(history);
		req = chat_request(&co, chat_append(jv_array(), "user", prompt.p));
	}
	req = jv_object_set(req, jv_string("messages"),       /* --attach: on the last message */
	    attach_to_last(jv_object_get(jv_copy(req), jv_string("messages")), opt.attached));
	o.pick.need_tokens = chat_need_tokens(&t, req, opt.max_tokens);
	mlm_result r;
	/* with --json the record is the only output: no streamed text before it */
	mlm_call(t.engine, req, &o, opt.stream && !opt.json ? on_delta : NULL, NULL, &r);
	tool_store_warn(&t);
	int code = print_result(&r, emit);
	mlm_result_free(&r);
	mlm_buf_free(&prompt);
	tool_pool_close(&t);
	mlm_fmt_emitter_free(emit);
	if (schema)
		tool_free_schema(schema);
	jv_free(tools), jv_free(tchoice);
	out_close();
	return code;
}
