/* unit-windows.c — the limit windows of windows.c on a fixed clock: periods
 * and resets (rolling, UTC midnight, Pacific midnight, calendar month),
 * charges, what a pick may do and when a full window frees; and a SQLite
 * file from before the windows gets their columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mlm.h"
#include "tap.h"

mlm_store *mlm_store_sqlite(const char *path, char *err, size_t errlen);

#define H 3600000LL
#define D 86400000LL
/* 2026-03-14 15:30:00 UTC, and the days around */
#define T0 1773502200000LL
#define MAR14 1773446400000LL      /* 2026-03-14 00:00 UTC */
#define MAR1 1772323200000LL       /* 2026-03-01 00:00 UTC */
#define APR1 1775001600000LL       /* 2026-04-01 00:00 UTC */

static void
periods(void)
{
	is_int(mlm_win_period(MLM_WIN_RPH, MLM_WRESET_ROLLING, T0), MAR14 + 15 * H, "hour: on the UTC hour");
	is_int(mlm_win_period_end(MLM_WIN_RPH, MLM_WRESET_ROLLING, MAR14 + 15 * H), MAR14 + 16 * H,
	    "hour: an hour long");
	is_int(mlm_win_period(MLM_WIN_TPD, MLM_WRESET_UTC, T0), MAR14, "day, utc: from 00:00 UTC");
	is_int(mlm_win_period_end(MLM_WIN_TPD, MLM_WRESET_UTC, MAR14), MAR14 + D, "day, utc: to the next");
	is_int(mlm_win_period(MLM_WIN_NPD, MLM_WRESET_PACIFIC, T0), MAR14 + 8 * H,
	    "day, pacific: from 08:00 UTC");
	is_int(mlm_win_period(MLM_WIN_NPD, MLM_WRESET_PACIFIC, MAR14 + 7 * H), MAR14 - D + 8 * H,
	    "day, pacific: at 07:00 UTC it is still yesterday's");
	is_int(mlm_win_period(MLM_WIN_RPMO, MLM_WRESET_MONTH, T0), MAR1, "month: from the 1st");
	is_int(mlm_win_period_end(MLM_WIN_RPMO, MLM_WRESET_MONTH, MAR1), APR1, "month: to the next 1st");
	is_int(mlm_win_period(MLM_WIN_TPMO, MLM_WRESET_MONTH, APR1 - 1), MAR1,
	    "month: its last millisecond is still March");
	/* December to January, and a leap February */
	int64_t dec1 = 1796083200000LL, jan1 = 1798761600000LL;   /* 2026-12-01, 2027-01-01 */
	is_int(mlm_win_period_end(MLM_WIN_RPMO, MLM_WRESET_MONTH, dec1), jan1, "month: December ends on January 1st");
	int64_t feb1_28 = 1832976000000LL, mar1_28 = 1835481600000LL;  /* 2028-02-01, 2028-03-01 */
	is_int(mlm_win_period_end(MLM_WIN_RPMO, MLM_WRESET_MONTH, feb1_28), mar1_28, "month: February 2028 has 29 days");
	is_int(mlm_win_period(MLM_WIN_RPMO, MLM_WRESET_PACIFIC, MAR1 + 7 * H), MAR1 - 28 * D + 8 * H,
	    "month, pacific: March begins at 08:00 UTC on the 1st");
}

static void
resets(void)
{
	mlm_limits l = { 0 };
	is_int(mlm_win_reset(&l, MLM_WIN_RPH), MLM_WRESET_ROLLING, "rph: rolling unless told");
	l.wreset[MLM_WIN_RPH] = MLM_WRESET_UTC;
	is_int(mlm_win_reset(&l, MLM_WIN_RPH), MLM_WRESET_UTC, "rph: utc when declared");
	is_int(mlm_win_reset(&l, MLM_WIN_TPD), MLM_WRESET_ROLLING, "tpd: rolling without a daily reset");
	l.reset = MLM_RESET_PACIFIC;
	is_int(mlm_win_reset(&l, MLM_WIN_TPD), MLM_WRESET_PACIFIC, "tpd: the entry's daily reset");
	l.wreset[MLM_WIN_NPD] = MLM_WRESET_UTC;
	is_int(mlm_win_reset(&l, MLM_WIN_NPD), MLM_WRESET_UTC, "npd: its own reset first");
	is_int(mlm_win_reset(&l, MLM_WIN_TPMO), MLM_WRESET_MONTH, "tpmo: the calendar month");
}

/* n picks at t, each allowed */
static int
picks(mlm_srec *r, const mlm_limits *l, int n, int64_t t)
{
	int64_t w;
	const char *k;
	char why[160];
	for (int i = 0; i < n; i++) {
		if (mlm_win_check(r, l, 0, 0, t, &w, &k, why, sizeof why) < 0)
			return i;
		mlm_win_charge_pick(r, l, t);
	}
	return n;
}

