/*
 * env.c — .env files and the process environment, as one look-up table.
 *
 * dotenv rules: `# comments`, blank lines, an optional `export ` prefix,
 * NAME=VALUE with VALUE bare (trailing ` # comment` dropped, spaces trimmed),
 * 'single quoted' (taken literally but for \' and \\, as python-dotenv)
 * or "double quoted" (\n \r \t \" \\ \$
 * escapes; may span lines). No variable expansion. Real environment
 * variables win over the files; a later file or line replaces an earlier
 * value, which is kept (marked replaced) for mlm_env_var_at's listing.
 * The table owns its strings.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mlm.h"

extern char **environ;

#define ENV_MAX_FILE (4u << 20)

struct env_var {
	char *name, *value, *origin;
	int line;
	size_t replaced_by;     /* index + 1 of the value that replaced it, or 0 */
};

struct mlm_env {
	size_t n, cap;
	struct env_var *v;
	const char **names;    /* the merged, sorted name list */
	size_t nnames;
	char **envnames;       /* copies of the environment's names */
	size_t nenvnames;
	char *file;            /* path of the last file loaded */
	int loose_mode;        /* the file was readable by group/others */
	mlm_strindex idx;      /* name → index of its live value in v[] */
};

mlm_env *
mlm_env_new(void)
{
	return calloc(1, sizeof(mlm_env));
}

/* the live (not replaced) value of a name in the files, or -1 */
static long
env_find(const mlm_env *e, const char *name, size_t nl)
{
	size_t i = mlm_strindex_find(&e->idx, name, nl);
	return i != SIZE_MAX ? (long)i : -1;
}

static int
env_set(mlm_env *e, const char *name, size_t nl, char *value, const char *origin, int line)
{
	if (e->n == e->cap) {
		size_t c = e->cap ? e->cap * 2 : 16;
		struct env_var *a = realloc(e->v, c * sizeof *a);
		if (!a)
			return -1;
		e->v = a;
		e->cap = c;
	}
	long old = env_find(e, name, nl);
	struct env_var *v = &e->v[e->n];
	v->name = mlm_strndup(name, nl);
	v->value = value;
	v->origin = mlm_strdup(origin);
	v->line = line;
	v->replaced_by = 0;
	if (!v->name || !v->origin) {
		free(v->name);
		free(v->origin);
		return -1;
	}
	if (mlm_strindex_put(&e->idx, v->name, e->n) < 0) {
		free(v->name);
		free(v->origin);
		return -1;
	}
	e->n++;
	if (old >= 0)
		e->v[old].replaced_by = e->n;
	return 0;
}

int
mlm_env_parse(mlm_env *e, const char *fname, const char *text, size_t len,
    char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int line = 1;

	while (p < end) {
		int startline = line;
		/* leading blanks */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		if (*p == '\n' || *p == '\r' || *p == '#') {
			while (p < end && *p != '\n')
				p++;
			if (p < end)
				p++, line++;
			continue;
		}
		if (end - p > 7 && !memcmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t')) {
			p += 6;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
		}
		const char *name = p;
		if (p >= end || !(isalpha((unsigned char)*p) || *p == '_'))   /* "export" and blanks */
			return mlm_err(err, errlen, "%s:%d: expected a variable name", fname, line);
		while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
			p++;
		size_t nl = (size_t)(p - name);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != '=')
			return mlm_err(err, errlen, "%s:%d: expected '=' after %.*s", fname, line,
			    (int)(nl > 64 ? 64 : nl), name);
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		mlm_buf v = { 0 };
		v.max = ENV_MAX_FILE;
		if (mlm_buf_add(&v, "", 0) < 0)
			return mlm_err(err, errlen, "%s:%d: out of memory", fname, line);
		int cut = 0;    /* an append refused: the value would be cut */
		if (p < end && (*p == '\'' || *p == '"')) {
			char q = *p++;
			int closed = 0;
			while (p < end) {
				char c = *p++;
				if (c == q) {
					closed = 1;
					break;
				}
				if (c == '\n')
					line++;
				/* python-dotenv: in single quotes only \' and \\ */
				if (q == '\'' && c == '\\' && p < end && (*p == '\'' || *p == '\\'))
					c = *p++;
				else if (q == '"' && c == '\\' && p < end) {
					char x = *p++;
					switch (x) {
					case 'n': c = '\n'; break;
					case 'r': c = '\r'; break;
					case 't': c = '\t'; break;
					case '"': case '\\': case '$': case '\'': c = x; break;
					case '\n': line++; continue;    /* line continuation */
					default:
						cut |= mlm_buf_add(&v, "\\", 1);
						c = x;
					}
				}
				cut |= mlm_buf_add(&v, &c, 1);
			}
			if (!closed) {
				mlm_buf_free(&v);
				return mlm_err(err, errlen, "%s:%d: unterminated %s quote", fname,
				    startline, q == '"' ? "double" : "single");
			}
			/* only blanks or a comment may follow */
			while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
				p++;
			if (p < end && *p != '\n' && *p != '#') {
				mlm_buf_free(&v);
				return mlm_err(err, errlen, "%s:%d: unexpected text after the closing quote",
				    fname, line);
			}
			while (p < end && *p != '\n')
				p++;
		} else {
			const char *s = p;
			while (p < end && *p != '\n') {
				if (*p == '#' && p > s && (p[-1] == ' ' || p[-1] == '\t'))
					break;
				p++;
			}
			const char *t = p;
			while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
				t--;
			cut |= mlm_buf_add(&v, s, (size_t)(t - s));
			while (p < end && *p != '\n')
				p++;
		}
		if (cut) {
			mlm_buf_free(&v);
			return mlm_err(err, errlen, "%s:%d: value larger than %u bytes", fname, startline,
			    (unsigned)ENV_MAX_FILE);
		}
		if (memchr(v.p, 0, v.len)) {
			mlm_buf_free(&v);
			return mlm_err(err, errlen, "%s:%d: NUL byte in value", fname, startline);
		}
		if (env_set(e, name, nl, v.p, fname, startline) < 0) {
			mlm_buf_free(&v);
			return mlm_err(err, errlen, "%s:%d: out of memory", fname, line);
		}
		if (p < end)
			p++, line++;
	}
	return 0;
}

