/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_ERROR_H
#define CRASHHP_ERROR_H

/*
 * Every library call returns 0 (or a count) on success and a negative errno
 * on failure.  The failure's explanation, with its context (the file, line or
 * field that was wrong), is kept per thread until the next failure on that
 * thread.
 */

/* The message of the last failure on this thread; "" if there was none. */
const char *chp_last_error(void);

#endif
