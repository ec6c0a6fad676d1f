/*
 * llm-fmt — turn free-form model output into typed data: extract, repair,
 * validate and coerce against a schema, then print JSON, C, sh, TSV, CSV,
 * Python, Go, Rust or TypeScript. See llm-fmt(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "lines.h"
#include "tool.h"

#define MAX_LINE  (16u << 20)
#define MAX_WHOLE (64u << 20)

enum {
	O_EXTRA = 256, O_CNUL, O_ASCII, O_UPPER, O_RAW, O_LINES,
};

static const struct option longopts[] = {
	{"ascii", no_argument, NULL, O_ASCII},
	{"c-nul", required_argument, NULL, O_CNUL},
	{"emit-schema", required_argument, NULL, 'e'},
	{"extra-keys", required_argument, NULL, O_EXTRA},
	{"header", no_argument, NULL, 'H'},
	{"help", no_argument, NULL, 'h'},
	{"keep-going", no_argument, NULL, 'k'},
	{"level", required_argument, NULL, 'L'},
	{"lines", no_argument, NULL, O_LINES},
	{"multi", no_argument, NULL, 'M'},
	{"name", required_argument, NULL, 'n'},
	{"prefix", required_argument, NULL, 'P'},
	{"raw", no_argument, NULL, O_RAW},
	{"repair", required_argument, NULL, 'r'},
	{"schema", required_argument, NULL, 'S'},
	{"to", required_argument, NULL, 'T'},
	{"upper", no_argument, NULL, O_UPPER},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, O_VERSION},
	{"whole", no_argument, NULL, 'w'},
	{NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage: llm-fmt [-HhkMvw] -S SPEC [-e jsonschema|openai|gemini|dsl] [-L strict|safe|lenient]\n"
    "               [-n NAME] [-P PREFIX] [-r none|safe|aggressive] [-T FORMAT] [--ascii]\n"
    "               [--c-nul error|escape] [--extra-keys drop|error|keep] [--lines] [--raw]\n"
    "               [--upper]\n"
    "               [FILE]...\n";

static const char help_text[] =
    "Extract, repair, validate and convert model output to typed data.\n"
    "\n"
    "  -S, --schema SPEC        the schema: DSL ('name, age int, tags [str]'), JSON Schema\n"
    "                           ('{...}'), C declarations ('struct x {...};'), or @FILE\n"
    "  -T, --to FORMAT          json (default), c, c-decl, c-value, sh, tsv, csv, py, go, rs, ts\n"
    "  -n, --name NAME          type name for c, go, rs, ts, py (default llm_result)\n"
    "  -P, --prefix PREFIX      variable prefix for sh (default LLM_)\n"
    "  -M, --multi              the schema describes one item; the answer holds many\n"
    "  -w, --whole              read each FILE (or stdin) as one text\n"
    "      --lines              read one text per line\n"
    "                           (default: one text per line when the first line holds a\n"
    "                           whole value or record, else the input is one text)\n"
    "      --raw                every line is model text, even one that looks like a record\n"
    "  -L, --level LEVEL        coercion: strict, safe (default), lenient\n"
    "  -r, --repair TIER        repairs: none, safe (default), aggressive\n"
    "      --extra-keys MODE    keys not in the schema: drop (default), error, keep\n"
    "  -k, --keep-going         report a failed record and go on (exit 1 at the end)\n"
    "  -H, --header             tsv, csv: write a header line\n"
    "  -e, --emit-schema D      print the schema as jsonschema, openai, gemini or dsl; exit\n"
    "      --c-nul MODE         c: a NUL in a string is an error, or escape (adds NAME_len)\n"
    "      --ascii              c: write bytes >= 0x80 as octal escapes\n"
    "      --upper              sh: upper-case variable names\n"
    "  -v, --verbose            print every repair and coercion to stderr\n"
    "      --version            print the name and version, and exit\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 ok, 1 some records failed, 2 usage or schema error, 65 bad input data.\n";

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(EX_USAGE_);
}

/* An unknown option; the letters that moved so that a letter means one
 * thing in every tool (-s is --system in llm-ask and llm-map) are named. */
