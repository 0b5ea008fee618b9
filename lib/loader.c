/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/fdt.h"
#include "crashhp/loader.h"
#include "internal.h"
#include "loader_internal.h"

void chp_load_options_init(struct chp_load_options *opt)
{
	*opt = (struct chp_load_options){
		.mode = CHP_LOAD_FILE,
		.kernel_size = 1u << 20,
		.initrd_size = 2u << 20,
		.cmdline = "console=ttyS0 reset_devices irqpoll nr_cpus=1 panic=1",
	};
}

/*
 * kexec_load: the header kexec-tools builds in userspace before the syscall,
 * from /proc/iomem's System RAM and the crash_notes of every CPU sysfs shows
 * (crash_create_elf64_headers(): cpuN/crash_notes for N below
 * sysconf(_SC_NPROCESSORS_CONF)).  x86_64 registers the present CPUs
 * (cpu_dev_register_generic(): for_each_present_cpu), so a CPU hot-added
 * later has no PT_NOTE until the kernel rebuilds the header (for a
 * hotplug-capable image its first update describes every possible CPU) or
 * kdump reloads.  powerpc's topology_init() registers every possible CPU
 * that pseries can hotplug (smp_ops->cpu_offline_self), so its header has
 * them all, as a real 6.12 pseries dump shows (tests/e2e/run_ppc64.py).
 */
static int kexec_tools_header(const struct chp_machine *m, void *hdr, size_t room, size_t *len)
{
	struct chp_ranges *memory = NULL;
	int err = chp_ranges_new(&memory);

	if (!err)
		err = chp_crashmem_header_ranges(m, memory);
	if (!err)
		err = chp_crashmem_build_header_cpus(m, memory, chp_machine_arch(m) == CHP_ARCH_X86_64,
						     hdr, room, len);
	chp_ranges_free(memory);
	return err;
}

/*
 * What the capture kernel keeps of the elfcorehdr segment.  ppc64
 * kexec_load: kexec-tools' load_crashdump_segments() puts
 * reserve(elfcorehdr, sz) in the FDT's reserve map, sz the header at load
 * rounded to ELF_CORE_HEADER_ALIGN (1 KiB), not the segment's memsz that
 * --hotplug sizes by crash_elfcorehdr_size: so in 2.0.29 (Debian 13's) to
 * 2.0.32; its 600c2f9 ("ppc64: Reserve FDT memory for full elfcorehdr
 * memory size", 2026-02, in no release yet) reserves memsz.  ppc64
 * kexec_file_load: of_kexec_alloc_and_setup_fdt() reserves elf_headers_sz,
 * the whole segment since 04e707cb77c2 ("powerpc/crash: adjust the
 * elfcorehdr size", Debian's 6.12.85).  x86_64: the whole segment (0).
 */
static size_t reserved_for_capture(const struct chp_machine *m, const struct chp_load_options *opt,
				   const uint8_t *hdr)
{
	enum chp_arch arch = chp_machine_arch(m);

	if (arch == CHP_ARCH_X86_64 || opt->mode != CHP_LOAD_SEGMENTS)
		return 0;
	size_t used = CHP_ELF_EHDR_SIZE + chp_get16(hdr + 56, chp_arch_big_endian(arch)) *
		      (size_t)CHP_ELF_PHDR_SIZE;
	return (size_t)chp_round_up(used, 1024);
}

bool chp_load_hotplug_capable(enum chp_arch arch, const struct chp_load_options *opt)
{
	return opt->mode == CHP_LOAD_FILE || opt->hotplug_flag ||
	       (arch == CHP_ARCH_X86_64 && opt->update_elfcorehdr_flag);
}

int chp_load_build(struct chp_load_segments *s, const struct chp_machine *m,
		   const struct chp_load_options *opt)
{
	enum chp_arch arch = chp_machine_arch(m);
	bool capable = chp_load_hotplug_capable(arch, opt);
	/*
	 * kexec_load: kexec-tools sizes the segment by crash_elfcorehdr_size,
	 * which on ppc64 (arch_crash_get_elfcorehdr_size()) is the ELF header +
	 * possible CPUs + vmcoreinfo + CRASH_MAX_MEMORY_RANGES, not what
	 * kexec_file_load reserves; on x86 the two round to the same pages.
	 */
	size_t room = opt->mode == CHP_LOAD_SEGMENTS && arch != CHP_ARCH_X86_64
		? chp_elfcore_segment_size(chp_machine_cpus_possible(m) > 0 ?
					   chp_machine_cpus_possible(m) - 1 : 0,
					   chp_machine_config_max_memory_ranges(m))
		: chp_crashmem_segment_size(m);
	int err;

	*s = (struct chp_load_segments){ .capable = capable, .backup = arch != CHP_ARCH_X86_64,
					 .hdr_room = room };
	s->hdr = calloc(1, room);
	if (!s->hdr)
		return chp_fail(-ENOMEM, "out of memory for a %zu-byte header", room);
	err = chp_crashmem_build_header(m, s->hdr, room, &s->hdr_len);
	if (!err && opt->mode == CHP_LOAD_SEGMENTS)
		err = kexec_tools_header(m, s->hdr, room, &s->hdr_len);
	if (!err && arch != CHP_ARCH_X86_64) {
		s->fdt_size = chp_fdt_size(chp_machine_cpus_possible(m));
		s->fdt = calloc(1, s->fdt_size);
		err = s->fdt ? chp_fdt_build(m, s->fdt, s->fdt_size) : chp_fail(-ENOMEM, "out of memory");
	}
	if (err)
		chp_load_segments_release(s);
	else
		s->hdr_reserved = reserved_for_capture(m, opt, s->hdr);
	return err;
}

int chp_load_install(struct chp_kimage *img, const struct chp_load_segments *s,
		     const struct chp_load_options *opt)
{
	struct chp_load_request req = {
		.mode = opt->mode,
		.hotplug_flag = opt->mode == CHP_LOAD_SEGMENTS && s->capable,
		.kernel_size = opt->kernel_size,
		.initrd_size = opt->initrd_size,
		.cmdline = opt->cmdline,
		.elfcorehdr = s->hdr,
		.elfcorehdr_len = s->hdr_len,
		.elfcorehdr_memsz = s->capable ? s->hdr_room : s->hdr_len,
		.fdt = s->fdt,
		.fdt_len = s->fdt_size,
		.fdt_memsz = s->fdt_size,
		.backup = s->backup,
		.elfcorehdr_reserved = s->hdr_reserved,
	};

	return chp_kimage_load(img, &req);
}

void chp_load_segments_release(struct chp_load_segments *s)
{
	free(s->hdr);
	free(s->fdt);
	*s = (struct chp_load_segments){ 0 };
}

int chp_load_crash_image(struct chp_kimage *img, const struct chp_machine *m,
			 const struct chp_load_options *opt)
{
	struct chp_load_segments s;
	int err = chp_load_build(&s, m, opt);

	if (!err)
		err = chp_load_install(img, &s, opt);
	chp_load_segments_release(&s);
	return err;
}
