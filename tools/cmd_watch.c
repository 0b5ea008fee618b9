/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp watch: follow real hotplug.  The uevent socket is opened first, the
 * machine read second, and what queued meanwhile applied third (idempotently),
 * so no event is lost to the start; each uevent about a memory block or a CPU
 * is applied to the machine's model with the kernel's ordering; a header is
 * kept true by the robust policy and written out; where the kernel's own
 * update is absent, inactive or known to leave a gap, a reload runs (see
 * watch_reload.c).  A lost message (ENOBUFS, a gap in SEQNUM) means reading
 * the machine again.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "crashhp/error.h"
#include "crashhp/sysroot.h"
#include "crashhp/uevent.h"
#include "tool.h"
#include "watch.h"

static const char watch_usage[] =
	"Usage: crashhp watch [--sysroot DIR] [-o FILE] [--json] [--reload CMD|auto]\n"
	"                     [--reload-timeout SECONDS] [--reload-retries N]\n"
	"                     [--receive-buffer SIZE]\n"
	"\n"
	"Follow real CPU and memory hotplug through the kernel's uevents.  The\n"
	"machine's model and an elfcorehdr are kept true under the robust policy;\n"
	"each event prints a line with its latency from receipt to updated header.\n"
	"\n"
	"  --sysroot DIR           the machine's files (default /)\n"
	"  -o FILE                 keep the header there (replaced atomically, fsync'ed)\n"
	"  --json                  one JSON object per line\n"
	"  --reload CMD            run CMD (sh -c, in its own session) to reload kdump\n"
	"                          where the kernel's own update is absent, not active\n"
	"                          for the loaded image, or known to leave a gap (x86\n"
	"                          memory removal); at most one runs, changes meanwhile\n"
	"                          cause exactly one more\n"
	"  --reload auto           the distribution's tool, as its udev rule runs it:\n"
	"                          kdumpctl reload (kdump-utils, while kdump.service is\n"
	"                          active) or kdump-config try-reload (kdump-tools)\n"
	"  --reload-timeout SECS   end a reload running longer (TERM, then KILL 5 s\n"
	"                          later, to its process group); default 300\n"
	"  --reload-retries N      retry a failed reload N times, waiting 1, 2, 4 ... 60 s;\n"
	"                          default 5\n"
	"  --receive-buffer SIZE   the uevent socket's receive buffer (default 128M)\n"
	"  --uevent-fd FD          read framed uevents from FD instead of the kernel (tests)\n"
	"  --count N               stop after N events\n"
	"  -h, --help              this help\n"
	"\n"
	"It says READY once the socket is open and the machine read (and tells systemd,\n"
	"Type=notify).  SIGUSR1 prints its view of the machine as one line.  SIGINT or\n"
	"SIGTERM stops it, after a reload in progress has finished.\n"
	"Exit status: 0 stopped, 2 usage (or --reload auto finding no tool), 3 a machine\n"
	"that shows too little, 4 system error.\n";

struct watch {
	bool json;
	int uevent_fd;            /* -1: the kernel's socket */
	uint64_t receive_buffer;  /* 0: the default (128 MiB) */
	long count;
	struct watch_model model;
	struct reload reload;
};

/*
 * A change while a reload runs, even one the kernel updates its image for:
 * that reload may have read the machine before it (kexec-tools reads
 * /proc/iomem before kexec_load(2); the kernel's handler then updates the
 * image the load replaces) or be inside the syscall (the kernel drops the
 * event: the loader holds the kexec lock).  One more reload, which starts
 * after this change was seen, so reads it.
 */
static bool reload_again(const struct watch *w, const struct model_change *ch)
{
	return ch->changed && !ch->reload && w->reload.pid;
}

