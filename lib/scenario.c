/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/scenario.h"
#include "crashhp/units.h"
#include "internal.h"

static const char default_text[] =
	"# The built-in scenario (the README's demo): an x86_64 guest grows from\n"
	"# 4 CPUs / 4 GiB to 64 CPUs / 1 TiB in 128 MiB blocks and sheds half of\n"
	"# it again, with crashes injected throughout, both policies side by side.\n"
	"arch x86_64\n"
	"cpus 64:4:4\n"
	"ram 4G\n"
	"block 128M\n"
	"crashkernel 256M\n"
	"load file\n"
	"policies mainline robust\n"
	"seed 1\n"
	"crash-every 128        # a crash after every 128th event\n"
	"crash-during 64        # and 64 in the middle of updates\n"
	"concurrent 4 700 4     # then 4 threads x 700 events x 4 rounds, a loader\n"
	"                       # reloading and a crash at a random moment\n"
	"\n"
	"grow-cpus 64\n"
	"grow-memory 64G 1G\n"
	"kexec-busy 16          # kdump reloads while a DIMM comes online\n"
	"add-dimm 1G\n"
	"add-dimm 1G\n"
	"crash\n"
	"crash-exhaustive\n"
	"add-dimm 128M\n"
	"grow-memory 1T 1G\n"
	"crash\n"
	"shrink-memory 512G\n"
	"shrink-cpus 32\n"
	"crash\n";

const char *chp_scenario_default_text(void)
{
	return default_text;
}

struct parser {
	const char *name;
	unsigned line;
	const char *line_start;
	struct chp_scenario *sc;
	bool acted;     /* an action has come: settings are closed */
	unsigned machine_line; /* the first line setting what arch resets (cpus, ram ...) */
	unsigned reading; /* the line of a reload-read awaiting its reload-syscall */
	unsigned set_on[48]; /* by directives[] index: the line that gave a setting */
	size_t cap_actions; /* sc->actions has room for this many */
};

