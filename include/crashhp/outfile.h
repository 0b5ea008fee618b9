/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_OUTFILE_H
#define CRASHHP_OUTFILE_H

#include <stdint.h>

/*
 * An output file written whole or not at all: created under a temporary name
 * beside PATH (same directory, so the rename stays on one file system), with
 * the mode the shell's `>` gives (0666 less the umask), synced, then renamed
 * over PATH and the directory synced.  On any failure the temporary file is
 * removed and PATH is left as it was.
 */

/*
 * PATH absent or a regular file: the rename would swap a device node, a FIFO,
 * a directory or a link (such as /dev/stdout) for a regular file.  -EINVAL
 * otherwise, -errno if PATH cannot be looked at.
 */
int chp_outfile_check(const char *path);
/* Create the temporary file: its descriptor, and its malloc'ed name in *TMP. */
int chp_outfile_create(const char *path, char **tmp);
/*
 * Sync and close FD, rename TMP to PATH, sync the directory; frees TMP.
 * With FAILED (an earlier write error, a negative errno) it only closes FD,
 * removes TMP and returns FAILED.
 */
int chp_outfile_commit(int fd, char *tmp, const char *path, int failed);

/*
 * The free bytes an unprivileged writer has (statvfs's f_bavail) on the file
 * system of PATH's directory, in *AVAIL; -errno if it cannot be looked at.
 */
int chp_outfile_room(const char *path, uint64_t *avail);
/*
 * Remove every temporary file chp_outfile_create() made and no commit has
 * ended yet (up to 8 at a time, each name shorter than PATH_MAX: beyond that,
 * one is not tracked).  Async-signal-safe: it calls only unlink(), for a
 * SIGINT or SIGTERM handler that then re-raises the signal.
 */
void chp_outfile_remove_partials(void);

#endif
