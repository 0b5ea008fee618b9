/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashhp watch: the reload child.  It runs in its own session, so the
 * SIGTERM or SIGINT that stops watch's group (systemd, Ctrl-C) never cuts a
 * reload between its unload and its load; a timeout ends the reload's whole
 * group (TERM, then KILL); a failure is retried with a bounded backoff.  At
 * most one runs; changes meanwhile cause exactly one more.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool.h"
#include "watch.h"

double watch_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The first executable NAME in $PATH (or the usual places when unset). */
static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL, *found = NULL;

	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p;
		struct stat st;
		if (asprintf(&p, "%s/%s", *dir ? dir : ".", name) < 0)
			break;
		if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK))
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

/* Single quotes for sh: a path with a quote in it stays one word. */
static char *quoted(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *out = malloc(n), *o = out;
	if (!out)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

int reload_resolve_auto(struct reload *r, const char **chose)
{
	char *kdumpctl = find_in_path("kdumpctl"), *config = NULL, *systemctl = NULL;
	char *qa = NULL, *qb = NULL;
	int err = 0;

	if (kdumpctl && (systemctl = find_in_path("systemctl"))) {
		/* kdump-utils' udev rule: reload only while kdump.service is active. */
		qa = quoted(systemctl);
		qb = quoted(kdumpctl);
		if (!qa || !qb || asprintf(&r->owned_cmd, "if %s is-active --quiet kdump.service; "
				       "then exec %s reload; fi", qa, qb) < 0)
			err = -ENOMEM;
		*chose = "kdump-utils (kdumpctl reload, while kdump.service is active)";
	} else if ((config = find_in_path("kdump-config"))) {
		/* kdump-tools' udev rule: reloads only what is loaded, under its lock. */
		qa = quoted(config);
		if (!qa || asprintf(&r->owned_cmd, "exec %s try-reload", qa) < 0)
			err = -ENOMEM;
		*chose = "kdump-tools (kdump-config try-reload)";
	} else {
		err = -ENOENT;
		*chose = kdumpctl ? "kdumpctl found, but not systemctl" : NULL;
	}
	if (err)
		r->owned_cmd = NULL;
	r->cmd = r->owned_cmd;
	free(kdumpctl);
	free(config);
	free(systemctl);
	free(qa);
	free(qb);
	return err;
}

/*
 * One line about the reload: "reload WHAT TEXT", or with --json an object
 * {"reload": WHAT, ...} whose further members the caller added to J (begun
 * by report_begin) — built by json-c, so a message with a quote stays valid.
 */
static void report_begin(struct json *j, const char *what)
{
	json_begin(j, stdout);
	json_string(j, "reload", what);
}

static void report(struct reload *r, struct json *j, const char *what, const char *text)
{
	if (r->json) {
		json_end_line(j);
	} else {
		json_discard(j);
		printf("reload %s%s\n", what, text);
	}
	fflush(stdout);
}

static void report_stopping(struct reload *r)
{
	struct json j;

	report_begin(&j, "not retried");
	json_string(&j, "why", "stopping");
	report(r, &j, "not retried", ": stopping");
}

static void schedule_retry(struct reload *r, bool stopping)
{
	struct json j;
	char t[96];

	r->failed++;
	r->failures++;
	if (stopping) {
		report_stopping(r);
		r->failures = 0;
		return;
	}
	if (r->failures > r->max_retries) {
		report_begin(&j, "given up");
		json_uint(&j, "attempts", r->failures);
		snprintf(t, sizeof(t), " after %u attempts; the next change tries again", r->failures);
		report(r, &j, "given up", t);
		r->failures = 0;
		return;
	}
	double wait = 1.0;
	for (unsigned i = 1; i < r->failures && wait < RELOAD_BACKOFF_MAX_S; i++)
		wait *= 2;
	if (wait > RELOAD_BACKOFF_MAX_S)
		wait = RELOAD_BACKOFF_MAX_S;
	r->retry_at = watch_now() + wait;
	report_begin(&j, "retry");
	json_double(&j, "in_s", wait, 0);
	json_uint(&j, "attempt", r->failures + 1);
	snprintf(t, sizeof(t), " in %.0f s (attempt %u)", wait, r->failures + 1);
	report(r, &j, "retry", t);
}

static void start(struct reload *r)
{
	pid_t pid;

	r->retry_at = 0;
	pid = fork();
	if (pid == 0) {
		/* Its own session: the signals that stop watch's group do not reach it. */
		sigset_t none;
		setsid();
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* watch's stdout carries its events; the reload's output goes to stderr. */
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != STDIN_FILENO) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", r->cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		struct json j;
		char t[160];
		snprintf(t, sizeof(t), ": fork: %s", strerror(errno));
		report_begin(&j, "not started");
		json_string(&j, "error", t + 2);
		report(r, &j, "not started", t);
		schedule_retry(r, false);
		return;
	}
	/* Also the group's id (setsid), in case the child has not run yet. */
	setpgid(pid, pid);
	r->pid = pid;
	r->runs++;
	r->signals_sent = 0;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	r->deadline = watch_now() + r->timeout_s;
	struct json j;
	char t[64];
	report_begin(&j, "started");
	json_int(&j, "pid", pid);
	snprintf(t, sizeof(t), " (pid %d)", (int)pid);
	report(r, &j, "started", t);
}

