/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp watch: follow real hotplug.  Each uevent the kernel sends about a
 * memory block or a CPU is applied to the machine's model with the kernel's
 * ordering; a header is kept true by the robust policy and written out; where
 * the kernel's own update is absent, inactive or known to leave a gap, a
 * reload command runs, bursts coalesced.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crashhp/error.h"
#include "crashhp/hotplug.h"
#include "crashhp/machine.h"
#include "crashhp/sysroot.h"
#include "crashhp/uevent.h"
#include "tool.h"

static const char watch_usage[] =
	"Usage: crashhp watch [--sysroot DIR] [-o FILE] [--json] [--reload CMD]\n"
	"\n"
	"Follow real CPU and memory hotplug through the kernel's uevents.  The\n"
	"machine's model and an elfcorehdr are kept true under the robust policy;\n"
	"each event prints a line with its latency from receipt to updated header.\n"
	"\n"
	"  --sysroot DIR    the machine's files (default /)\n"
	"  -o FILE          keep the header there (replaced atomically on each change)\n"
	"  --json           one JSON object per line\n"
	"  --reload CMD     run CMD (with sh -c) to reload kdump where the kernel's\n"
	"                   own update is absent, not active for the loaded image, or\n"
	"                   known to leave a gap (x86 memory removal); at most one\n"
	"                   runs, events meanwhile cause exactly one more\n"
	"  --uevent-fd FD   read framed uevents from FD instead of the kernel (tests)\n"
	"  --count N        stop after N events\n"
	"  -h, --help       this help\n"
	"\n"
	"SIGINT or SIGTERM stops it, after a reload in progress has finished.\n"
	"Exit status: 0 stopped, 2 usage, 3 a machine that shows too little,\n"
	"4 system error.\n";

struct watch {
	const char *sysroot, *output, *reload;
	bool json;
	int uevent_fd;            /* -1: the kernel's socket */
	long count;
	struct chp_sysroot *s;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;   /* NULL: too little known to keep a header */
	bool x86_gap;             /* memory removal needs a reload despite the kernel */
	int cpuhp, memhp;
	pid_t reloading;          /* 0: none running */
	bool reload_pending;
	uint64_t reloads, coalesced;
	struct timespec reload_started;
};

static double since_us(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e6 + (double)(t.tv_nsec - t0->tv_nsec) / 1e3;
}

static int write_header(struct watch *w)
{
	struct chp_segment_info seg;
	size_t index;
	uint8_t *buf;
	int err;

	if (!w->output || !w->hp)
		return 0;
	err = chp_kimage_elfcorehdr_index(w->img, &index);
	if (!err)
		err = chp_kimage_segment(w->img, index, &seg);
	if (err)
		return err;
	/* The used part: ELF header and program headers up to e_phnum. */
	uint8_t eh[64];
	err = chp_kimage_read(w->img, seg.paddr, eh, sizeof(eh));
	if (err)
		return err;
	size_t len = 64 + (size_t)(eh[56] | eh[57] << 8) * 56;
	len = (len + 4095) & ~(size_t)4095;
	if (len > seg.memsz)
		len = (size_t)seg.memsz;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = chp_kimage_read(w->img, seg.paddr, buf, len);
	if (!err)
		err = tool_write_file_atomic(w->output, buf, len);
	free(buf);
	return err;
}

static void model_load_options(struct chp_load_options *o)
{
	chp_load_options_init(o);
	o->kernel_size = 4096;
	o->initrd_size = 0;
}

/* The header model: robust policy over a crash image of the machine's own header. */
static int start_model(struct watch *w)
{
	struct chp_load_options o;
	bool notes = tool_notes_known(w->m) > 0;
	int err;

	if (!chp_ranges_count(chp_machine_crashkernel(w->m)) || !notes) {
		fprintf(stderr, "crashhp: watch: %s: %s; following events without a header\n",
			chp_sysroot_prefix(w->s), notes ? "the crashkernel's place is unknown"
						    : "no CPU's crash_notes is known");
		return 0;
	}
	err = chp_kimage_new(&w->img, *chp_ranges_at(chp_machine_crashkernel(w->m), 0));
	if (!err)
		err = chp_hotplug_new(&w->hp, CHP_POLICY_ROBUST, w->m, w->img);
	model_load_options(&o);
	if (!err)
		err = chp_hotplug_load(w->hp, &o);
	if (!err)
		err = write_header(w);
	return err;
}

/*
 * The kernel's x86 header has a note for every possible CPU from the load,
 * but sysfs shows a CPU's crash_notes only once it is present: when one
 * becomes known the model is loaded again, as the kernel's was, with it.
 */
static int rebuild_model(struct watch *w)
{
	struct chp_load_options o;
	int err;

	if (!w->hp)
		return start_model(w);
	model_load_options(&o);
	err = chp_hotplug_unload(w->hp);
	return err ? err : chp_hotplug_load(w->hp, &o);
}

