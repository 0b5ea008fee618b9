/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp watch, split by concern: the model of the machine and its header
 * (watch_model.c), the reload child (watch_reload.c), the event loop and the
 * command line (cmd_watch.c).
 */
#ifndef CRASHHP_WATCH_H
#define CRASHHP_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "crashhp/uevent.h"

/* The reload command and its one child. */
struct reload {
	const char *cmd;          /* NULL: no reloads */
	char *owned_cmd;          /* --reload auto: built here, freed at the end */
	double timeout_s;         /* then TERM, then KILL RELOAD_KILL_AFTER_S later */
	unsigned max_retries;     /* after a failure, this many more attempts */
	bool json;
	pid_t pid;                /* 0: none running; also its process group */
	struct timespec started;
	double deadline;          /* monotonic seconds: TERM, then KILL */
	int signals_sent;         /* 0, 1 (TERM), 2 (KILL) */
	bool pending;             /* a change came while one ran: exactly one more */
	unsigned failures;        /* consecutive failed attempts */
	double retry_at;          /* monotonic seconds; 0: no retry scheduled */
	uint64_t runs, coalesced, failed, timeouts;
};

#define RELOAD_DEFAULT_TIMEOUT_S 300.0
#define RELOAD_DEFAULT_RETRIES 5
#define RELOAD_KILL_AFTER_S 5.0
#define RELOAD_BACKOFF_MAX_S 60.0

double watch_now(void);

/* "auto": the distribution's tool as its own udev rule runs it; -ENOENT when none. */
int reload_resolve_auto(struct reload *r, const char **chose);
/* A change that needs a reload: now, or once the running one has finished. */
void reload_request(struct reload *r);
/* SIGCHLD: reap the reload; report; retry or run the pending one. */
void reload_reap(struct reload *r, bool stopping);
/* Timers: the timeout's TERM and KILL, a due retry. */
void reload_tick(struct reload *r, bool stopping);
/* Milliseconds until reload_tick() has something to do; -1: nothing. */
int reload_poll_timeout(const struct reload *r);
/* Nothing running and nothing left to run (stopping: a scheduled retry is dropped, reported). */
bool reload_idle(struct reload *r, bool stopping);

struct chp_sysroot;
struct chp_machine;
struct chp_kimage;
struct chp_hotplug;

enum header_state { HEADER_NONE, HEADER_CURRENT, HEADER_WRITE_FAILED };

/* The machine as watch believes it is, and the header kept from it. */
struct watch_model {
	const char *sysroot, *output;
	struct chp_sysroot *s;
	struct chp_machine *m;
	struct chp_kimage *img;
	struct chp_hotplug *hp;   /* NULL: too little known to keep a header */
	bool x86_gap;             /* memory removal needs a reload despite the kernel */
	int cpuhp, memhp;
	enum header_state header;
	char error[512];          /* the last failure, with its cause */
	uint64_t events, resyncs, last_seqnum;
};

/* What one event or resync did. */
struct model_change {
	bool changed;             /* the model differs from before */
	bool rebuilt;             /* a CPU's note became known: header built again */
	bool reload;              /* the kernel cannot update its image for this */
	bool unknown_block;       /* a memory block sysfs or the model lacks: read again */
	uint64_t header_stores;
	int err;                  /* 0, or the failure in model->error */
};

/* Read the machine from the sysroot; start the header.  -errno, message in model->error. */
int model_open(struct watch_model *wm);
void model_close(struct watch_model *wm);
/* Apply one classified kernel event, idempotently. */
void model_apply(struct watch_model *wm, enum chp_uevent_change c, uint64_t index,
		 struct model_change *out);
/* Read the machine again; any difference is a change (header rewritten). */
void model_resync(struct watch_model *wm, struct model_change *out);
/* The one-line view (SIGUSR1). */
void model_print_view(const struct watch_model *wm, const struct reload *r, bool json);

#endif
