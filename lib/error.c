/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crashhp/error.h"
#include "internal.h"

static _Thread_local char last_message[512];

const char *chp_last_error(void)
{
	return last_message;
}

int chp_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	return err;
}

int chp_fail_prefix(int err, const char *fmt, ...)
{
	char prefix[256];
	char old[sizeof(last_message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_message, sizeof(old));
	/* Truncation keeps the prefix, which names the file or field. */
	size_t plen = strlen(prefix);
	size_t olen = strnlen(old, sizeof(old) - 1 - plen);
	memcpy(last_message, prefix, plen);
	memcpy(last_message + plen, old, olen);
	last_message[plen + olen] = '\0';
	return err;
}