static void print_event(struct watch *w, enum chp_uevent_change c, uint64_t n, uint64_t seqnum,
			double us, const struct model_change *ch)
{
	bool again = reload_again(w, ch);

	const struct watch_model *wm = &w->model;

	if (w->json) {
		struct json j;
		json_begin(&j, stdout);
		json_string(&j, "event", chp_uevent_change_name(c));
		json_uint(&j, "index", n);
		json_uint(&j, "seqnum", seqnum);
		json_double(&j, "latency_us", us, 1);
		json_bool(&j, "changed", ch->changed);
		json_uint(&j, "header_stores", ch->header_stores);
		json_bool(&j, "header_rebuilt", ch->rebuilt);
		json_bool(&j, "reload", ch->reload);
		if (again)
			json_bool(&j, "reload_again", true);
		if (ch->unknown_block)
			json_bool(&j, "unknown_block", true);
		if (ch->err)
			json_string(&j, "error", wm->error);
		json_end_line(&j);
	} else {
		printf("%s %" PRIu64 ": %s in %.1f us (%" PRIu64 " stores)%s%s%s%s%s\n",
		       chp_uevent_change_name(c), n,
		       !ch->changed ? "no change" : wm->hp ? "header updated" : "model updated", us,
		       ch->header_stores, ch->rebuilt ? ", header rebuilt with the CPU's note" : "",
		       ch->reload ? ", reload" : "",
		       again ? ", reload again (it came during a reload)" : "",
		       ch->err ? ": " : "", ch->err ? wm->error : "");
	}
	fflush(stdout);
	/* Standard output is the event log; what failed goes to the journal's errors too. */
	if (ch->err)
		tool_error("watch: %s %" PRIu64 ": %s", chp_uevent_change_name(c), n, wm->error);
}

static void resync(struct watch *w, const char *why)
{
	struct model_change ch;

	model_resync(&w->model, &ch);
	bool again = reload_again(w, &ch);
	if (w->json) {
		struct json j;
		json_begin(&j, stdout);
		json_string(&j, "resync", why);
		json_bool(&j, "changed", ch.changed);
		json_bool(&j, "reload", ch.reload);
		if (again)
			json_bool(&j, "reload_again", true);
		if (ch.err)
			json_string(&j, "error", w->model.error);
		json_end_line(&j);
	} else {
		printf("resync (%s): %s%s%s%s%s\n", why, ch.changed ? "the machine differed, header "
								   "rewritten" : "no difference",
		       ch.reload ? ", reload" : "", again ? ", reload again (it came during a reload)" : "",
		       ch.err ? ": " : "", ch.err ? w->model.error : "");
	}
	fflush(stdout);
	if (ch.reload || again)
		reload_request(&w->reload);
}

static void one_event(struct watch *w, const struct chp_uevent *ev, double t0)
{
	struct watch_model *wm = &w->model;
	uint64_t n = 0;

	/*
	 * The kernel numbers every uevent; a gap means one never reached us
	 * (or went to another network namespace): the machine is read again.
	 */
	if (ev->seqnum && wm->last_seqnum && ev->seqnum != wm->last_seqnum + 1) {
		char why[96];
		snprintf(why, sizeof(why), "SEQNUM %" PRIu64 " after %" PRIu64, ev->seqnum,
			 wm->last_seqnum);
		resync(w, why);
	}
	if (ev->seqnum)
		wm->last_seqnum = ev->seqnum;
	enum chp_uevent_change c = chp_uevent_classify(ev, &n);
	if (c == CHP_UEV_NONE)
		return;
	struct model_change ch;
	model_apply(wm, c, n, &ch);
	print_event(w, c, n, ev->seqnum, (watch_now() - t0) * 1e6, &ch);
	if (ch.reload || reload_again(w, &ch))
		reload_request(&w->reload);
	if (w->count > 0)
		w->count--;
}

static void print_ready(struct watch *w, size_t rcvbuf)
{
	const struct watch_model *wm = &w->model;

	if (w->json) {
		struct json j;
		json_begin(&j, stdout);
		json_bool(&j, "ready", true);
		json_string(&j, "watching", chp_sysroot_prefix(wm->s));
		json_bool(&j, "header", wm->hp);
		json_uint(&j, "receive_buffer", rcvbuf);
		if (w->reload.cmd)
			json_string(&j, "reload", w->reload.cmd);
		else
			json_null(&j, "reload");
		json_end_line(&j);
	} else {
		printf("READY: watching %s for CPU and memory hotplug%s\n", tool_name(chp_sysroot_prefix(wm->s)),
		       wm->hp ? "" : " (no header: see above)");
	}
	fflush(stdout);
	/* Type=notify: the socket is open and the machine read. */
	sd_notify(0, "READY=1");
}

/*
 * Messages were lost: what queued before the loss is older than any reading
 * now.  Bounded, so a flood that never pauses cannot hold watch here; what
 * is left is applied after the resync, idempotently.
 */
static void drain(int fd, bool framed, struct chp_uevent *ev)
{
	struct pollfd p = { fd, POLLIN, 0 };

	for (int n = 0; n < 65536 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN); n++) {
		int err = framed ? chp_uevent_receive_framed(fd, ev) : chp_uevent_receive_netlink(fd, ev);
		if (err == -ENOTCONN)
			break;
	}
}

