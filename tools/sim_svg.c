/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scenario's picture (sim --svg): per policy, online memory against what
 * the header covers, every planned crash marked by what it yielded, and the
 * difference covered - online on a symmetric-log axis, so that a 128 MiB gap
 * on a 1 TiB machine stands out as clearly as a 64 GiB one.  The kexec-busy
 * stretches and the concurrent phase are shaded.  Everything is drawn inside
 * the picture's frame: a viewer that clips (rsvg-convert, a browser) loses
 * nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/lab.h"
#include "crashhp/scenario.h"
#include "sim_report.h"
#include "tool.h"

#define W 1000.0
#define LEFT 88.0          /* room for "-512 GiB" */
#define RIGHT 14.0
#define TOP 76.0           /* title and legend */
#define MEM_H 150.0        /* online vs covered */
#define LANE_H 20.0        /* the crash marks */
#define DIFF_H 130.0       /* covered - online, symlog */
#define GROUP_H (24.0 + MEM_H + 4 + LANE_H + 4 + DIFF_H + 34)
#define SYMLOG_LINEAR ((double)(1u << 20)) /* linear within +-1 MiB */

static const char *const outcome_color[] = {
	[CHP_CRASH_NO_DUMP] = "#000000", [CHP_CRASH_MISSING] = "#d62728",
	[CHP_CRASH_ABSENT] = "#ff7f0e", [CHP_CRASH_MISREAD] = "#9467bd",
	[CHP_CRASH_COMPLETE] = "#2a9d2a",
};

struct plot {
	FILE *f;
	double seq_w;      /* width of the sequential events; the concurrent band follows */
	uint64_t xmax;
};

/*
 * Text into XML: markup characters escaped, and what text output escapes
 * (tool_char_passes: bytes that are not UTF-8, controls, which XML 1.0 does
 * not allow, the bidi controls that would reorder the title as drawn) and a
 * backslash before an x written as "\xNN", so that a scenario named by any
 * file name leaves the file well-formed and its title spelt as the text
 * report spells it.  At most `max_chars` characters, then an ellipsis.
 */
static void xml_text(FILE *f, const char *s, size_t max_chars)
{
	const char *p = s;
	size_t chars = 0, n = strlen(s);

	while (*p) {
		if (chars++ == max_chars) {
			fputs("\u2026", f);
			return;
		}
		size_t len = (size_t)tool_char_passes(p, n - (size_t)(p - s));
		if (len == 0 || (*p == '\\' && p[1] == 'x')) {
			fprintf(f, "\\x%02x", (unsigned char)*p++);
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fwrite(p, 1, len, f);
		}
		p += len;
	}
}

/*
 * A polyline's next sample as a step: the state a sample shows holds until
 * the next sample, so the line runs level to the next event, then jumps.
 */
static void step_to(FILE *f, bool first, double x, double y, double *prev_y)
{
	if (!first)
		fprintf(f, "%.1f,%.1f ", x, *prev_y);
	fprintf(f, "%.1f,%.1f ", x, y);
	*prev_y = y;
}

/* The bytes of S's first MAX characters (a UTF-8 sequence one character). */
static size_t utf8_prefix(const char *s, size_t max)
{
	size_t n = 0, i = 0;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == max)
			break;
	return i;
}

/*
 * The title, the whole scenario name in it (up to 400 characters), broken
 * at blanks into lines that fit the frame: DejaVu Sans Bold at 15 px, what
 * rsvg-convert draws, is under 9 px a character on average (9.4 allowed).
 */
#define TITLE_LINE_H 18.0
#define TITLE_MAX_LINES 6
struct title_lines {
	char *line[TITLE_MAX_LINES];
	size_t n;
};

static void title_free(struct title_lines *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->line[i]);
	t->n = 0;
}