static void
fixed_and_rolling(void)
{
	mlm_limits l = { 0 };
	mlm_srec r = { 0 };
	int64_t w;
	const char *k;
	char why[160];

	/* a calendar month of 5: the 6th waits for April 1st */
	l.wmax[MLM_WIN_RPMO] = 5;
	is_int(picks(&r, &l, 9, T0), 5, "rpmo 5: five picks go, the sixth does not");
	ok(mlm_win_check(&r, &l, 0, 0, T0, &w, &k, why, sizeof why) < 0, "rpmo 5: full");
	is_int(w, APR1 - T0, "rpmo 5: frees on April 1st, 00:00 UTC");
	is_str(k, "quota_exhausted", "rpmo 5: kept away as quota_exhausted");
	is_str(why, "5 of 5 requests this month, frees in 1499400s", "rpmo 5: says so");
	is_int(picks(&r, &l, 1, APR1 - 1), 0, "rpmo 5: still full at the month's last millisecond");
	is_int(picks(&r, &l, 9, APR1), 5, "rpmo 5: five again in April");

	/* a rolling hour of 3: the last hour's picks count until they leave it */
	memset(&l, 0, sizeof l), memset(&r, 0, sizeof r);
	l.wmax[MLM_WIN_RPH] = 3;
	int64_t t = MAR14 + 15 * H + 50 * 60000;       /* 15:50 */
	is_int(picks(&r, &l, 5, t), 3, "rph 3: three go at 15:50");
	ok(mlm_win_check(&r, &l, 0, 0, t, &w, &k, why, sizeof why) < 0 && w == H,
	    "rph 3: the fourth waits an hour, till 16:50 (%lld ms)", (long long)w);
	is_int(picks(&r, &l, 1, MAR14 + 16 * H + 10 * 60000), 0,
	    "rph 3: none at 16:10 (a new hour, but the 15:50 picks are inside the window)");
	ok(mlm_win_check(&r, &l, 0, 0, MAR14 + 16 * H + 10 * 60000, &w, &k, why, sizeof why) < 0 &&
	    w == 40 * 60000, "rph 3: at 16:10 it frees in 40 minutes");
	is_int(picks(&r, &l, 5, t + H), 3, "rph 3: three again at 16:50");

	/* utc hours reset on the hour */
	memset(&r, 0, sizeof r);
	l.wreset[MLM_WIN_RPH] = MLM_WRESET_UTC;
	is_int(picks(&r, &l, 5, t), 3, "rph 3, utc: three at 15:50");
	is_int(picks(&r, &l, 5, MAR14 + 16 * H), 3, "rph 3, utc: three more at 16:00");

	/* tokens a day, Pacific: charged from answers, held back by those in flight */
	memset(&l, 0, sizeof l), memset(&r, 0, sizeof r);
	l.wmax[MLM_WIN_TPD] = 100;
	l.reset = MLM_RESET_PACIFIC;
	ok(mlm_win_check(&r, &l, 0, 0, T0, &w, &k, why, sizeof why) == 0, "tpd 100: the first goes");
	mlm_win_charge_answer(&r, &l, 20, 10, T0);
	ok(mlm_win_check(&r, &l, 0, 1, T0, &w, &k, why, sizeof why) == 0,
	    "tpd 100: 30 used, one in flight: another goes (30 + 2 x 30)");
	ok(mlm_win_check(&r, &l, 0, 2, T0, &w, &k, why, sizeof why) < 0 && w == 50 &&
	    !strcmp(k, "rate_limited"), "tpd 100: two in flight: the third waits for an answer");
	mlm_win_charge_answer(&r, &l, 20, 10, T0);
	mlm_win_charge_answer(&r, &l, 20, 10, T0);
	ok(mlm_win_check(&r, &l, 0, 0, T0, &w, &k, why, sizeof why) < 0 && w == MAR14 + D + 8 * H - T0,
	    "tpd 100: 90 used, an answer costs 30: waits for 08:00 UTC tomorrow");
	is_str(why, "90 of 100 tokens today, frees in 59400s", "tpd 100: says so");
	ok(mlm_win_check(&r, &l, 10, 0, T0, &w, &k, why, sizeof why) == 0,
	    "tpd 100: the caller's estimate of 10 goes");
	mlm_win_charge_answer(&r, &l, 5, 5, T0);
	ok(mlm_win_check(&r, &l, 0, 0, T0, &w, &k, why, sizeof why) < 0, "tpd 100: 100 used: full");
	ok(mlm_win_check(&r, &l, 0, 0, MAR14 + D + 8 * H, &w, &k, why, sizeof why) == 0,
	    "tpd 100: free again at 08:00 UTC the next day");

	/* neurons: the catalog's rates, else the documented estimate */
	memset(&l, 0, sizeof l), memset(&r, 0, sizeof r);
	l.wmax[MLM_WIN_NPD] = 10;
	l.wreset[MLM_WIN_NPD] = MLM_WRESET_UTC;
	l.neu_in = 25608, l.neu_out = 75147;
	mlm_win_charge_answer(&r, &l, 100, 100, T0);
	ok(r.wx_cur[MLM_WX_NPD] > 10.0754 && r.wx_cur[MLM_WX_NPD] < 10.0756,
	    "npd: 100 tokens in and out at 25608/75147 per million: 10.0755 neurons");
	ok(mlm_win_check(&r, &l, 0, 0, T0, &w, &k, why, sizeof why) < 0 && w == MAR14 + D - T0,
	    "npd 10: full until 00:00 UTC");
	memset(&r, 0, sizeof r);
	ok(mlm_win_check(&r, &l, 130, 0, T0, &w, &k, why, sizeof why) == 0,
	    "npd 10: an estimate of 130 tokens, at the dearer rate (9.77 neurons), goes");
	ok(mlm_win_check(&r, &l, 140, 0, T0, &w, &k, why, sizeof why) < 0,
	    "npd 10: one of 140 (10.52 neurons) does not");
	long in, out;
	mlm_neuron_rates(NULL, &in, &out);
	is_int(in * 1000 + out, (long)MLM_NEURONS_IN * 1000 + MLM_NEURONS_OUT, "npd: the estimate without rates");
}