static int loop(struct watch *w, int sfd, int ufd)
{
	struct chp_uevent *ev = malloc(sizeof(*ev));
	bool stopping = false, framed = w->uevent_fd >= 0;
	int rc = EXIT_OK;

	if (!ev)
		return EXIT_SYSTEM;
	while (!stopping || !reload_idle(&w->reload, stopping)) {
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { ufd, POLLIN, 0 } };
		if (poll(p, stopping ? 1 : 2, reload_poll_timeout(&w->reload)) < 0 && errno != EINTR)
			break;
		reload_tick(&w->reload, stopping);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					reload_reap(&w->reload, stopping);
				else if (si.ssi_signo == SIGUSR1)
					model_print_view(&w->model, &w->reload, w->json);
				else if (!stopping) {
					stopping = true;
					sd_notify(0, "STOPPING=1");
				}
			}
		}
		/* POLLNVAL too: a descriptor that is not open fails the read, not the loop forever. */
		if (!stopping && (p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
			double t0 = watch_now();
			int err = framed ? chp_uevent_receive_framed(ufd, ev)
					 : chp_uevent_receive_netlink(ufd, ev);
			if (err == -ENOTCONN) {
				stopping = true;
			} else if (err == -ENOBUFS) {
				drain(ufd, framed, ev);
				resync(w, chp_last_error());
			} else if (err && err != -EINVAL && err != -EPERM) {
				/* Not a message refused but a socket that fails: no busy loop. */
				if (err != -EINTR && err != -EAGAIN) {
					tool_error("watch: %s", chp_last_error());
					rc = EXIT_SYSTEM;
					stopping = true;
				}
			} else if (err) {
				/* Refused: said so, and nothing changes. */
				if (w->json) {
					struct json j;
					json_begin(&j, stdout);
					json_string(&j, "rejected", chp_last_error());
					json_end_line(&j);
				} else {
					printf("rejected: %s\n", chp_last_error());
				}
				fflush(stdout);
			} else {
				one_event(w, ev, t0);
			}
			if (w->count == 0)
				stopping = true;
		}
	}
	const struct reload *r = &w->reload;
	if (w->json) {
		struct json j;
		json_begin(&j, stdout);
		json_bool(&j, "stopped", true);
		json_uint(&j, "events", w->model.events);
		json_uint(&j, "resyncs", w->model.resyncs);
		json_uint(&j, "reloads", r->runs);
		json_uint(&j, "coalesced", r->coalesced);
		json_uint(&j, "reloads_failed", r->failed);
		json_uint(&j, "reload_timeouts", r->timeouts);
		json_end_line(&j);
	} else {
		printf("stopped: %" PRIu64 " events, %" PRIu64 " resyncs, %" PRIu64 " reloads run, %"
		       PRIu64 " requests coalesced, %" PRIu64 " failed, %" PRIu64 " timed out\n",
		       w->model.events, w->model.resyncs, r->runs, r->coalesced, r->failed,
		       r->timeouts);
	}
	fflush(stdout);
	free(ev);
	return rc;
}

/*
 * Signals first: SIGCHLD to its default (an inherited "ignore" would reap
 * reloads before watch sees them), and INT, TERM, CHLD and USR1 blocked and
 * read through a signalfd before any file is written.
 */
static int take_signals(void)
{
	sigset_t set;

	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/*
 * Tests only: a command run after the socket is open and before the machine
 * is read, where a change would be lost if the order were the other way.
 */
static void between_open_and_read(void)
{
	const char *cmd = getenv("CRASHHP_WATCH_TEST_AFTER_OPEN");

	if (cmd && *cmd && system(cmd) != 0)
		fprintf(stderr, "crashhp: watch: CRASHHP_WATCH_TEST_AFTER_OPEN failed\n");
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 86400)
		return false;
	*out = v;
	return true;
}