static int title_wrap(struct title_lines *t, const char *name, const char *arch)
{
	size_t per_line = (size_t)((W - LEFT - RIGHT) / 9.4);
	char *text = NULL;

	t->n = 0;
	size_t keep = utf8_prefix(name, 400);
	if (asprintf(&text, "%.*s%s: what a crash at each moment would dump, %s, policy by policy",
		     (int)keep, name, name[keep] ? "\u2026" : "", arch) < 0)
		return -ENOMEM;
	for (const char *p = text; *p && t->n < TITLE_MAX_LINES;) {
		size_t len = strlen(p), cut = utf8_prefix(p, per_line);
		if (cut < len) {
			/* the last blank that keeps the line within the frame, if any */
			size_t b = cut;
			while (b > 0 && p[b] != ' ')
				b--;
			cut = b ? b : cut;
		}
		if (t->n == TITLE_MAX_LINES - 1)
			cut = len; /* the last line takes the rest: 400 characters fit in 6 */
		t->line[t->n] = strndup(p, cut);
		if (!t->line[t->n]) {
			title_free(t);
			free(text);
			return -ENOMEM;
		}
		t->n++;
		p += cut;
		while (*p == ' ')
			p++;
	}
	free(text);
	return 0;
}


/* An axis label, exact to two decimals: "1.25 TiB", "-128 MiB", "0". */
static void size_label(char *buf, size_t n, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double a = fabs(v);
	unsigned u = 0;

	while (u < 5 && a >= 1024) {
		a /= 1024;
		u++;
	}
	int len = snprintf(buf, n, "%s%.2f", v < 0 ? "-" : "", a);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	if (strcmp(buf, "0") && strcmp(buf, "-0"))
		snprintf(buf + len, n - (size_t)len, " %s", units[u]);
	else
		snprintf(buf, n, "0");
}

static double px_x(const struct plot *pl, double event)
{
	return LEFT + pl->seq_w * event / (double)pl->xmax;
}

static double symlog(double v)
{
	double m = log10(1 + fabs(v) / SYMLOG_LINEAR);
	return v < 0 ? -m : m;
}

/* 1, 2, 5 x 10^k: about `want` steps over `max`. */
static uint64_t nice_step(uint64_t max, unsigned want)
{
	uint64_t step = 1;

	for (;;) {
		for (unsigned m = 1; m <= 5; m += m == 1 ? 1 : 3)
			if (step * m * want >= max)
				return step * m;
		step *= 10;
	}
}

static const char *const outcome_class[] = {
	[CHP_CRASH_NO_DUMP] = "no-dump", [CHP_CRASH_MISSING] = "missing-memory",
	[CHP_CRASH_ABSENT] = "absent-memory", [CHP_CRASH_MISREAD] = "incomplete",
	[CHP_CRASH_COMPLETE] = "complete",
};

/* `cls`: the marker's class for a reader of the file (tests count them). */
static void marker(FILE *f, const char *cls, enum chp_crash_outcome o, bool unloaded, double x,
		   double y)
{
	const char *c = unloaded ? "#888888" : outcome_color[o];

	fprintf(f, "<g class=\"%s %s%s\">", cls, outcome_class[o], unloaded ? " loader" : "");
	switch (o) {
	case CHP_CRASH_COMPLETE:
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"1.5\"/>", x, y, c);
		break;
	case CHP_CRASH_NO_DUMP:
		fprintf(f, "<path d=\"M%.1f %.1fl8 8m0 -8l-8 8\" stroke=\"%s\" stroke-width=\"2\"/>",
			x - 4, y - 4, c);
		break;
	case CHP_CRASH_MISSING:
		fprintf(f, "<path d=\"M%.1f %.1fh9l-4.5 8z\" fill=\"%s\"/>", x - 4.5, y - 4, c);
		break;
	case CHP_CRASH_ABSENT:
		fprintf(f, "<path d=\"M%.1f %.1fh9l-4.5 -8z\" fill=\"%s\"/>", x - 4.5, y + 4, c);
		break;
	case CHP_CRASH_MISREAD:
		fprintf(f, "<path d=\"M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5 -4.5z\" fill=\"%s\"/>", x,
			y - 4.5, c);
		break;
	}
	fputs("</g>\n", f);
}

