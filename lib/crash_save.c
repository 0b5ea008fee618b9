/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashhp/capture.h"
#include "crashhp/note.h"
#include "internal.h"

uint64_t chp_lab_register(unsigned cpu, unsigned reg)
{
	/* "CH" in the top bytes, then the CPU and the register number. */
	return 0x4348000000000000ull | (uint64_t)cpu << 16 | reg;
}

uint32_t chp_lab_cpu_pid(unsigned cpu)
{
	return cpu + 1;
}

static int save_cpu(struct chp_machine *m, unsigned cpu)
{
	enum chp_arch arch = chp_machine_arch(m);
	struct chp_note_loc loc = chp_machine_cpu_notes(m, cpu);
	size_t nregs = chp_prstatus_nregs(arch), written;
	uint8_t desc[512], buf[1024];
	uint64_t regs[64];
	int err;

	for (size_t r = 0; r < nregs; r++)
		regs[r] = chp_lab_register(cpu, (unsigned)r);
	err = chp_prstatus_encode(desc, sizeof(desc), arch, chp_lab_cpu_pid(cpu), regs, nregs);
	if (err)
		return err;
	/* note_buf_t: the note, then the empty terminator (zeros). */
	memset(buf, 0, sizeof(buf));
	err = chp_note_put(buf, loc.size, chp_arch_big_endian(arch), "CORE", CHP_NT_PRSTATUS, desc,
			   chp_prstatus_size(arch), &written);
	return err ? err : chp_machine_store_phys(m, loc.paddr, buf, (size_t)loc.size);
}

int chp_crash_save(struct chp_machine *m, unsigned crashing_cpu, int64_t crash_time)
{
	struct chp_note_loc vmci = chp_machine_vmcoreinfo(m);
	const char *text = chp_machine_vmcoreinfo_text(m);
	size_t len = strlen(text) + 64, written;
	char *stamped;
	uint8_t *note;
	int err = 0;

	if (!chp_machine_cpu_online(m, crashing_cpu))
		return chp_fail(-EINVAL, "crash on CPU %u, which is not online", crashing_cpu);
	/* The crashing CPU and every other online CPU (stopped by NMI) save state. */
	for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m) && !err; cpu++)
		if (chp_machine_cpu_online(m, cpu))
			err = save_cpu(m, cpu);
	if (err)
		return err;

	stamped = malloc(len);
	note = calloc(1, (size_t)vmci.size);
	if (!stamped || !note) {
		free(stamped);
		free(note);
		return chp_fail(-ENOMEM, "out of memory for vmcoreinfo");
	}
	snprintf(stamped, len, "%sCRASHTIME=%" PRId64 "\n", text, crash_time);
	err = chp_note_put(note, (size_t)vmci.size, chp_arch_big_endian(chp_machine_arch(m)),
			   "VMCOREINFO", CHP_NT_VMCOREINFO, stamped, strlen(stamped), &written);
	if (!err)
		err = chp_machine_store_phys(m, vmci.paddr, note, (size_t)vmci.size);
	free(stamped);
	free(note);
	return err;
}

int chp_crash_forget(struct chp_machine *m)
{
	struct chp_note_loc vmci = chp_machine_vmcoreinfo(m);
	const char *text = chp_machine_vmcoreinfo_text(m);
	size_t size = chp_crash_notes_size(chp_machine_arch(m)), written;
	uint8_t *zero = calloc(1, vmci.size > size ? (size_t)vmci.size : size);
	int err = zero ? 0 : chp_fail(-ENOMEM, "out of memory");

	for (unsigned cpu = 0; !err && cpu < chp_machine_cpus_possible(m); cpu++) {
		struct chp_note_loc loc = chp_machine_cpu_notes(m, cpu);
		err = chp_machine_store_phys(m, loc.paddr, zero, (size_t)loc.size);
	}
	if (!err)
		err = chp_note_put(zero, (size_t)vmci.size, chp_arch_big_endian(chp_machine_arch(m)),
				   "VMCOREINFO", CHP_NT_VMCOREINFO, text, strlen(text), &written);
	if (!err)
		err = chp_machine_store_phys(m, vmci.paddr, zero, (size_t)vmci.size);
	free(zero);
	return err;
}