static int perr(const struct parser *p, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(const struct parser *p, const char *at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return chp_fail(-EINVAL, "%s:%u:%ld: %s", p->name, p->line, (long)(at - p->line_start) + 1, msg);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	/* Decimal or 0x hexadecimal, as crashhp-scenario(5) says: "010" is ten, not octal eight. */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

struct directive {
	const char *word;
	int nargs_min, nargs_max;
	int op;          /* enum chp_sc_op, or -1 for a setting */
};

static const struct directive directives[] = {
	{ "arch", 1, 1, -1 }, { "cpus", 1, 1, -1 }, { "nr-cpus", 1, 1, -1 },
	{ "max-ranges", 1, 1, -1 }, { "ram", 1, 1, -1 }, { "block", 1, 1, -1 },
	{ "crashkernel", 1, 1, -1 }, { "load", 1, 1, -1 }, { "policies", 1, 2, -1 },
	{ "seed", 1, 1, -1 }, { "crash-every", 1, 1, -1 }, { "crash-during", 1, 1, -1 },
	{ "concurrent", 3, 3, -1 },
	{ "add-dimm", 1, 2, CHP_SC_ADD_DIMM }, { "remove-dimm", 0, 1, CHP_SC_REMOVE_DIMM },
	{ "online-block", 1, 1, CHP_SC_ONLINE_BLOCK }, { "offline-block", 1, 1, CHP_SC_OFFLINE_BLOCK },
	{ "add-cpu", 1, 1, CHP_SC_ADD_CPU }, { "online-cpu", 1, 1, CHP_SC_ONLINE_CPU },
	{ "offline-cpu", 1, 1, CHP_SC_OFFLINE_CPU }, { "remove-cpu", 1, 1, CHP_SC_REMOVE_CPU },
	{ "grow-memory", 1, 2, CHP_SC_GROW_MEMORY }, { "shrink-memory", 1, 1, CHP_SC_SHRINK_MEMORY },
	{ "grow-cpus", 1, 1, CHP_SC_GROW_CPUS }, { "shrink-cpus", 1, 1, CHP_SC_SHRINK_CPUS },
	{ "crash", 0, 1, CHP_SC_CRASH }, { "crash-exhaustive", 0, 1, CHP_SC_CRASH_EXHAUSTIVE },
	{ "crash-at", 1, 1, CHP_SC_CRASH_AT }, { "storm", 1, 1, CHP_SC_STORM },
	{ "kexec-busy", 1, 1, CHP_SC_KEXEC_BUSY }, { "reload", 0, 0, CHP_SC_RELOAD },
	{ "reload-read", 0, 0, CHP_SC_RELOAD_READ }, { "reload-syscall", 0, 0, CHP_SC_RELOAD_SYSCALL },
};

/* The directive that sets each chp_sc_setting. */
static const char *const setting_words[CHP_SC_NR_SETTINGS] = {
	[CHP_SC_SET_ARCH] = "arch", [CHP_SC_SET_CPUS] = "cpus", [CHP_SC_SET_NR_CPUS] = "nr-cpus",
	[CHP_SC_SET_MAX_RANGES] = "max-ranges", [CHP_SC_SET_RAM] = "ram",
	[CHP_SC_SET_BLOCK] = "block", [CHP_SC_SET_CRASHKERNEL] = "crashkernel",
	[CHP_SC_SET_LOAD] = "load",
};

#define SET(x) (1u << CHP_SC_SET_##x)
/*
 * The machine's fields (lib/machine.c names them first in its messages) and
 * the settings each depends on; arch sets the defaults (ppc64's blocks are
 * 256 MiB) so it feeds the memory layout.
 */
static const struct {
	const char *field;
	unsigned settings;
} field_settings[] = {
	{ "nr_cpus_config", SET(NR_CPUS) | SET(MAX_RANGES) },
	{ "cpus_possible", SET(CPUS) | SET(NR_CPUS) },
	{ "cpus_present", SET(CPUS) },
	{ "cpus_online", SET(CPUS) },
	{ "block_size", SET(BLOCK) | SET(RAM) | SET(ARCH) },
	{ "boot_ram", SET(RAM) | SET(BLOCK) | SET(CRASHKERNEL) | SET(ARCH) },
	{ "crashkernel_size", SET(CRASHKERNEL) },
};

unsigned chp_scenario_setting_line(const struct chp_scenario *sc, const char *why)
{
	unsigned which = ~0u, line = 0;

	for (size_t i = 0; i < sizeof(field_settings) / sizeof(field_settings[0]); i++) {
		size_t n = strlen(field_settings[i].field);
		if (!strncmp(why, field_settings[i].field, n) && (why[n] == ':' || why[n] == ' '))
			which = field_settings[i].settings;
	}
	/* A field not named: the latest machine or load setting (a load that does not fit). */
	for (int s = 0; s < CHP_SC_NR_SETTINGS; s++)
		if ((which & (1u << s)) && sc->setting_line[s] > line)
			line = sc->setting_line[s];
	return line;
}

_Static_assert(sizeof(directives) / sizeof(directives[0]) <= sizeof(((struct parser *)0)->set_on) /
	       sizeof(unsigned), "struct parser's set_on has a slot for each directive");

static int setting(struct parser *p, const char *word, char **arg, int nargs)
{
	struct chp_scenario *sc = p->sc;
	uint64_t v;

	for (int s = 0; s < CHP_SC_NR_SETTINGS; s++)
		if (!strcmp(word, setting_words[s]))
			sc->setting_line[s] = p->line;

	if (!strcmp(word, "arch")) {
		enum chp_arch arch;
		if (chp_arch_from_name(&arch, arg[0]))
			return perr(p, arg[0], "unknown architecture '%s' (x86_64, ppc64le, ppc64)", arg[0]);
		chp_lab_spec_init(&sc->spec, arch);
		return 0;
	}
	if (!strcmp(word, "cpus")) {
		unsigned long long n[3] = { 0, 0, 0 };
		const char *at = arg[0];
		int k = 0;
		/* Each field a decimal number, all of the text read: "8::4" and "8:4:4:9" are errors. */
		for (bool ok = false; !ok;) {
			char *end;
			if (k == 3 || !isdigit((unsigned char)*at))
				return perr(p, arg[0], "cpus takes POSSIBLE[:PRESENT[:ONLINE]], not '%s'",
					    arg[0]);
			errno = 0;
			n[k] = strtoull(at, &end, 10);
			if (errno || n[k++] > 65535 || (*end && *end != ':'))
				return perr(p, arg[0], "cpus takes POSSIBLE[:PRESENT[:ONLINE]], not '%s'",
					    arg[0]);
			ok = !*end;
			at = end + !ok;
		}
		sc->spec.cpus_possible = (unsigned)n[0];
		sc->spec.cpus_present = (unsigned)(k > 1 ? n[1] : n[0]);
		sc->spec.cpus_online = (unsigned)(k > 2 ? n[2] : sc->spec.cpus_present);
		return 0;
	}
	if (!strcmp(word, "load")) {
		if (strcmp(arg[0], "file") && strcmp(arg[0], "segments") && strcmp(arg[0], "segments-hotplug") &&
		    strcmp(arg[0], "segments-update-elfcorehdr"))
			return perr(p, arg[0], "load takes file, segments, segments-hotplug or "
				    "segments-update-elfcorehdr, not '%s'", arg[0]);
		sc->load.mode = strcmp(arg[0], "file") ? CHP_LOAD_SEGMENTS : CHP_LOAD_FILE;
		sc->load.hotplug_flag = !strcmp(arg[0], "segments-hotplug");
		sc->load.update_elfcorehdr_flag = !strcmp(arg[0], "segments-update-elfcorehdr");
		return 0;
	}
	if (!strcmp(word, "policies")) {
		sc->run_policy[0] = sc->run_policy[1] = false;
		for (int i = 0; i < nargs; i++) {
			enum chp_policy pol;
			if (chp_policy_from_name(&pol, arg[i]))
				return perr(p, arg[i], "unknown policy '%s' (mainline, robust)", arg[i]);
			sc->run_policy[pol] = true;
		}
		return 0;
	}
	if (!strcmp(word, "concurrent")) {
		uint64_t n[3];
		for (int i = 0; i < 3; i++)
			if (!parse_u64(arg[i], &n[i]) || n[i] == 0 || n[i] > (i == 0 ? 256 : 1000000))
				return perr(p, arg[i], "concurrent takes THREADS (1-256) EVENTS ROUNDS, "
					    "not '%s'", arg[i]);
		sc->conc_threads = (unsigned)n[0];
		sc->conc_events = (unsigned)n[1];
		sc->conc_rounds = (unsigned)n[2];
		sc->conc_line = p->line;
		return 0;
	}
	bool is_size = !strcmp(word, "ram") || !strcmp(word, "block") || !strcmp(word, "crashkernel");
	if (is_size ? !chp_parse_size(arg[0], &v) : !parse_u64(arg[0], &v))
		return perr(p, arg[0], "%s takes a %s, not '%s'", word, is_size ? "size" : "number", arg[0]);
	if (!is_size && strcmp(word, "seed") && v > 65535)
		return perr(p, arg[0], "%s: %" PRIu64 " is too large", word, v);
	if (!strcmp(word, "ram"))
		sc->spec.boot_ram = v;
	else if (!strcmp(word, "block"))
		sc->spec.block_size = v;
	else if (!strcmp(word, "crashkernel"))
		sc->spec.crashkernel_size = v;
	else if (!strcmp(word, "nr-cpus"))
		sc->spec.nr_cpus_config = (unsigned)v;
	else if (!strcmp(word, "max-ranges"))
		sc->spec.max_memory_ranges = (unsigned)v;
	else if (!strcmp(word, "seed"))
		sc->seed = v;
	else if (!strcmp(word, "crash-every"))
		sc->crash_every = (unsigned)v;
	else
		sc->crash_during = (unsigned)v;
	return 0;
}

static int action(struct parser *p, int op, char **arg, int nargs)
{
	struct chp_scenario *sc = p->sc;
	struct chp_sc_action a = { .op = (enum chp_sc_op)op, .line = p->line };
	bool sizes = op == CHP_SC_ADD_DIMM || op == CHP_SC_GROW_MEMORY || op == CHP_SC_SHRINK_MEMORY ||
		     op == CHP_SC_REMOVE_DIMM;

	for (int i = 0; i < nargs; i++) {
		uint64_t *dst = i == 0 ? &a.a : &a.b;
		/* The address of add-dimm and remove-dimm, sizes elsewhere; numbers for the rest. */
		if (sizes ? !chp_parse_size(arg[i], dst) : !parse_u64(arg[i], dst))
			return perr(p, arg[i], "expected a %s, not '%s'", sizes ? "size or address" : "number",
				    arg[i]);
	}
	if (op == CHP_SC_CRASH && nargs == 1) {
		if (a.a >= sc->spec.cpus_possible)
			return perr(p, arg[0], "crash: CPU %s is not a possible CPU (cpus %u)", arg[0],
				    sc->spec.cpus_possible);
		a.a++;   /* 0 stays "the newest online CPU" */
	}
	/* One reload at a time: a reload-read is closed by its reload-syscall. */
	if (op == CHP_SC_RELOAD_SYSCALL && !p->reading)
		return perr(p, p->line_start + strspn(p->line_start, " \t"),
			    "reload-syscall: no reload-read before it");
	if ((op == CHP_SC_RELOAD_READ || op == CHP_SC_RELOAD) && p->reading)
		return perr(p, p->line_start + strspn(p->line_start, " \t"),
			    "%s: the reload-read on line %u has not had its reload-syscall",
			    op == CHP_SC_RELOAD ? "reload" : "reload-read", p->reading);
	if (op == CHP_SC_RELOAD_READ || op == CHP_SC_RELOAD_SYSCALL)
		p->reading = op == CHP_SC_RELOAD_READ ? p->line : 0;
	if (op == CHP_SC_GROW_MEMORY && nargs < 2)
		a.b = 1ull << 30;
	if ((op == CHP_SC_ADD_DIMM || op == CHP_SC_GROW_MEMORY || op == CHP_SC_STORM ||
	     op == CHP_SC_CRASH_AT) && (a.a == 0 || (nargs > 1 && a.b == 0 && op == CHP_SC_GROW_MEMORY)))
		return perr(p, arg[0], "%s must be more than 0", op == CHP_SC_STORM ? "a storm" :
			    op == CHP_SC_CRASH_AT ? "an event number" : "a size");
	/* A line an action: a file of 16 MiB holds a million of them. */
	if (chp_grow(&sc->actions, &p->cap_actions, sc->nactions + 1, sizeof(*sc->actions), 64))
		return chp_fail(-ENOMEM, "out of memory");
	sc->actions[sc->nactions++] = a;
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *tok[8];
	int n = 0;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	for (char *s = line; *s;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		if (n == 8)
			return perr(p, s, "too many words");
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];
		if (strcmp(tok[0], d->word))
			continue;
		const char *at = n - 1 > d->nargs_max ? tok[d->nargs_max + 1] : tok[0];
		if (n - 1 < d->nargs_min || n - 1 > d->nargs_max) {
			if (d->nargs_max == 0)
				return perr(p, at, "%s takes no arguments", d->word);
			if (d->nargs_min == d->nargs_max)
				return perr(p, at, "%s takes %d argument%s", d->word, d->nargs_max,
					    d->nargs_max == 1 ? "" : "s");
			return perr(p, at, "%s takes %d to %d arguments", d->word, d->nargs_min,
				    d->nargs_max);
		}
		if (d->op < 0) {
			if (p->acted)
				return perr(p, tok[0], "'%s' must come before the first action", d->word);
			/* A second value would silently win: which one the author meant is not ours to guess. */
			if (p->set_on[i])
				return perr(p, tok[0], "'%s' is already set on line %u; a setting is given "
					    "once", d->word, p->set_on[i]);
			p->set_on[i] = p->line;
			/* arch sets every machine default (chp_lab_spec_init()): it would drop these unsaid. */
			if (!strcmp(d->word, "arch") && p->machine_line)
				return perr(p, tok[0], "'arch' must come before the machine's settings (line "
					    "%u): it sets their defaults", p->machine_line);
			if (!p->machine_line && (!strcmp(d->word, "cpus") || !strcmp(d->word, "nr-cpus") ||
						 !strcmp(d->word, "max-ranges") || !strcmp(d->word, "ram") ||
						 !strcmp(d->word, "block") || !strcmp(d->word, "crashkernel")))
				p->machine_line = p->line;
			return setting(p, d->word, tok + 1, n - 1);
		}
		p->acted = true;
		return action(p, d->op, tok + 1, n - 1);
	}
	return perr(p, tok[0], "unknown directive '%s'", tok[0]);
}

int chp_scenario_parse(struct chp_scenario **out, const char *text, const char *name)
{
	struct chp_scenario *sc = calloc(1, sizeof(*sc));
	struct parser p = { .name = name, .sc = sc };
	char *copy = strdup(text), *cursor, *nl;
	char *whole_name = strdup(name);
	int err = 0;

	if (!sc || !copy || !whole_name) {
		free(sc);
		free(copy);
		free(whole_name);
		return chp_fail(-ENOMEM, "out of memory");
	}
	sc->name = whole_name;
	chp_lab_spec_init(&sc->spec, CHP_ARCH_X86_64);
	chp_load_options_init(&sc->load);
	sc->run_policy[CHP_POLICY_MAINLINE] = sc->run_policy[CHP_POLICY_ROBUST] = true;
	sc->seed = 1;
	for (cursor = copy; !err && cursor; cursor = nl) {
		nl = strchr(cursor, '\n');
		if (nl)
			*nl++ = '\0';
		p.line++;
		p.line_start = cursor;
		if (strlen(cursor) > 1024)
			err = perr(&p, cursor, "line longer than 1024 characters");
		else
			err = parse_line(&p, cursor);
	}
	free(copy);
	if (!err && p.reading)
		err = chp_fail(-EINVAL, "%s:%u: reload-read: no reload-syscall follows", name, p.reading);
	if (err) {
		chp_scenario_free(sc);
		return err;
	}
	*out = sc;
	return 0;
}

void chp_scenario_free(struct chp_scenario *sc)
{
	if (!sc)
		return;
	free(sc->actions);
	free(sc->name);
	free(sc);
}