static void legend(FILE *f)
{
	static const struct { const char *label; int kind; const char *color; } items[] = {
		{ "online memory", 0, "#1f5fbf" }, { "header covers", 1, "#2a9d2a" },
		{ "covered - online", 0, "#6a3d9a" }, { "covered but absent", 0, "#d62728" },
		{ "kexec busy", 2, "#ff7f0e" }, { "concurrent phase", 2, "#777777" },
	};
	static const struct { const char *label; enum chp_crash_outcome o; bool unloaded; } marks[] = {
		{ "crash: complete dump", CHP_CRASH_COMPLETE, false },
		{ "no dump", CHP_CRASH_NO_DUMP, false },
		{ "no dump (loader's window)", CHP_CRASH_NO_DUMP, true },
		{ "missing memory", CHP_CRASH_MISSING, false },
		{ "absent memory", CHP_CRASH_ABSENT, false },
		{ "other incomplete", CHP_CRASH_MISREAD, false },
	};
	double x = LEFT;

	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (items[i].kind == 2)
			fprintf(f, "<rect x=\"%.0f\" y=\"38\" width=\"22\" height=\"10\" fill=\"%s\" "
				"fill-opacity=\"0.25\"/>\n", x, items[i].color);
		else
			fprintf(f, "<path d=\"M%.0f 43h22\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", x,
				items[i].color, items[i].kind ? " stroke-dasharray=\"6,3\"" : "");
		fprintf(f, "<text x=\"%.0f\" y=\"47\">%s</text>\n", x + 27, items[i].label);
		x += 27 + 6.8 * (double)strlen(items[i].label) + 16;
	}
	x = LEFT;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		marker(f, "legend", marks[i].o, marks[i].unloaded, x + 6, 62);
		fprintf(f, "<text x=\"%.0f\" y=\"66\">%s</text>\n", x + 16, marks[i].label);
		x += 16 + 6.8 * (double)strlen(marks[i].label) + 16;
	}
}

/* Shading over a policy's panels: kexec-busy stretches and the concurrent phase. */
static void shading(const struct plot *pl, const struct chp_run_result *r,
		    const struct chp_concurrent_result *conc, double y, double h)
{
	for (size_t k = 0; k < r->nbusy; k++) {
		double x0 = px_x(pl, (double)r->busy[k].first - 1), x1 = px_x(pl, (double)r->busy[k].last);
		fprintf(pl->f, "<rect class=\"busy\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"#ff7f0e\" fill-opacity=\"0.25\"><title>kexec busy: "
			"events %" PRIu64 "-%" PRIu64 "</title></rect>\n", x0, y,
			x1 - x0 < 3 ? 3 : x1 - x0, h, r->busy[k].first, r->busy[k].last);
	}
	if (conc) {
		double x0 = LEFT + pl->seq_w + 6, w = W - RIGHT - x0;
		fprintf(pl->f, "<rect class=\"concurrent\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"#777777\" fill-opacity=\"0.25\"/>\n", x0, y, w, h);
	}
}

static void memory_panel(const struct plot *pl, const struct chp_run_result *r, double y0,
			 uint64_t ymax)
{
	FILE *f = pl->f;
	uint64_t step = 1ull << 20;
	char b[32];

	while (step * 4 < ymax)
		step *= 2;
	uint64_t top = (ymax + step - 1) / step * step;
	for (uint64_t v = 0; v <= top; v += step) {
		double y = y0 + MEM_H - MEM_H * (double)v / (double)top;
		size_label(b, sizeof(b), (double)v);
		fprintf(f, "<path d=\"M%.0f %.1fh%.0f\" stroke=\"#e4e4e4\"/>\n", LEFT, y, pl->seq_w);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6,
			y + 4, b);
	}
	static const char *const color[] = { "#1f5fbf", "#2a9d2a" };
	for (int s = 0; s < 2; s++) {
		fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
			"points=\"", s ? "covered" : "online", color[s],
			s ? " stroke-dasharray=\"6,3\"" : "");
		double prev = 0;
		for (size_t k = 0; k < r->ntimeline; k++) {
			const struct chp_timeline_point *p = &r->timeline[k];
			double v = (double)(s ? p->covered : p->expected);
			step_to(f, k == 0, px_x(pl, (double)p->event),
				y0 + MEM_H - MEM_H * v / (double)top, &prev);
		}
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"none\" "
		"stroke=\"#999\"/>\n", LEFT, y0, pl->seq_w, MEM_H);
}