static void
bad_option(int opt, const char *arg)
{
	static const char moved[] = "stmpl", *to[] = { "-S, --schema", "-T, --to", "-M, --multi",
		"-P, --prefix", "-L, --level" };
	const char *m = opt ? strchr(moved, opt) : NULL;
	if (m)
		die(EX_USAGE_, "-%c: unknown option; did you mean %s? (see llm-fmt --help)", opt,
		    to[m - moved]);
	if (opt)
		die(EX_USAGE_, "-%c: unknown option (see llm-fmt --help)", opt);
	die(EX_USAGE_, "%s: unknown option (see llm-fmt --help)", arg);
}

static struct {
	mlm_schema *schema;      /* as given */
	const mlm_schema *item;  /* what one emitted value is */
	int split;               /* values are arrays to emit item by item */
	mlm_fmt_opts fo;
	mlm_emit_opts eo;
	mlm_emitter *em;
	int keep_going, verbose, whole, lines, raw;
	int hold;                /* the output has a header: written whole at the end, or not at all */
	mlm_buf held;
	long failed;
	long ordinal;            /* texts seen, for "i" of raw texts */
} g;

static void
emit_buf(mlm_buf *b)
{
	if (b->len == 0)
		return;
	size_t n = b->len;
	if (g.hold) {
		if (mlm_buf_add(&g.held, b->p, n) < 0 || (b->p[n - 1] != '\n' && mlm_buf_add(&g.held, "\n", 1) < 0))
			die(EX_SOMEFAIL, "out of memory");
		mlm_buf_reset(b);
		return;
	}
	if (b->p[n - 1] == '\n')
		n--;
	out_line(b->p, n, 0);
	mlm_buf_reset(b);
}

static char *
read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(EX_USAGE_, "--schema: %s: %s", path, strerror(errno));
	size_t len;
	char *s = slurp(f, max, &len);
	fclose(f);
	if (!s)
		die(EX_USAGE_, "--schema: %s: too large", path);
	if (strlen(s) != len)
		die(EX_USAGE_, "--schema: %s: holds a NUL byte", path);
	return s;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static mlm_schema *
load_schema(const char *spec, const char *name)
{
	char err[MLM_ERRLEN];
	char *text = NULL;
	const char *src = spec;
	struct stat st;
	if (spec[0] == '@')
		src = text = read_file(spec + 1, 8u << 20);
	else if (!strchr(spec, '\n') && (ends_with(spec, ".json") || ends_with(spec, ".h") ||
	    ends_with(spec, ".c") || ends_with(spec, ".dsl")) && stat(spec, &st) == 0 && S_ISREG(st.st_mode))
		src = text = read_file(spec, 8u << 20);
	mlm_schema *s = NULL;
	const char *p = src;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (name && (!strncmp(p, "struct", 6) || !strncmp(p, "typedef", 7) || !strncmp(p, "#", 1) ||
	    !strncmp(p, "/", 1) || !strncmp(p, "enum", 4))) {
		s = mlm_schema_parse_c(p, name, err, sizeof err);
		if (!s && strstr(err, "is not defined"))
			s = NULL;
		else if (!s)
			die(EX_USAGE_, "--schema: %s", err);
	}
	if (!s)
		s = mlm_schema_parse(src, err, sizeof err);
	if (!s)
		die(EX_USAGE_, "--schema: %s", err);
	free(text);
	return s;
}

/* a one-line message for the place: "FILE:LINE" or "FILE" */
static void
place(char *b, size_t n, const char *file, long line)
{
	if (g.whole)
		snprintf(b, n, "%s", file);
	else
		snprintf(b, n, "%s:%ld", file, line);
}

