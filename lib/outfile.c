/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "crashhp/outfile.h"

int chp_outfile_check(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

/*
 * The temporary files being written, for chp_outfile_remove_partials() in a
 * signal handler: the names are copied here beforehand, as a handler may
 * neither allocate nor lock.  A slot is FREE, CLAIMED (its name being copied
 * or cleared: the handler leaves it) or HELD.
 */
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_HELD };
#define NR_PARTIAL_SLOTS 8
static char partial_name[NR_PARTIAL_SLOTS][PATH_MAX];
static atomic_int partial_state[NR_PARTIAL_SLOTS];
static _Atomic(const char *) partial_owner[NR_PARTIAL_SLOTS]; /* the caller's malloc'ed name */

static void partial_hold(const char *tmp)
{
	if (strlen(tmp) >= PATH_MAX)
		return;
	for (int i = 0; i < NR_PARTIAL_SLOTS; i++) {
		int want = SLOT_FREE;
		if (atomic_compare_exchange_strong(&partial_state[i], &want, SLOT_CLAIMED)) {
			strcpy(partial_name[i], tmp);
			atomic_store(&partial_owner[i], tmp);
			atomic_store(&partial_state[i], SLOT_HELD);
			return;
		}
	}
}

static void partial_release(const char *tmp)
{
	for (int i = 0; i < NR_PARTIAL_SLOTS; i++) {
		if (atomic_load(&partial_owner[i]) != tmp)
			continue;
		/* Only this name's writer gets here: the slot is HELD and stays so until now. */
		atomic_store(&partial_state[i], SLOT_CLAIMED);
		atomic_store(&partial_owner[i], NULL);
		atomic_store(&partial_state[i], SLOT_FREE);
		return;
	}
}

void chp_outfile_remove_partials(void)
{
	for (int i = 0; i < NR_PARTIAL_SLOTS; i++)
		if (atomic_load(&partial_state[i]) == SLOT_HELD)
			unlink(partial_name[i]);
}

int chp_outfile_room(const char *path, uint64_t *avail)
{
	char *dir = strdup(path);
	struct statvfs vfs;
	int e;

	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
	e = statvfs(d, &vfs) ? -errno : 0;
	free(dir);
	if (!e)
		*avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	return e;
}

/*
 * 0666 less the umask, as `>` and cp(1) create what a user asks for: a dump is
 * 0644 under the usual umask 022 and private under 077 if the admin says so
 * (mkstemp()'s 0600 would keep it from everyone whatever the umask).
 */
int chp_outfile_create(const char *path, char **tmp_out)
{
	for (unsigned tries = 0; tries < 64; tries++) {
		unsigned suffix;
		char *tmp;

		if (getrandom(&suffix, sizeof(suffix), GRND_NONBLOCK) != sizeof(suffix))
			suffix = (unsigned)getpid() * 2654435761u + tries;
		if (asprintf(&tmp, "%s.partial-%08x", path, suffix) < 0)
			return -ENOMEM;
		/* No signal between the file's creation and its name's record: its handler would miss it. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		int e = errno;
		if (fd >= 0)
			partial_hold(tmp);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (fd >= 0) {
			*tmp_out = tmp;
			return fd;
		}
		free(tmp);
		if (e != EEXIST)
			return -e;
	}
	return -EEXIST;
}

static int sync_dir_of(const char *path)
{
	char *dir = strdup(path);
	int fd, e;

	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = fd < 0 || fsync(fd) ? errno : 0;
	if (e == EINVAL)
		e = 0; /* a file system that cannot sync a directory */
	if (fd >= 0)
		close(fd);
	free(dir);
	return -e;
}

int chp_outfile_commit(int fd, char *tmp, const char *path, int failed)
{
	int err = failed;

	/* On disk before the rename, so a crash leaves the old file or the new one. */
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	/* Only now: a signal until the rename or unlink still finds the name. */
	partial_release(tmp);
	free(tmp);
	if (err)
		return err;
	/* ... and the rename itself, through the directory. */
	return sync_dir_of(path);
}