/*
 * A dip's label, two lines beside [x0, x0 + w] on the side with room for
 * them (11 px text, under 6.5 px a character), the first line's baseline
 * at y, kept below the zero line (mid) and inside the panel (bottom); a
 * white halo keeps a grid line from striking through it.
 */
static void dip_label(const struct plot *pl, const char *cls, double x0, double w, double y,
		      double mid, double bottom, const char *line1, const char *line2)
{
	size_t n = strlen(line1) > strlen(line2) ? strlen(line1) : strlen(line2);
	bool right = x0 + w + 6 + 6.5 * (double)n < LEFT + pl->seq_w;
	double tx = right ? x0 + w + 6 : x0 - 6;

	/* 11 px text: the first line's caps 9 px above it, the second's descent 3 px below +12 */
	y = y < mid + 11 ? mid + 11 : y > bottom - 16 ? bottom - 16 : y;
	fprintf(pl->f, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
		"font-size=\"11\" fill=\"#4a2a6a\" stroke=\"white\" stroke-width=\"3\" "
		"paint-order=\"stroke\"><tspan x=\"%.1f\" dy=\"0\">%s</tspan>"
		"<tspan x=\"%.1f\" dy=\"12\">%s</tspan></text>\n", cls, tx, y,
		right ? "start" : "end", tx, line1, tx, line2);
}

/*
 * Where the policy deferred events to a load holding the kexec lock
 * (robust's kexec-busy stretch), covered - online dips: the header truly
 * lacks that memory until the holder applies it at its release, but no
 * crash can take a dump meanwhile, so it is owed, not lost.  A hatched band
 * from 0 to the dip, labelled so, keeps a reader from taking it for a loss.
 */