static void
print_diag(jv diag, const char *where, int all)
{
	jv_array_foreach(diag, k, d) {
		jv kind = jv_object_get(jv_copy(d), jv_string("kind"));
		jv code = jv_object_get(jv_copy(d), jv_string("code"));
		jv msg = jv_object_get(jv_copy(d), jv_string("message"));
		const char *ks = jv_string_value(kind), *cs = jv_string_value(code);
		int show = (all && strcmp(ks, "error")) || !strcmp(cs, "truncated") || !strcmp(cs, "ambiguous");
		if (show)
			warnmsg("%s: %s %s: %s", where, ks, cs, jv_string_value(msg));
		jv_free(kind);
		jv_free(code);
		jv_free(msg);
		jv_free(d);
	}
}

/* one failed record */
static void
fail_record(const char *where, jv i, jv id, const char *msg)
{
	g.failed++;
	if (g.keep_going && g.eo.to == MLM_TO_JSON) {
		jv r = jv_object();
		if (jv_is_valid(i))
			r = jv_object_set(r, jv_string("i"), jv_copy(i));
		if (jv_is_valid(id))
			r = jv_object_set(r, jv_string("id"), jv_copy(id));
		r = jv_object_set(r, jv_string("ok"), jv_false());
		jv e = jv_object();
		e = jv_object_set(e, jv_string("kind"), jv_string("invalid_output"));
		e = jv_object_set(e, jv_string("message"), jv_string(msg));
		r = jv_object_set(r, jv_string("error"), e);
		out_json(r, 0);
	} else
		warnmsg("%s: %s", where, msg);
	if (!g.keep_going) {
		/* a held header and the rows before are dropped: no half-written file */
		out_close();
		exit(EX_DATA);
	}
}

/* emits one validated value (borrowed); returns 0 or -1 with err */
static int
emit_one(jv v, jv i, jv id, int rec, int item, char *err, size_t errlen)
{
	mlm_buf b = {0};
	int r = 0;
	if (g.eo.to == MLM_TO_JSON && rec) {
		jv o = jv_object();
		if (jv_is_valid(i))
			o = jv_object_set(o, jv_string("i"), jv_copy(i));
		if (jv_is_valid(id))
			o = jv_object_set(o, jv_string("id"), jv_copy(id));
		if (item >= 0)
			o = jv_object_set(o, jv_string("item"), jv_number(item));
		o = jv_object_set(o, jv_string("ok"), jv_true());
		o = jv_object_set(o, jv_string("data"), jv_copy(v));
		out_json(o, 0);
		return 0;
	}
	r = mlm_fmt_emit_value(g.em, v, &b, err, errlen);
	if (r == 0)
		emit_buf(&b);
	mlm_buf_free(&b);
	return r;
}

static void
do_text(const char *text, size_t len, const char *file, long line, jv i, jv id, int rec)
{
	char where[600], err[MLM_ERRLEN];
	place(where, sizeof where, file, line);
	jv out, diag;
	int r = mlm_fmt_extract(g.schema, text, len, &g.fo, &out, &diag, err, sizeof err);
	print_diag(diag, where, g.verbose);
	jv_free(diag);
	if (r < 0) {
		jv_free(out);
		fail_record(where, i, id, err);
		return;
	}
	if (g.split && jv_get_kind(out) == JV_KIND_ARRAY) {
		/* check every item first: a record is emitted whole or not at all */
		mlm_buf all = {0};
		int bad = 0;
		if (g.eo.to != MLM_TO_JSON || !rec) {
			jv_array_foreach(out, k, x) {
				if (!bad && mlm_fmt_emit_value(g.em, x, &all, err, sizeof err) < 0) {
					char tmp[MLM_ERRLEN];
					snprintf(tmp, sizeof tmp, "%s", err);
					snprintf(err, sizeof err, "$[%d]%s%.480s", k, tmp[0] == '$' ? "" : ": ", tmp[0] == '$' ? tmp + 1 : tmp);
					bad = 1;
				}
				jv_free(x);
			}
			if (!bad)
				emit_buf(&all);
		} else {
			jv_array_foreach(out, k, x) {
				emit_one(x, i, id, rec, k, err, sizeof err);
				jv_free(x);
			}
		}
		mlm_buf_free(&all);
		jv_free(out);
		if (bad)
			fail_record(where, i, id, err);
		return;
	}
	if (emit_one(out, i, id, rec, -1, err, sizeof err) < 0)
		fail_record(where, i, id, err);
	jv_free(out);
}