/* A state file of schema 3 (before the windows) gets their columns. */
static void
old_file(void)
{
	char dir[] = "/tmp/unit-windows.XXXXXX", path[300], err[MLM_ERRLEN];
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/state.db", dir);
	sqlite3 *db;
	sqlite3_open(path, &db);
	ok(sqlite3_exec(db, "CREATE TABLE rec(scope TEXT PRIMARY KEY NOT NULL,"
	    " until_ms INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT '',"
	    " why TEXT NOT NULL DEFAULT '', dead INTEGER NOT NULL DEFAULT 0,"
	    " fails INTEGER NOT NULL DEFAULT 0, win_start INTEGER NOT NULL DEFAULT 0,"
	    " win_count REAL NOT NULL DEFAULT 0, win_prev REAL NOT NULL DEFAULT 0,"
	    " tok_count REAL NOT NULL DEFAULT 0, tok_prev REAL NOT NULL DEFAULT 0,"
	    " day_start INTEGER NOT NULL DEFAULT 0, day_count REAL NOT NULL DEFAULT 0,"
	    " lat_ms REAL NOT NULL DEFAULT 0, lat_dev REAL NOT NULL DEFAULT 0,"
	    " n_ok INTEGER NOT NULL DEFAULT 0, n_err INTEGER NOT NULL DEFAULT 0,"
	    " learned_rpm REAL NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL DEFAULT 0,"
	    " learned_conc REAL NOT NULL DEFAULT 0, since_ms INTEGER NOT NULL DEFAULT 0);"
	    "CREATE TABLE lease(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " scope TEXT NOT NULL, pid INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
	    "INSERT INTO rec(scope, day_count) VALUES('o:old', 7);"
	    "PRAGMA user_version=3;", NULL, NULL, NULL) == SQLITE_OK, "a schema 3 file");
	sqlite3_close(db);
	mlm_store *s = mlm_store_sqlite(path, err, sizeof err);
	ok(s != NULL, "opened: %s", s ? "" : err);
	if (!s)
		return;
	mlm_srec r;
	s->ops->load(s, "o:old", &r);
	is_int((long)r.day_count, 7, "its record is read");
	r.wx_cur[MLM_WX_RPMO] = 41;
	r.wx_start[MLM_WX_NPD] = MAR14;
	r.neu_avg = 2.5;
	ok(s->ops->save(s, &r) == 0, "a record with window counts saved");
	mlm_store_close(s);
	s = mlm_store_sqlite(path, err, sizeof err);
	memset(&r, 0, sizeof r);
	s->ops->load(s, "o:old", &r);
	ok(r.wx_cur[MLM_WX_RPMO] == 41 && r.wx_start[MLM_WX_NPD] == MAR14 && r.neu_avg == 2.5 &&
	    (long)r.day_count == 7, "and read back from the file");
	is_str(s->warn, "", "no warning");
	mlm_store_close(s);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "rm");
}

int
main(void)
{
	periods();
	resets();
	fixed_and_rolling();
	old_file();
	return tap_done();
}