static void owed_bands(const struct plot *pl, const struct chp_run_result *r, double mid,
		       double half, double span, double bottom)
{
	for (size_t k = 0; k < r->ntimeline; k++) {
		if (!r->timeline[k].owed)
			continue;
		size_t end = k;
		double dip = 0;
		for (; end < r->ntimeline && r->timeline[end].owed; end++) {
			double d = (double)r->timeline[end].covered - (double)r->timeline[end].expected;
			dip = d < dip ? d : dip;
		}
		/* A sample holds until the next: the band runs to the sample after the run. */
		double x0 = px_x(pl, (double)r->timeline[k].event);
		double x1 = px_x(pl, (double)r->timeline[end < r->ntimeline ? end : end - 1].event);
		double w = x1 - x0, y = mid - half * symlog(dip) / span;
		if (w < 6) { /* a stretch of a few events: 6 px wide, centred on it */
			x0 -= (6 - w) / 2;
			w = 6;
		}
		char b[32];
		size_label(b, sizeof(b), -dip);
		fprintf(pl->f, "<rect class=\"owed\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"url(#owed-hatch)\" stroke=\"#6a3d9a\" "
			"stroke-width=\"0.8\"><title>owed: %s of events deferred to the load "
			"holding the kexec lock, applied at its release; no dump can be taken "
			"meanwhile</title></rect>\n", x0, dip < 0 ? mid : y, w, fabs(y - mid) < 2 ? 2 :
			fabs(y - mid), b);
		char line1[64];
		snprintf(line1, sizeof(line1), "owed %s: applied at release", b);
		dip_label(pl, "owed-label", x0, w, y - 2, mid, bottom, line1,
			  "(a load holds the kexec lock: no dump)");
		k = end;
	}
}

/*
 * Where the policy dropped events that met a load holding the kexec lock
 * (mainline's kexec-busy stretch), covered - online dips too, but nothing
 * owes that memory: no one retries a dropped event, so the header lacks it
 * past the stretch until some later update rebuilds it, and a crash there
 * takes a dump without it.  Labelled with the count and the memory, so the
 * dip reads as the loss it is, beside robust's owed band.
 */
static void dropped_labels(const struct plot *pl, const struct chp_run_result *r, double mid,
			   double half, double span, double bottom)
{
	for (size_t b = 0; b < r->nbusy; b++) {
		const struct chp_event_window *w = &r->busy[b];
		size_t k = 0, first = SIZE_MAX, last = 0;
		double dip = 0;

		if (!w->dropped)
			continue;
		while (k < r->ntimeline && r->timeline[k].event < w->first)
			k++;
		/* The stretch's samples, then the dip's while it lasts past it. */
		for (; k < r->ntimeline; k++) {
			const struct chp_timeline_point *p = &r->timeline[k];
			double d = (double)p->covered - (double)p->expected;
			if (p->event > w->last && d >= 0)
				break;
			if (d < 0 && !p->owed) {
				first = first == SIZE_MAX ? k : first;
				last = k;
				dip = d < dip ? d : dip;
			}
		}
		if (first == SIZE_MAX)
			continue; /* dropped CPU events, or memory a later event covered: no dip */
		/* A sample holds until the next: the dip runs to the sample after its last. */
		double x0 = px_x(pl, (double)r->timeline[first].event);
		double x1 = px_x(pl, (double)r->timeline[last + 1 < r->ntimeline ? last + 1 : last].event);
		char size[32], line1[96];
		size_label(size, sizeof(size), -dip);
		snprintf(line1, sizeof(line1), "%s: %" PRIu64 " event%s dropped, header lacks %s",
			 chp_policy_name(r->policy), w->dropped, w->dropped == 1 ? "" : "s", size);
		dip_label(pl, "dropped-label", x0, x1 - x0, mid - half * symlog(dip) / span - 2, mid,
			  bottom, line1, "(the kexec lock was held; never retried)");
	}
}

static void diff_panel(const struct plot *pl, const struct chp_run_result *r, double y0,
		       double dmax)
{
	FILE *f = pl->f;
	double tick = SYMLOG_LINEAR, mid = y0 + DIFF_H / 2, half = DIFF_H / 2 - 6;
	char b[32];

	/* Ticks at 1 MiB x 32^k: 32 MiB, 1 GiB, 32 GiB, 1 TiB, ... (1 MiB would sit on 0) */
	while (tick < dmax)
		tick *= 32;
	double span = symlog(tick);
	for (double v = SYMLOG_LINEAR * 32; v <= tick; v *= 32)
		for (int sgn = -1; sgn <= 1; sgn += 2) {
			double y = mid - half * symlog(sgn * v) / span;
			size_label(b, sizeof(b), sgn * v);
			fprintf(f, "<path d=\"M%.0f %.1fh%.0f\" stroke=\"#e4e4e4\"/>\n", LEFT, y,
				pl->seq_w);
			fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				LEFT - 6, y + 4, b);
		}
	owed_bands(pl, r, mid, half, span, y0 + DIFF_H);
	fprintf(f, "<path class=\"zero\" d=\"M%.0f %.1fh%.0f\" stroke=\"#777\"/>\n", LEFT, mid,
		pl->seq_w);
	fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n", LEFT - 6, mid + 4);
	static const char *const color[] = { "#6a3d9a", "#d62728" };
	for (int s = 0; s < 2; s++) {
		fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
			"points=\"", s ? "absent" : "difference", color[s], s ? "1.5" : "2");
		double prev = 0;
		for (size_t k = 0; k < r->ntimeline; k++) {
			const struct chp_timeline_point *p = &r->timeline[k];
			double v = s ? (double)p->absent : (double)p->covered - (double)p->expected;
			step_to(f, k == 0, px_x(pl, (double)p->event), mid - half * symlog(v) / span,
				&prev);
		}
		fprintf(f, "\"/>\n");
	}
	dropped_labels(pl, r, mid, half, span, y0 + DIFF_H); /* over the lines, not under */
	fprintf(f, "<rect class=\"difference-panel\" x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" "
		"height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>\n", LEFT, y0, pl->seq_w, DIFF_H);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 "
		"%.0f %.0f)\" font-size=\"11\">covered - online</text>\n", 14.0, mid, 14.0, mid);
}

