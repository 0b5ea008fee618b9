/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "crashhp/arch.h"
#include "internal.h"

const char *chp_arch_name(enum chp_arch arch)
{
	switch (arch) {
	case CHP_ARCH_X86_64:
		return "x86_64";
	case CHP_ARCH_PPC64LE:
		return "ppc64le";
	case CHP_ARCH_PPC64:
		return "ppc64";
	}
	return "unknown";
}

int chp_arch_from_name(enum chp_arch *out, const char *name)
{
	static const enum chp_arch all[] = { CHP_ARCH_X86_64, CHP_ARCH_PPC64LE, CHP_ARCH_PPC64 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(name, chp_arch_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return chp_fail(-EINVAL, "unknown architecture '%s' (x86_64, ppc64le, ppc64)", name);
}

int chp_arch_from_elf(enum chp_arch *out, uint16_t e_machine, bool big_endian)
{
	if (e_machine == CHP_EM_X86_64 && !big_endian)
		*out = CHP_ARCH_X86_64;
	else if (e_machine == CHP_EM_PPC64)
		*out = big_endian ? CHP_ARCH_PPC64 : CHP_ARCH_PPC64LE;
	else if (e_machine == CHP_EM_X86_64)
		return chp_fail(-EINVAL, "e_machine: EM_X86_64 with big-endian data");
	else
		return chp_fail(-EINVAL, "e_machine: %u is neither EM_X86_64 (62) nor EM_PPC64 (21)",
				e_machine);
	return 0;
}

bool chp_arch_big_endian(enum chp_arch arch)
{
	return arch == CHP_ARCH_PPC64;
}

uint16_t chp_arch_elf_machine(enum chp_arch arch)
{
	return arch == CHP_ARCH_X86_64 ? CHP_EM_X86_64 : CHP_EM_PPC64;
}

uint64_t chp_arch_direct_map_base(enum chp_arch arch)
{
	/* x86_64 without KASLR: __PAGE_OFFSET_BASE_L4; ppc64: PAGE_OFFSET. */
	return arch == CHP_ARCH_X86_64 ? 0xffff888000000000ull : 0xc000000000000000ull;
}

bool chp_arch_has_kernel_text_load(enum chp_arch arch)
{
	return arch == CHP_ARCH_X86_64;
}

bool chp_arch_excludes_low_1m(enum chp_arch arch)
{
	return arch == CHP_ARCH_X86_64;
}

uint64_t chp_arch_text_vaddr(enum chp_arch arch)
{
	/* x86_64: __START_KERNEL_map; ppc64's headers have no kernel-text LOAD. */
	return arch == CHP_ARCH_X86_64 ? 0xffffffff80000000ull : 0;
}

bool chp_arch_load_is_ram(enum chp_arch arch, uint64_t vaddr)
{
	uint64_t text = chp_arch_text_vaddr(arch);

	return !text || vaddr < text;
}