static int parse_args(struct watch *w, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "reload", required_argument, NULL, 'r' },
		{ "reload-timeout", required_argument, NULL, 't' },
		{ "reload-retries", required_argument, NULL, 'R' },
		{ "uevent-fd", required_argument, NULL, 'u' },
		{ "receive-buffer", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int opt;

	while ((opt = tool_getopt(argc, argv, "watch", "ho:", longopts)) != -1) {
		switch (opt) {
		case 's': w->model.sysroot = optarg; break;
		case 'o': w->model.output = optarg; break;
		case 'j': w->json = w->reload.json = true; break;
		case 'r': w->reload.cmd = optarg; break;
		case 't':
			if (!parse_seconds(optarg, &w->reload.timeout_s)) {
				tool_usage_error("watch", "--reload-timeout takes seconds "
						 "(0 < s <= 86400), not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			if (!tool_parse_size(optarg, &w->receive_buffer) || w->receive_buffer < 1024 ||
			    w->receive_buffer > (1u << 30)) {
				tool_usage_error("watch", "--receive-buffer takes a size from 1K to "
						 "1G, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R':
		case 'u':
		case 'c': {
			const char *name = opt == 'R' ? "reload-retries" : opt == 'u' ? "uevent-fd" : "count";
			if (!tool_parse_uint(optarg, opt == 'R' ? 100 : opt == 'u' ? 65535 : 1u << 30, &v)) {
				tool_usage_error("watch", "--%s takes a number, not '%s'", name, optarg);
				return EXIT_USAGE;
			}
			if (opt == 'R')
				w->reload.max_retries = (unsigned)v;
			else if (opt == 'u')
				w->uevent_fd = (int)v;
			else
				w->count = (long)v;
			break;
		}
		case 'h': fputs(watch_usage, stdout); return -1;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tool_usage_error("watch", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (tool_check_sysroot("watch", w->model.sysroot))
		return EXIT_USAGE;
	if (w->model.output && tool_check_output("watch", "-o", w->model.output))
		return EXIT_BAD_INPUT;
	if (w->reload.cmd && !strcmp(w->reload.cmd, "auto")) {
		const char *chose = NULL;
		int err = reload_resolve_auto(&w->reload, &chose);
		if (err == -ENOENT) {
			tool_error("watch: --reload auto: no kdump tool found in PATH: neither kdumpctl "
				   "with systemctl (kdump-utils) nor kdump-config (kdump-tools)%s%s; "
				   "give the command with --reload CMD", chose ? "; " : "",
				   chose ? chose : "");
			return EXIT_USAGE;
		}
		if (err) {
			tool_error("watch: --reload auto: %s", strerror(-err));
			return EXIT_SYSTEM;
		}
		tool_error("watch: --reload auto: %s: %s", chose, w->reload.cmd);
	}
	return EXIT_OK;
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = {
		.uevent_fd = -1, .count = -1,
		.model = { .sysroot = "/" },
		.reload = { .timeout_s = RELOAD_DEFAULT_TIMEOUT_S, .max_retries = RELOAD_DEFAULT_RETRIES },
	};
	int rc = parse_args(&w, argc, argv), sfd, ufd = w.uevent_fd;
	size_t rcvbuf = 0;

	if (rc) {
		free(w.reload.owned_cmd);
		return rc < 0 ? EXIT_OK : rc;
	}
	sfd = take_signals();
	if (sfd < 0) {
		tool_error("watch: signalfd: %s", strerror(errno));
		free(w.reload.owned_cmd);
		return EXIT_SYSTEM;
	}
	/* 1. The socket: from now on no event is lost. */
	if (ufd < 0 && chp_uevent_open_netlink(&ufd)) {
		tool_error("watch: %s", tool_why());
		rc = EXIT_SYSTEM;
	}
	/* Not the reload's: it must not hold a given socket open. */
	if (!rc && w.uevent_fd >= 0)
		fcntl(ufd, F_SETFD, FD_CLOEXEC);
	if (!rc && w.receive_buffer && w.uevent_fd < 0 &&
	    chp_uevent_set_receive_buffer(ufd, w.receive_buffer))
		tool_error("watch: --receive-buffer: %s", tool_why());
	if (!rc)
		chp_uevent_receive_buffer(ufd, &rcvbuf);
	/* 2. The machine, as it is now. */
	if (!rc) {
		between_open_and_read();
		int err = model_open(&w.model);
		if (err) {
			tool_error("watch: %s", w.model.error);
			rc = err == -ENODATA ? EXIT_BAD_INPUT : EXIT_SYSTEM;
		} else if (w.model.header == HEADER_WRITE_FAILED) {
			tool_error("watch: %s (kept in memory; written again on the next change)",
				   w.model.error);
		}
	}
	/* 3. What queued meanwhile, then everything after. */
	if (!rc) {
		print_ready(&w, rcvbuf);
		rc = loop(&w, sfd, ufd);
	}
	model_close(&w.model);
	if (w.uevent_fd < 0 && ufd >= 0)
		close(ufd);
	close(sfd);
	free(w.reload.owned_cmd);
	return rc;
}