static void crash_lane(const struct plot *pl, const struct chp_run_result *r,
		       const struct chp_concurrent_result *conc, double y0)
{
	double y = y0 + LANE_H / 2;

	fprintf(pl->f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">crashes</text>\n",
		LEFT - 6, y + 4);
	/* Complete ones first, so that a failure is drawn on top of its neighbours. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < r->ncrash_marks; k++) {
			const struct chp_crash_mark *m = &r->crash_marks[k];
			if ((m->outcome == CHP_CRASH_COMPLETE) == (pass == 0))
				marker(pl->f, "crash", m->outcome, m->unloaded, px_x(pl, (double)m->event), y);
		}
	if (!conc)
		return;
	/* The concurrent phase: its crashes side by side in the band, worst first. */
	double x0 = LEFT + pl->seq_w + 12, x1 = W - RIGHT - 6;
	uint64_t no_dump = conc->crashes - conc->dumps, incomplete = conc->dumps - conc->complete;
	uint64_t total = conc->crashes ? conc->crashes : 1;
	for (uint64_t k = 0; k < conc->crashes; k++) {
		double x = x0 + (x1 - x0) * ((double)k + 0.5) / (double)total;
		if (k < no_dump)
			marker(pl->f, "concurrent-crash", CHP_CRASH_NO_DUMP, k < conc->no_dump_unloaded, x, y);
		else if (k < no_dump + incomplete)
			marker(pl->f, "concurrent-crash", CHP_CRASH_MISREAD, false, x, y);
		else
			marker(pl->f, "concurrent-crash", CHP_CRASH_COMPLETE, false, x, y);
	}
}

static void x_axis(const struct plot *pl, double y)
{
	uint64_t step = nice_step(pl->xmax, 8);

	for (uint64_t e = 0; e <= pl->xmax; e += step) {
		double x = px_x(pl, (double)e);
		fprintf(pl->f, "<path d=\"M%.1f %.1fv5\" stroke=\"#999\"/>\n", x, y);
		fprintf(pl->f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64
			"</text>\n", x, y + 17, e);
	}
	fprintf(pl->f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">hotplug events</text>\n",
		LEFT + pl->seq_w, y + 31);
}

static void concurrent_text(const struct plot *pl, const struct chp_scenario *sc,
			    const struct chp_concurrent_result *c, double y0)
{
	double x = LEFT + pl->seq_w + 12;

	fprintf(pl->f, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">concurrent</text>\n", x,
		y0 + 18);
	fprintf(pl->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">"
		"<tspan x=\"%.1f\" dy=\"0\">%u threads x %u</tspan>"
		"<tspan x=\"%.1f\" dy=\"14\">events x %u rounds</tspan>"
		"<tspan x=\"%.1f\" dy=\"20\">%" PRIu64 " crashes</tspan>"
		"<tspan x=\"%.1f\" dy=\"14\">%" PRIu64 " complete</tspan>"
		"<tspan x=\"%.1f\" dy=\"14\">%" PRIu64 " no dump</tspan>"
		"<tspan x=\"%.1f\" dy=\"14\">(%" PRIu64 " loader's)</tspan>"
		"<tspan x=\"%.1f\" dy=\"14\">%" PRIu64 " dropped</tspan>"
		"</text>\n", x, y0 + 36, x, sc->conc_threads, sc->conc_events, x, sc->conc_rounds,
		x, c->crashes, x, c->complete, x, c->crashes - c->dumps, x, c->no_dump_unloaded, x,
		c->dropped);
}

