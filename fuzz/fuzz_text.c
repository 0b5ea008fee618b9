/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the readers of untrusted text: a uevent message (raw bytes, as the
 * netlink socket hands them over), a scenario file, a sysfs CPU list and
 * /proc/iomem.  The first byte picks the reader; the rest is its input.
 * Nothing may crash, read out of bounds, leak or loop, whatever the bytes;
 * an error is an answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/ranges.h"
#include "crashhp/scenario.h"
#include "crashhp/sysroot.h"
#include "crashhp/uevent.h"
#include "sysroot_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum reader { READ_UEVENT, READ_SCENARIO, READ_CPULIST, READ_IOMEM, NR_READERS };

static void read_uevent(const uint8_t *data, size_t size)
{
	static struct chp_uevent ev;   /* 8 KiB and more: not on the stack */
	uint64_t index;

	if (chp_uevent_parse(&ev, data, size) == 0) {
		chp_uevent_classify(&ev, &index);
		chp_uevent_get(&ev, "SEQNUM");
	}
}

static void read_scenario(const char *text)
{
	struct chp_scenario *sc;

	if (chp_scenario_parse(&sc, text, "fuzz.scn") == 0)
		chp_scenario_free(sc);
}

static void read_cpulist(const char *text)
{
	struct chp_ranges *r;

	if (chp_ranges_new(&r))
		return;
	chp_parse_cpulist(text, r);
	chp_ranges_free(r);
}

static void read_iomem(const char *text)
{
	struct chp_sysroot *s = calloc(1, sizeof(*s));

	if (s)
		s->root_fd = -1;
	if (s && !chp_ranges_new(&s->system_ram) && !chp_ranges_new(&s->crashkernel) &&
	    !chp_ranges_new(&s->kmem))
		chp_sysroot_parse_iomem(s, text, "/proc/iomem");
	chp_sysroot_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0)
		return 0;
	enum reader which = (enum reader)(data[0] % NR_READERS);
	data++, size--;
	if (which == READ_UEVENT) {
		read_uevent(data, size);
		return 0;
	}
	/* The text readers take a string, as the files they read are NUL-free. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (which == READ_SCENARIO)
		read_scenario(text);
	else if (which == READ_CPULIST)
		read_cpulist(text);
	else
		read_iomem(text);
	free(text);
	return 0;
}