int
mlm_env_load(mlm_env *e, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return mlm_err(err, errlen, "%s: %s", path, strerror(errno));
	struct stat st;
	e->loose_mode = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077);
	mlm_buf b = { 0 };
	b.max = ENV_MAX_FILE;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (mlm_buf_add(&b, chunk, n) < 0) {
			fclose(f);
			mlm_buf_free(&b);
			return mlm_err(err, errlen, "%s: file too large", path);
		}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		mlm_buf_free(&b);
		return mlm_err(err, errlen, "%s: read error", path);
	}
	int r = mlm_env_parse(e, path, b.p ? b.p : "", b.len, err, errlen);
	mlm_buf_free(&b);
	free(e->file);
	e->file = mlm_strdup(path);
	return r;
}

/* Nonzero when the last file loaded may be read by group or others. */
int
mlm_env_loose(const mlm_env *e)
{
	return e && e->loose_mode;
}

const char *
mlm_env_get(const mlm_env *e, const char *name)
{
	const char *v = getenv(name);
	if (v)
		return v;
	long i = e ? env_find(e, name, strlen(name)) : -1;
	return i >= 0 ? e->v[i].value : NULL;
}

const char *
mlm_env_origin(const mlm_env *e, const char *name)
{
	if (getenv(name))
		return "environment";
	long i = e ? env_find(e, name, strlen(name)) : -1;
	return i >= 0 ? e->v[i].origin : NULL;
}

int
mlm_env_line(const mlm_env *e, const char *name)
{
	if (getenv(name))
		return 0;
	long i = e ? env_find(e, name, strlen(name)) : -1;
	return i >= 0 ? e->v[i].line : 0;
}

size_t
mlm_env_count(const mlm_env *e)
{
	return e ? e->n : 0;
}

int
mlm_env_var_at(const mlm_env *e, size_t i, mlm_env_var *out)
{
	if (!e || i >= e->n)
		return -1;
	const struct env_var *v = &e->v[i];
	out->name = v->name;
	out->value = v->value;
	out->origin = v->origin;
	out->line = v->line;
	out->by_origin = NULL;
	out->by_line = 0;
	if (v->replaced_by) {
		const struct env_var *r = &e->v[v->replaced_by - 1];
		out->by_origin = r->origin;
		out->by_line = r->line;
	}
	if (getenv(v->name) && !v->replaced_by) {
		out->by_origin = "environment";
		out->by_line = 0;
	}
	return 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
mlm_env_names(mlm_env *e, const char *const **names)
{
	size_t ne = 0;
	for (char **p = environ; p && *p; p++)
		ne++;
	free(e->names);
	e->names = calloc(ne + e->n + 1, sizeof *e->names);
	e->nnames = 0;
	if (!e->names) {
		*names = NULL;
		return 0;
	}
	for (size_t i = 0; i < e->nenvnames; i++)
		free(e->envnames[i]);
	free(e->envnames);
	e->envnames = calloc(ne + 1, sizeof *e->envnames);
	e->nenvnames = 0;
	for (char **p = environ; e->envnames && p && *p; p++) {
		const char *eq = strchr(*p, '=');
		if (!eq)
			continue;
		e->envnames[e->nenvnames] = mlm_strndup(*p, (size_t)(eq - *p));
		if (e->envnames[e->nenvnames])
			e->names[e->nnames++] = e->envnames[e->nenvnames++];
	}
	for (size_t i = 0; i < e->n; i++)
		if (!e->v[i].replaced_by)
			e->names[e->nnames++] = e->v[i].name;
	qsort(e->names, e->nnames, sizeof *e->names, cmpstr);
	size_t w = 0;
	for (size_t i = 0; i < e->nnames; i++)
		if (!w || strcmp(e->names[w - 1], e->names[i]))
			e->names[w++] = e->names[i];
	e->nnames = w;
	*names = e->names;
	return w;
}

void
mlm_env_free(mlm_env *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].name);
		if (e->v[i].value) {
			/* scrub values: they may be keys */
			memset(e->v[i].value, 0, strlen(e->v[i].value));
			free(e->v[i].value);
		}
		free(e->v[i].origin);
	}
	for (size_t i = 0; i < e->nenvnames; i++)
		free(e->envnames[i]);
	free(e->envnames);
	free(e->v), free(e->names), free(e->file);
	mlm_strindex_free(&e->idx);
	free(e);
}