static void policy_group(const struct plot *pl, const struct chp_scenario *sc,
			 const struct chp_run_result *r, const struct chp_concurrent_result *conc,
			 double y0, uint64_t ymax, double dmax)
{
	uint64_t count[CHP_CRASH_COMPLETE + 1] = { 0 };
	FILE *f = pl->f;
	double mem_y = y0 + 24, lane_y = mem_y + MEM_H + 4, diff_y = lane_y + LANE_H + 4;

	for (size_t k = 0; k < r->ncrash_marks; k++)
		count[r->crash_marks[k].outcome]++;
	fprintf(f, "<g class=\"policy\" id=\"%s\">\n", chp_policy_name(r->policy));
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\"><tspan font-weight=\"bold\">%s</tspan>: %zu "
		"crashes: %" PRIu64 " complete, %" PRIu64 " no dump, %" PRIu64 " missing memory, %"
		PRIu64 " absent memory", LEFT, y0 + 16, chp_policy_name(r->policy),
		r->ncrash_marks, count[CHP_CRASH_COMPLETE], count[CHP_CRASH_NO_DUMP],
		count[CHP_CRASH_MISSING], count[CHP_CRASH_ABSENT]);
	if (count[CHP_CRASH_MISREAD])
		fprintf(f, ", %" PRIu64 " other incomplete", count[CHP_CRASH_MISREAD]);
	fprintf(f, "</text>\n");
	shading(pl, r, conc, mem_y, diff_y + DIFF_H - mem_y);
	memory_panel(pl, r, mem_y, ymax);
	crash_lane(pl, r, conc, lane_y);
	diff_panel(pl, r, diff_y, dmax);
	x_axis(pl, diff_y + DIFF_H);
	if (conc)
		concurrent_text(pl, sc, conc, mem_y);
	fprintf(f, "</g>\n");
}

int sim_report_svg(const char *path, const struct chp_scenario *sc,
		   struct chp_run_result *const *res, const struct chp_concurrent_result *conc,
		   size_t n)
{
	struct title_lines title;
	if (title_wrap(&title, sc->name, chp_arch_name(sc->spec.arch)))
		return -ENOMEM;
	/* Each title line past the first moves everything below it down. */
	const double dy = TITLE_LINE_H * (double)(title.n - 1);
	const double h = TOP + dy + (double)n * GROUP_H + 8;
	struct plot pl = { .xmax = 1 };
	uint64_t ymax = 1u << 20;
	double dmax = 1u << 30;     /* the difference axis reaches 1 GiB at least */
	char *buf = NULL;
	size_t len = 0;
	int err;

	pl.f = open_memstream(&buf, &len);
	if (!pl.f)
		return -errno;
	pl.seq_w = W - LEFT - RIGHT - (conc ? 140 : 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < res[i]->ntimeline; k++) {
			const struct chp_timeline_point *p = &res[i]->timeline[k];
			double d = fabs((double)p->covered - (double)p->expected);
			ymax = p->covered > ymax ? p->covered : ymax;
			ymax = p->expected > ymax ? p->expected : ymax;
			dmax = d > dmax ? d : dmax;
			dmax = (double)p->absent > dmax ? (double)p->absent : dmax;
			pl.xmax = p->event > pl.xmax ? p->event : pl.xmax;
		}
		for (size_t k = 0; k < res[i]->ncrash_marks; k++)
			if (res[i]->crash_marks[k].event > pl.xmax)
				pl.xmax = res[i]->crash_marks[k].event;
	}
	fprintf(pl.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, h, W,
		h);
	fprintf(pl.f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\" stroke=\"#ccc\"/>\n");
	fprintf(pl.f, "<defs><pattern id=\"owed-hatch\" width=\"5\" height=\"5\" "
		"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		"<path d=\"M0 0v5\" stroke=\"#6a3d9a\" stroke-width=\"1.5\"/></pattern></defs>\n");
	fprintf(pl.f, "<title>");
	xml_text(pl.f, sc->name, 400);
	fprintf(pl.f, "</title>\n");
	for (size_t i = 0; i < title.n; i++) {
		fprintf(pl.f, "<text class=\"title\" x=\"%.0f\" y=\"%.0f\" font-size=\"15\" "
			"font-weight=\"bold\">", LEFT, 22 + TITLE_LINE_H * (double)i);
		xml_text(pl.f, title.line[i], 400);
		fprintf(pl.f, "</text>\n");
	}
	fprintf(pl.f, "<g transform=\"translate(0 %.0f)\">\n", dy);
	legend(pl.f);
	for (size_t i = 0; i < n; i++)
		policy_group(&pl, sc, res[i], conc ? &conc[i] : NULL, TOP + (double)i * GROUP_H, ymax,
			     dmax);
	fprintf(pl.f, "</g>\n</svg>\n");
	title_free(&title);
	if (fclose(pl.f)) {
		err = -errno;
		free(buf);
		return err;
	}
	err = tool_write_file_atomic(path, buf, len);
	free(buf);
	return err;
}
