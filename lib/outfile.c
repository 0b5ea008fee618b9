/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
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
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			*tmp_out = tmp;
			return fd;
		}
		int e = errno;
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
	if (err) {
		unlink(tmp);
		free(tmp);
		return err;
	}
	free(tmp);
	/* ... and the rename itself, through the directory. */
	return sync_dir_of(path);
}