void reload_request(struct reload *r)
{
	if (!r->cmd)
		return;
	if (r->pid) {
		r->coalesced += r->pending;
		r->pending = true;
		return;
	}
	/* A new change supersedes a scheduled retry: it runs now. */
	r->failures = 0;
	start(r);
}

void reload_reap(struct reload *r, bool stopping)
{
	int status;
	pid_t pid;

	/* Any other child (none is expected) is reaped too, so none stays a zombie. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != r->pid)
			continue;
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double ms = (double)(t.tv_sec - r->started.tv_sec) * 1e3 +
			    (double)(t.tv_nsec - r->started.tv_nsec) / 1e6;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		struct json j;
		char tx[128];
		report_begin(&j, "done");
		json_int(&j, "status", code);
		json_double(&j, "ms", ms, 1);
		if (r->signals_sent)
			json_bool(&j, "timed_out", true);
		snprintf(tx, sizeof(tx), ": status %d after %.1f ms%s", code, ms,
			 r->signals_sent ? " (timed out)" : "");
		report(r, &j, "done", tx);
		r->pid = 0;
		if (r->pending) {
			/* The newest change: it runs now, whatever became of this one. */
			r->pending = false;
			r->failures = 0;
			if (code)
				r->failed++;
			start(r);
		} else if (code) {
			schedule_retry(r, stopping);
		} else {
			r->failures = 0;
		}
	}
}

void reload_tick(struct reload *r, bool stopping)
{
	double now = watch_now();

	if (r->pid && now >= r->deadline && r->signals_sent < 2) {
		int sig = r->signals_sent ? SIGKILL : SIGTERM;
		struct json j;
		char t[96];
		if (!r->signals_sent)
			r->timeouts++;
		kill(-r->pid, sig);
		r->signals_sent++;
		r->deadline = now + RELOAD_KILL_AFTER_S;
		report_begin(&j, "timeout");
		json_double(&j, "after_s", r->timeout_s, 1);
		json_string(&j, "signal", sig == SIGKILL ? "KILL" : "TERM");
		json_int(&j, "group", r->pid);
		snprintf(t, sizeof(t), " after %.1f s: SIG%s to its group %d", r->timeout_s,
			 sig == SIGKILL ? "KILL" : "TERM", (int)r->pid);
		report(r, &j, "timeout", t);
	}
	if (!r->pid && r->retry_at && now >= r->retry_at) {
		if (stopping) {
			r->retry_at = 0;
			report_stopping(r);
		} else {
			start(r);
		}
	}
}

int reload_poll_timeout(const struct reload *r)
{
	double at = r->pid && r->signals_sent < 2 ? r->deadline : !r->pid && r->retry_at ? r->retry_at : 0;

	if (!at)
		return -1;
	double ms = (at - watch_now()) * 1e3;
	return ms <= 0 ? 0 : ms > 3600e3 ? 3600000 : (int)ms + 1;
}

bool reload_idle(struct reload *r, bool stopping)
{
	if (stopping && !r->pid && r->retry_at) {
		r->retry_at = 0;
		r->failures = 0;
		report_stopping(r);
	}
	return !r->pid && !r->pending && (stopping || !r->retry_at);
}