static void start_reload(struct watch *w)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", w->reload, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "crashhp: watch: reload: %s\n", strerror(errno));
		return;
	}
	w->reloading = pid;
	w->reloads++;
	clock_gettime(CLOCK_MONOTONIC, &w->reload_started);
}

/* At most one reload at a time; anything meanwhile means exactly one more. */
static void want_reload(struct watch *w)
{
	if (!w->reload)
		return;
	if (w->reloading) {
		w->coalesced += w->reload_pending;
		w->reload_pending = true;
		return;
	}
	start_reload(w);
}

static void reaped(struct watch *w)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != w->reloading)
			continue;
		double us = since_us(&w->reload_started);
		if (w->json)
			printf("{\"reload\": \"done\", \"status\": %d, \"ms\": %.1f}\n",
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), us / 1e3);
		else
			printf("reload finished: status %d after %.1f ms\n",
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), us / 1e3);
		w->reloading = 0;
		if (w->reload_pending) {
			w->reload_pending = false;
			start_reload(w);
		}
		fflush(stdout);
	}
}

/* Apply a change to the model, as the kernel ordered it; *notes_learned when
 * a CPU's crash_notes became known (the header must be built again). */
static int apply(struct watch *w, enum chp_uevent_change c, uint64_t n, bool *notes_learned)
{
	uint64_t bs = chp_machine_block_size(w->m);
	int err = 0;

	chp_machine_lock_state(w->m);
	enum chp_block_state st = chp_machine_block_state(w->m, (size_t)n);
	bool present = chp_machine_cpu_present(w->m, (unsigned)n);
	chp_machine_unlock_state(w->m);
	switch (c) {
	case CHP_UEV_MEMORY_ADD:
		return st == CHP_BLOCK_ABSENT ? chp_machine_add_dimm(w->m, n * bs, bs, false) : 0;
	case CHP_UEV_MEMORY_ONLINE:
		if (st == CHP_BLOCK_ABSENT)
			err = chp_machine_add_dimm(w->m, n * bs, bs, false);
		return err ? err : chp_machine_online_block(w->m, (size_t)n);
	case CHP_UEV_MEMORY_OFFLINE:
		return chp_machine_offline_block(w->m, (size_t)n);
	case CHP_UEV_MEMORY_REMOVE:
		return st == CHP_BLOCK_ABSENT ? 0 : chp_machine_remove_dimm(w->m, n * bs, bs);
	case CHP_UEV_CPU_ADD:
	case CHP_UEV_CPU_ONLINE: {
		/* A CPU's crash_notes appears with it. */
		uint64_t pa, size;
		if (!chp_sysroot_cpu_notes_now(w->s, (unsigned)n, &pa, &size) && pa) {
			*notes_learned = chp_machine_cpu_notes(w->m, (unsigned)n).paddr != pa;
			chp_machine_set_cpu_notes(w->m, (unsigned)n, (struct chp_note_loc){ pa, size });
		}
		if (!present)
			err = chp_machine_add_cpu(w->m, (unsigned)n);
		return err || c == CHP_UEV_CPU_ADD ? err : chp_machine_online_cpu(w->m, (unsigned)n);
	}
	case CHP_UEV_CPU_OFFLINE:
		return chp_machine_offline_cpu(w->m, (unsigned)n);
	case CHP_UEV_CPU_REMOVE:
		return chp_machine_remove_cpu(w->m, (unsigned)n);
	case CHP_UEV_NONE:
		break;
	}
	return 0;
}

static bool needs_reload(const struct watch *w, enum chp_uevent_change c)
{
	bool mem = c >= CHP_UEV_MEMORY_ONLINE && c <= CHP_UEV_MEMORY_REMOVE;

	if (mem && w->memhp != 1)
		return true;
	if (!mem && w->cpuhp != 1)
		return true;
	/* x86 keeps a removed range as a resource at MEM_OFFLINE. */
	return mem && w->x86_gap && (c == CHP_UEV_MEMORY_OFFLINE || c == CHP_UEV_MEMORY_REMOVE);
}