static void
do_line(const char *s, size_t n, const char *file, long line)
{
	/* a result record: {"ok":true,"text":...} or {"ok":false,"error":...} */
	if (!g.raw && n > 0 && s[0] == '{' && memmem(s, n, "\"ok\"", 4)) {
		jv rec;
		char perr[MLM_ERRLEN];
		if (mlm_fmt_parse_json(s, n, &rec, perr, sizeof perr) < 0)
			rec = jv_invalid();
		jv ok = jv_get_kind(rec) == JV_KIND_OBJECT ? jv_object_get(jv_copy(rec), jv_string("ok")) : jv_invalid();
		int isrec = 0;
		if (jv_get_kind(ok) == JV_KIND_TRUE) {
			jv t = jv_object_get(jv_copy(rec), jv_string("text"));
			isrec = jv_get_kind(t) == JV_KIND_STRING;
			jv_free(t);
		} else if (jv_get_kind(ok) == JV_KIND_FALSE)
			isrec = jv_object_has(jv_copy(rec), jv_string("error"));
		if (isrec) {
			jv i = jv_object_get(jv_copy(rec), jv_string("i"));
			jv id = jv_object_get(jv_copy(rec), jv_string("id"));
			jv text = jv_object_get(jv_copy(rec), jv_string("text"));
			if (!jv_is_valid(i) || jv_get_kind(i) == JV_KIND_NULL) {
				jv_free(i);
				i = jv_invalid();
			}
			if (!jv_is_valid(id) || jv_get_kind(id) == JV_KIND_NULL) {
				jv_free(id);
				id = jv_invalid();
			}
			char where[600];
			place(where, sizeof where, file, line);
			if (jv_get_kind(ok) == JV_KIND_FALSE) {
				/* an upstream failure passes through */
				g.failed++;
				if (g.eo.to == MLM_TO_JSON)
					out_json(jv_copy(rec), 0);
				jv e = jv_object_get(jv_copy(rec), jv_string("error"));
				jv m = jv_get_kind(e) == JV_KIND_OBJECT ? jv_object_get(e, jv_string("message")) : (jv_free(e), jv_invalid());
				warnmsg("%s: upstream failure: %s", where,
				    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "(no message)");
				jv_free(m);
			} else {
				do_text(jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)), file, line,
				    i, id, 1);
			}
			jv_free(text);
			jv_free(i);
			jv_free(id);
			jv_free(ok);
			jv_free(rec);
			g.ordinal++;
			return;
		}
		jv_free(ok);
		jv_free(rec);
	}
	jv i = jv_number((double)g.ordinal++);
	do_text(s, n, file, line, i, jv_invalid(), 0);
	jv_free(i);
}

/* A line that is a result record, or holds a whole value by itself (not one
 * the repairs would have to close): the input is then one text per line. */
static int
holds_value(const char *s, size_t n)
{
	if (!g.raw && s[0] == '{' && memmem(s, n, "\"ok\"", 4))
		return 1;
	jv out = jv_invalid(), diag = jv_invalid();
	char err[MLM_ERRLEN];
	int ok = mlm_fmt_repair(s, n, MLM_FMT_REPAIR_SAFE, &out, &diag, err, sizeof err) == 0;
	if (ok && jv_get_kind(diag) == JV_KIND_ARRAY) {
		jv_array_foreach(diag, k, d) {
			jv c = jv_object_get(d, jv_string("code"));
			if (jv_get_kind(c) == JV_KIND_STRING && !strcmp(jv_string_value(c), "truncated"))
				ok = 0;
			jv_free(c);
		}
	}
	jv_free(out);
	jv_free(diag);
	return ok;
}

/* l's bytes as read (text, then its CR and LF) after what b holds; -1
 * when the whole would pass b's cap (MAX_WHOLE) */
static int
add_read_bytes(mlm_buf *b, const mlm_line *l)
{
	if (l->toolong || mlm_buf_add(b, l->text, l->len) < 0 ||
	    (l->cr && mlm_buf_add(b, "\r", 1) < 0) || (l->nl && mlm_buf_add(b, "\n", 1) < 0))
		return -1;
	return 0;
}

/* The input as one text: what was read already (pre, consumed), then the
 * rest of r. */
static void
whole_rest(mlm_lines *r, mlm_buf *pre)
{
	const char *name = mlm_lines_name(r);
	char err[MLM_ERRLEN];
	mlm_line l;
	int rc = 0, over = pre->over;
	while (!over && (rc = mlm_lines_next(r, &l, err, sizeof err)) == 1)
		over = add_read_bytes(pre, &l) < 0;
	if (!over && rc < 0)
		die(EX_DATA, "%s: read error: %s", name, strerror(errno));
	int was = g.whole;
	g.whole = 1;        /* messages name the file, not a line */
	jv i = jv_number((double)g.ordinal++);
	if (over)
		fail_record(name, i, jv_invalid(), "input larger than 64 MiB");
	else
		do_text(pre->p ? pre->p : "", pre->len, name, 1, i, jv_invalid(), 0);
	jv_free(i);
	mlm_buf_free(pre);
	g.whole = was;
}

/* One text per line from here on, or (the first line that is not empty
 * holds no whole value) the whole input as one text. 1: lines; 0: the
 * input was read whole. */
static int
decide_form(mlm_lines *r, const mlm_line *l, mlm_buf *seen)
{
	const char *name = mlm_lines_name(r);
	if (l->toolong || !holds_value(l->text, l->len)) {
		if (g.verbose)
			warnmsg("%s: one text (its first line holds no whole value; --lines for "
			    "one text per line)", name);
		whole_rest(r, seen);
		return 0;
	}
	if (g.verbose)
		warnmsg("%s: one text per line (the first line holds a whole value or record; "
		    "-w for one text)", name);
	mlm_buf_free(seen);
	return 1;
}

/* one input through the record reader: lines (the one CR/LF rule of
 * lines.h), or one text */
static void
do_input(mlm_lines *r)
{
	mlm_buf seen = { .max = MAX_WHOLE };   /* the bytes read before the input's form is known */
	if (g.whole) {
		whole_rest(r, &seen);
		return;
	}
	const char *name = mlm_lines_name(r);
	char err[MLM_ERRLEN], where[600];
	int decided = g.lines, rc;
	mlm_line l;
	while ((rc = mlm_lines_next(r, &l, err, sizeof err)) == 1) {
		if (!decided && add_read_bytes(&seen, &l) < 0)
			seen.over = 1;
		if (l.len == 0 && !l.toolong)
			continue;
		if (!decided) {
			decided = 1;
			if (!decide_form(r, &l, &seen))
				return;
		}
		if (l.toolong || l.len > MAX_LINE) {
			place(where, sizeof where, name, l.lineno);
			jv i = jv_number((double)g.ordinal++);
			fail_record(where, i, jv_invalid(), "line longer than 16 MiB");
			jv_free(i);
			continue;
		}
		do_line(l.text, l.len, name, l.lineno);
	}
	mlm_buf_free(&seen);
	if (rc < 0)
		die(EX_DATA, "%s: read error: %s", name, strerror(errno));
}