static void one_event(struct watch *w, const struct chp_uevent *ev, const struct timespec *t0)
{
	uint64_t n = 0, stores = w->hp ? chp_hotplug_stats(w->hp)->stores : 0;
	enum chp_uevent_change c = chp_uevent_classify(ev, &n);
	int err;

	if (c == CHP_UEV_NONE)
		return;
	bool rebuilt = false;
	err = apply(w, c, n, &rebuilt);
	if (err == -EALREADY)
		err = 0; /* the model already knew (a replayed or duplicate event) */
	rebuilt = rebuilt && !err;
	if (rebuilt)
		err = rebuild_model(w);
	if (!err)
		err = write_header(w);
	double us = since_us(t0);
	uint64_t changed = w->hp ? chp_hotplug_stats(w->hp)->stores - stores : 0;
	bool reload = !err && needs_reload(w, c);
	if (w->json) {
		printf("{\"event\": \"%s\", \"index\": %" PRIu64 ", \"seqnum\": %" PRIu64 ", "
		       "\"latency_us\": %.1f, \"header_stores\": %" PRIu64 ", \"header_rebuilt\": %s, "
		       "\"reload\": %s", chp_uevent_change_name(c), n, ev->seqnum, us, changed,
		       rebuilt ? "true" : "false", reload ? "true" : "false");
		if (err)
			printf(", \"error\": \"%s\"", chp_last_error());
		printf("}\n");
	} else {
		printf("%s %" PRIu64 ": %s in %.1f us (%" PRIu64 " stores)%s%s%s%s\n",
		       chp_uevent_change_name(c), n, w->hp ? "header updated" : "model updated", us,
		       changed, rebuilt ? ", header rebuilt with the CPU's note" : "",
		       reload ? ", reload" : "", err ? ": " : "", err ? chp_last_error() : "");
	}
	fflush(stdout);
	if (reload)
		want_reload(w);
	if (w->count > 0)
		w->count--;
}

static int loop(struct watch *w)
{
	sigset_t set;
	int sfd, ufd = w->uevent_fd;
	struct chp_uevent *ev = malloc(sizeof(*ev));

	if (!ev)
		return EXIT_SYSTEM;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (ufd < 0 && chp_uevent_open_netlink(&ufd)) {
		tool_error("watch: %s", tool_why());
		free(ev);
		return EXIT_SYSTEM;
	}
	if (w->json)
		printf("{\"watching\": \"%s\", \"header\": %s}\n", chp_sysroot_prefix(w->s),
		       w->hp ? "true" : "false");
	else
		printf("watching %s for CPU and memory hotplug%s\n", chp_sysroot_prefix(w->s),
		       w->hp ? "" : " (no header: see above)");
	fflush(stdout);
	bool stopping = false;
	while (!stopping || w->reloading) {
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { ufd, POLLIN, 0 } };
		if (poll(p, stopping ? 1 : 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					reaped(w);
				else
					stopping = true;
			}
		}
		if (!stopping && (p[1].revents & (POLLIN | POLLHUP))) {
			struct timespec t0;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			int err = w->uevent_fd >= 0 ? chp_uevent_receive_framed(ufd, ev)
						    : chp_uevent_receive_netlink(ufd, ev);
			if (err == -ENOTCONN) {
				stopping = true;
			} else if (err) {
				/* Refused: said so, and nothing changes. */
				if (w->json)
					printf("{\"rejected\": \"%s\"}\n", chp_last_error());
				else
					printf("rejected: %s\n", chp_last_error());
				fflush(stdout);
			} else {
				one_event(w, ev, &t0);
			}
			if (w->count == 0)
				stopping = true;
		}
	}
	if (w->json)
		printf("{\"stopped\": true, \"reloads\": %" PRIu64 ", \"coalesced\": %" PRIu64 "}\n",
		       w->reloads, w->coalesced);
	else
		printf("stopped: %" PRIu64 " reloads run, %" PRIu64 " requests coalesced\n", w->reloads,
		       w->coalesced);
	close(sfd);
	if (w->uevent_fd < 0)
		close(ufd);
	free(ev);
	return EXIT_OK;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "reload", required_argument, NULL, 'r' },
		{ "uevent-fd", required_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct watch w = { .sysroot = "/", .uevent_fd = -1, .count = -1 };
	unsigned long long v;
	int opt, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': w.sysroot = optarg; break;
		case 'o': w.output = optarg; break;
		case 'j': w.json = true; break;
		case 'r': w.reload = optarg; break;
		case 'u':
		case 'c':
			if (!tool_parse_uint(optarg, opt == 'u' ? 65535 : 1u << 30, &v)) {
				tool_error("watch: --%s takes a number, not '%s'",
					   opt == 'u' ? "uevent-fd" : "count", optarg);
				return EXIT_USAGE;
			}
			if (opt == 'u')
				w.uevent_fd = (int)v;
			else
				w.count = (long)v;
			break;
		case 'h': fputs(watch_usage, stdout); return EXIT_OK;
		default: fputs(watch_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tool_error("watch: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (chp_sysroot_open(&w.s, w.sysroot) || chp_machine_new_from_sysroot(&w.m, w.s)) {
		tool_error("watch: %s", tool_why());
		chp_sysroot_free(w.s);
		return EXIT_BAD_INPUT;
	}
	w.cpuhp = chp_sysroot_cpu_crash_hotplug(w.s);
	w.memhp = chp_sysroot_memory_crash_hotplug(w.s);
	w.x86_gap = chp_machine_kernel_text(w.m) != NULL;
	if (start_model(&w)) {
		tool_error("watch: %s", tool_why());
		rc = EXIT_SYSTEM;
	}
	if (!rc)
		rc = loop(&w);
	chp_hotplug_free(w.hp);
	chp_kimage_free(w.img);
	chp_machine_free(w.m);
	chp_sysroot_free(w.s);
	return rc;
}