/* one input ("-": standard input); one that cannot be opened is a failed
 * input */
static void
run_one(const char *path)
{
	char err[MLM_ERRLEN];
	mlm_lines *r = mlm_lines_open(path, MAX_WHOLE, err, sizeof err);
	if (!r) {
		warnmsg("%s", err);
		g.failed++;
		if (!g.keep_going) {
			out_close();
			exit(EX_DATA);
		}
		return;
	}
	do_input(r);
	mlm_lines_close(r);
}

static int
valid_prefix(const char *p)
{
	if (!*p || !(p[0] == '_' || (p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')))
		return 0;
	for (; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* the options into g, the schema's text into *spec, --emit-schema into *emit */
static void
parse_options(int argc, char **argv, const char **spec, const char **emit)
{
	int c;
	opterr = 0;     /* one line of our own, not getopt's + usage */
	while ((c = getopt_long(argc, argv, ":e:HhkL:Mn:P:r:S:T:vw", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			*emit = optarg;
			if (strcmp(optarg, "jsonschema") && strcmp(optarg, "openai") && strcmp(optarg, "gemini") &&
			    strcmp(optarg, "dsl"))
				die(EX_USAGE_, "--emit-schema: expected jsonschema, openai, gemini or dsl, got '%s'", optarg);
			break;
		case 'H': g.eo.header = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			fputs("\n", stdout);
			fputs(help_text, stdout);
			out_close();
			exit(0);
		case 'k': g.keep_going = 1; break;
		case O_VERSION: tool_version();
		case 'L':
			if ((g.fo.level = mlm_fmt_level_parse(optarg)) < 0)
				die(EX_USAGE_, "--level: expected strict, safe or lenient, got '%s'", optarg);
			break;
		case 'M': g.fo.multi = 1; break;
		case 'n': g.eo.name = optarg; break;
		case 'P':
			if (!valid_prefix(optarg))
				die(EX_USAGE_, "--prefix: expected a shell name such as LLM_, got '%s'", optarg);
			g.eo.prefix = optarg;
			break;
		case 'r':
			if ((g.fo.repair = mlm_fmt_repair_parse(optarg)) < 0)
				die(EX_USAGE_, "--repair: expected none, safe or aggressive, got '%s'", optarg);
			break;
		case 'S': *spec = optarg; break;
		case 'T':
			if ((g.eo.to = mlm_fmt_to_parse(optarg)) < 0)
				die(EX_USAGE_, "--to: expected json, c, c-decl, c-value, sh, tsv, csv, py, go, rs or ts, got '%s'", optarg);
			break;
		case 'v': g.verbose = 1; break;
		case 'w': g.whole = 1; break;
		case O_LINES: g.lines = 1; break;
		case O_ASCII: g.eo.ascii = 1; break;
		case O_UPPER: g.eo.upper = 1; break;
		case O_RAW: g.raw = 1; break;
		case O_CNUL:
			if (!strcmp(optarg, "escape"))
				g.eo.c_nul = 1;
			else if (strcmp(optarg, "error"))
				die(EX_USAGE_, "--c-nul: expected error or escape, got '%s'", optarg);
			break;
		case O_EXTRA:
			if (!strcmp(optarg, "drop"))
				g.fo.extra = MLM_FMT_EXTRA_DROP;
			else if (!strcmp(optarg, "error"))
				g.fo.extra = MLM_FMT_EXTRA_ERROR;
			else if (!strcmp(optarg, "keep"))
				g.fo.extra = MLM_FMT_EXTRA_KEEP;
			else
				die(EX_USAGE_, "--extra-keys: expected drop, error or keep, got '%s'", optarg);
			break;
		case ':':
			die(EX_USAGE_, "%s: missing argument (see llm-fmt --help)", argv[optind - 1]);
		default:
			bad_option(optopt, argv[optind - 1]);
		}
	}
}

/* --emit-schema: the schema in the form asked, and nothing else */
static int
emit_schema(const char *emit)
{
	mlm_schema *eff = g.fo.multi ? mlm_schema_array_of(g.schema) : NULL;
	const mlm_schema *s = eff ? eff : g.schema;
	if (!strcmp(emit, "dsl")) {
		char *d = mlm_schema_dsl(s);
		if (!d)
			die(EX_SOMEFAIL, "out of memory");
		out_line(d, strlen(d), 0);
		free(d);
	} else {
		jv j = !strcmp(emit, "jsonschema") ? mlm_schema_jsonschema(s) :
		    !strcmp(emit, "openai") ? mlm_schema_openai(s) : mlm_schema_gemini(s);
		out_json(j, 0);
	}
	mlm_schema_free(eff);
	mlm_schema_free(g.schema);
	out_close();
	return 0;
}

/* The emitter of one value (--multi items, or the items of an array
 * root) and what comes before the values (into b). 0, or 1 when there is
 * nothing more to do (c-decl). */
static int
open_emitter(mlm_buf *b)
{
	char err[MLM_ERRLEN];
	g.item = g.schema;
	if (g.fo.multi)
		g.split = 1;
	else if (g.schema->type == MLM_ST_ARRAY && g.eo.to != MLM_TO_JSON) {
		g.item = g.schema->items;
		g.split = 1;
	}
	g.em = mlm_fmt_emitter_new(g.item, &g.eo, err, sizeof err);
	if (!g.em)
		die(EX_USAGE_, "--to %s: %s", mlm_fmt_to_name(g.eo.to), err);
	if (mlm_fmt_emit_begin(g.em, b, err, sizeof err) < 0)
		die(EX_DATA, "%s", err);
	/* a header (c, c-value, csv -H...) and its rows are written at the end,
	 * whole, so that an error leaves no half-written file on stdout */
	g.hold = b->len > 0 && g.eo.to != MLM_TO_C_DECL;
	g.held.max = (size_t)1 << 34;
	emit_buf(b);
	return g.eo.to == MLM_TO_C_DECL;
}

/* what comes after the values, the held output; the exit status */
static int
finish(mlm_buf *b, int ended)
{
	char err[MLM_ERRLEN];
	if (!ended) {
		if (mlm_fmt_emit_end(g.em, b, err, sizeof err) < 0)
			die(EX_DATA, "%s", err);
		emit_buf(b);
	}
	mlm_buf_free(b);
	if (g.held.len)
		out_line(g.held.p, g.held.len - 1, 0);
	mlm_buf_free(&g.held);
	mlm_fmt_emitter_free(g.em);
	mlm_schema_free(g.schema);
	out_close();
	return g.failed ? EX_SOMEFAIL : 0;
}

int
main(int argc, char **argv)
{
	prog = "llm-fmt";
	const char *spec = NULL, *emit = NULL;
	g.fo.level = MLM_FMT_SAFE;
	g.fo.repair = MLM_FMT_REPAIR_SAFE;
	g.eo.to = MLM_TO_JSON;
	parse_options(argc, argv, &spec, &emit);
	if (!spec) {
		if (optind >= argc && isatty(0))
			usage();
		die(EX_USAGE_, "--schema is required (e.g. --schema 'name, age int')");
	}
	if (g.whole && g.lines)
		die(EX_USAGE_, "--whole and --lines cannot be used together");
	g.schema = load_schema(spec, g.eo.name);
	if (emit)
		return emit_schema(emit);
	mlm_buf b = {0};
	if (open_emitter(&b))
		return finish(&b, 1);
	if (optind >= argc && isatty(0))
		usage();
	if (optind >= argc)
		run_one("-");
	for (int k = optind; k < argc; k++)
		run_one(argv[k]);
	return finish(&b, 0);
}
