/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every program header judged by the fields the real readers use, the
 * strictest of them deciding:
 *
 * - Linux's fs/proc/vmcore.c (the capture kernel): merges the PT_NOTEs it
 *   finds first (merge_note_headers_elf64(): it sizes each by p_memsz,
 *   kmalloc()s that and walks the notes in it, then drops the nr_ptnote - 1
 *   headers after the first, whatever their type), keeps every other header
 *   where it was, and rewrites only PT_LOADs: each is read from old memory
 *   at p_offset for p_memsz bytes (process_ptload_program_headers_elf64()).
 * - makedumpfile (elf_info.c, get_pt_load()): takes PT_LOADs by p_paddr,
 *   p_vaddr, p_offset, p_filesz and p_memsz, and reads zeros past p_filesz.
 * - crash(8) (netdump.c, is_netdump()): takes the first header as the notes
 *   and every later one as a load segment without looking at p_type:
 *   phys_start = p_paddr, phys_end = p_paddr + p_memsz, file offset p_offset,
 *   zero-filled past p_filesz.
 *
 * So a RAM LOAD is only readable as the memory it claims when p_offset is
 * p_paddr (in an elfcorehdr), p_vaddr is the direct map's address of it, and
 * only up to p_filesz; whatever p_memsz spans is read by someone.  A header
 * that is neither NOTE nor LOAD (a free slot) must span nothing: p_memsz and
 * p_filesz 0, a segment that matches no address in crash(8).
 *
 * An ELF dump makedumpfile wrote (-E; known as such when it came
 * flattened, -E -F, else by its RAM LOADs short of p_memsz) is /proc/vmcore's LOADs with the pages its -d left out
 * cut away: each LOAD split where 256 or more such pages run, p_filesz
 * short of p_memsz over the pages left out (write_elf_pages_cyclic()).
 * Those pages are the admin's choice, as in its kdump-compressed form
 * (verify_kdump.c): covered, read as zeros.  The kernel text LOAD comes
 * split the same way, pieces that must tile it.
 */
#include <inttypes.h>

#include "crashhp/crashmem.h"
#include "crashhp/elfcore.h"
#include "crashhp/machine.h"
#include "internal.h"
#include "verify_internal.h"

#define RWX (CHP_PF_R | CHP_PF_W | CHP_PF_X)

static struct chp_range phdr_range(const struct chp_elf_phdr *ph, uint64_t size)
{
	return (struct chp_range){ ph->paddr, ph->paddr + size - 1 };
}

static int misread(struct chp_verify_report *r, const struct chp_elf_phdr *ph, size_t i,
		   const char *what)
{
	char tb[16];
	struct chp_range range = ph->memsz ? phdr_range(ph, ph->memsz) : (struct chp_range){ 0, 0 };

	return chp_report_add(r, CHP_FINDING_MISREAD, range, 0, "program header %zu (%s, p_paddr %#"
			      PRIx64 ", p_memsz %#" PRIx64 "): %s", i,
			      chp_elf_phdr_type_name(ph->type, tb), ph->paddr, ph->memsz, what);
}

/* Notes: all first, none empty (vmcore.c would kmalloc(0) and read through it). */
static int judge_note(struct chp_verify_report *r, const struct chp_elf_phdr *ph, size_t i,
		      bool after_other, enum chp_elfcore_kind kind)
{
	if (kind == CHP_ELFCORE_VMCORE)
		return 0; /* a dump's notes are merged into its first header */
	if (ph->memsz == 0)
		return misread(r, ph, i, "a PT_NOTE of size 0: the capture kernel kmalloc(0)s "
			       "and reads a note header through it");
	if (after_other)
		return misread(r, ph, i, "a PT_NOTE after another type: vmcore.c drops the "
			       "headers after the first note by count, keeping a stale one");
	return 0;
}

/*
 * x86_64's direct map moves with KASLR (page_offset_base), so its base is
 * learnt from the first RAM LOAD and must then be the same for every one, in
 * the kernel's half; ppc64's PAGE_OFFSET is fixed.
 */
struct direct_map {
	uint64_t base;
	bool known;
};

#define X86_DIRECT_MAP_LOWEST 0xff00000000000000ull

/*
 * ppc64's backup LOAD: [0, 64 KiB) read by vmcore.c at p_offset, where
 * purgatory saved that memory (image->arch.backup_start) before the capture
 * kernel overwrote it.  Any other p_offset reads other memory.  A live
 * machine's kernel chose that segment inside the crashkernel
 * (load_backup_segment()), which is all the header can be held to.
 */
static bool is_backup(const struct chp_machine *m, const struct chp_elf_phdr *ph)
{
	uint64_t backup;

	if (!chp_crashmem_backup_offset(m, &backup) || ph->paddr != 0 ||
	    ph->memsz != CHP_PPC64_BACKUP_SIZE)
		return false;
	if (chp_machine_is_live(m))
		return ph->offset + ph->memsz > ph->offset &&
		       chp_ranges_covers(chp_machine_crashkernel(m),
					 (struct chp_range){ ph->offset, ph->offset + ph->memsz - 1 });
	return ph->offset == backup;
}

/*
 * x86's kexec-tools backup LOAD (kexec_load, `kexec -p`; horms/kexec-tools):
 * get_backup_area() (kexec/arch/i386/crashdump-x86.c) takes the first System
 * RAM range whose last byte is at or below 0xa0000 (640 KiB) as
 * backup_src_start/backup_src_size; load_crashdump_segments() gives it a
 * segment of that size (add_buffer(): locate_hole() aligns to a page and
 * rounds the size up to pages, and for a crash load looks only inside the
 * crashkernel, get_memory_ranges() in kexec-x86-common.c) at backup_start;
 * purgatory copies the range there at the crash (crashdump_backup_memory(),
 * purgatory/arch/i386/crashdump_backup.c); crash_create_elf64_headers()
 * (kexec/crashdump-elf.c) writes the range's LOAD with p_paddr its start,
 * p_filesz = p_memsz its size and p_offset backup_start.  So vmcore.c reads
 * the low memory as it was at the crash, from the crashkernel: in the dump,
 * though the kernel's own header leaves the low 1 MiB out.  Exactly that
 * shape is a note; any other LOAD over low memory stays excluded memory,
 * and its p_vaddr and p_flags are judged as any RAM LOAD's.  A vmcore's
 * p_offset is its file's: only the range and sizes are seen there, and
 * its bytes compared with the machine's (a lab machine's).
 */
#define KEXEC_TOOLS_BACKUP_LAST 0xa0000ull

static bool is_kexec_tools_backup(const struct chp_machine *m, const struct chp_elf_phdr *ph,
				  enum chp_elfcore_kind kind)
{
	const struct chp_ranges *ram = chp_machine_system_ram(m);
	const struct chp_range *src = NULL;
	uint64_t seg;

	if (chp_machine_arch(m) != CHP_ARCH_X86_64)
		return false;
	for (size_t i = 0; i < chp_ranges_count(ram) && !src; i++)
		if (chp_ranges_at(ram, i)->last <= KEXEC_TOOLS_BACKUP_LAST)
			src = chp_ranges_at(ram, i);
	if (!src || ph->paddr != src->start || ph->memsz != chp_range_size(*src) ||
	    ph->filesz != ph->memsz)
		return false;
	if (kind == CHP_ELFCORE_VMCORE)
		return true;
	seg = chp_round_up(ph->memsz, CHP_PAGE_SIZE);
	return ph->offset % CHP_PAGE_SIZE == 0 && ph->offset + seg - 1 >= ph->offset &&
	       chp_ranges_covers(chp_machine_crashkernel(m),
				 (struct chp_range){ ph->offset, ph->offset + seg - 1 });
}

static int note_kexec_tools_backup(struct chp_verify_report *r, const struct chp_elf_phdr *ph,
				   size_t i, enum chp_elfcore_kind kind)
{
	struct chp_range range = phdr_range(ph, ph->memsz);

	if (kind == CHP_ELFCORE_VMCORE)
		return chp_report_add(r, CHP_FINDING_KEXEC_TOOLS_BACKUP, range, 0,
				      "program header %zu: kexec-tools' backup region (x86 "
				      "kexec_load: System RAM below 640 KiB), read from the copy "
				      "purgatory made in the crashkernel at the crash", i);
	/* At most 187 characters: the detail holds 191. */
	return chp_report_add(r, CHP_FINDING_KEXEC_TOOLS_BACKUP, range, 0,
			      "program header %zu: kexec-tools' backup region (x86 kexec_load: "
			      "System RAM below 640 KiB), read at p_offset %#" PRIx64 " in the "
			      "crashkernel, where purgatory copies it at the crash", i, ph->offset);
}

/*
 * A RAM LOAD: readable up to p_filesz if its addresses are the kernel's;
 * up to p_memsz when makedumpfile left the rest out (`filtered`); `backup`:
 * kexec-tools' backup LOAD (is_kexec_tools_backup()).
 */
static int judge_ram(struct chp_verify_report *r, const struct chp_machine *m,
		     const struct chp_elf_phdr *ph, size_t i, enum chp_elfcore_kind kind,
		     bool filtered, bool backup, struct direct_map *dm,
		     struct chp_ranges *readable, struct chp_ranges *read)
{
	bool ok = true;
	int err;

	if (!dm->known && ph->vaddr - ph->paddr >= X86_DIRECT_MAP_LOWEST) {
		dm->base = ph->vaddr - ph->paddr;
		dm->known = true;
	}
	/*
	 * Whatever p_memsz spans, vmcore.c reads; kexec-tools' backup LOAD is
	 * read from its copy, a note instead, and not covered: the low 1 MiB
	 * is no memory a header must hold.
	 */
	if (backup) {
		ok = false;
		err = note_kexec_tools_backup(r, ph, i, kind);
	} else {
		err = chp_ranges_add(read, phdr_range(ph, ph->memsz));
	}
	if (!err && ph->flags != RWX)
		err = misread(r, ph, i, "p_flags is not RWX, as the kernel writes for memory");
	if (!err && kind == CHP_ELFCORE_HEADER && chp_machine_arch(m) != CHP_ARCH_X86_64 &&
	    ph->offset < CHP_PPC64_BACKUP_SIZE) {
		ok = false;
		err = misread(r, ph, i, "p_offset in [0, 64 KiB): vmcore.c reads the capture "
			      "kernel's own low memory there; purgatory saved the crashed kernel's "
			      "at the backup segment (sync_backup_region_phdr())");
	} else if (!err && kind == CHP_ELFCORE_HEADER && ph->offset != ph->paddr &&
		   !is_backup(m, ph) && !backup) {
		ok = false;
		err = misread(r, ph, i, "p_offset differs from p_paddr: vmcore.c reads old "
			      "memory at p_offset, other memory than the header claims");
	}
	if (!err && (!dm->known || ph->vaddr != dm->base + ph->paddr)) {
		ok = false;
		err = misread(r, ph, i, "p_vaddr is not the direct map's address of p_paddr: "
			      "crash and makedumpfile translate the kernel's addresses wrong");
	}
	/* makedumpfile and crash read zeros past p_filesz. */
	uint64_t size = filtered && ph->filesz <= ph->memsz ? ph->memsz : ph->filesz;
	if (!err && ok && size)
		err = chp_ranges_add(readable, phdr_range(ph, size));
	if (!err && ok && size > ph->filesz)
		r->sum.filtered_bytes += size - ph->filesz;
	return err;
}

/*
 * /proc/vmcore copies each LOAD's p_filesz from the elfcorehdr, and both
 * the kernel (crash_prepare_elf64_headers()) and kexec-tools write it equal
 * to p_memsz; a header that does not is judged a discrepancy itself.  So in
 * a vmcore FILE a RAM LOAD short of p_memsz is a filtering writer's mark,
 * makedumpfile -E's (write_elf_pages_cyclic()), even unflattened.
 */
bool chp_verify_writer_filtered(const struct chp_machine *m, const struct chp_elfcore *core)
{
	if (chp_elfcore_kind(core) != CHP_ELFCORE_VMCORE)
		return false;
	for (size_t i = 0; i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);

		if (ph->type == CHP_PT_LOAD && ph->filesz < ph->memsz &&
		    chp_arch_load_is_ram(chp_machine_arch(m), ph->vaddr))
			return true;
	}
	return false;
}

/* The kernel text LOAD, or (`filtered`) its pieces in order: how much of it is seen. */
struct text_seen {
	uint64_t bytes;
	uint64_t vaddr; /* of the first piece: a live machine's _text is unknown under KASLR */
};

static bool is_kernel_text(const struct chp_machine *m, const struct chp_elf_phdr *ph,
			   enum chp_elfcore_kind kind, bool filtered, struct text_seen *seen)
{
	const struct chp_kernel_text *text = chp_machine_kernel_text(m);
	uint64_t want_vaddr = seen->bytes ? seen->vaddr + seen->bytes : text ? text->vaddr : 0;

	if (!text || seen->bytes >= text->size || ph->paddr != text->paddr + seen->bytes ||
	    ph->memsz > text->size - seen->bytes || ph->flags != RWX ||
	    (filtered ? ph->filesz > ph->memsz : ph->filesz != ph->memsz || ph->memsz != text->size) ||
	    (kind != CHP_ELFCORE_VMCORE && ph->offset != ph->paddr) ||
	    (ph->vaddr != want_vaddr && (seen->bytes || !chp_machine_is_live(m))))
		return false;
	if (!seen->bytes)
		seen->vaddr = ph->vaddr;
	seen->bytes += ph->memsz;
	return true;
}

int chp_verify_phdrs(struct chp_verify_report *r, const struct chp_machine *m,
		     const struct chp_elfcore *core, bool filtered, struct chp_ranges *readable,
		     struct chp_ranges *read)
{
	enum chp_arch arch = chp_machine_arch(m);
	enum chp_elfcore_kind kind = chp_elfcore_kind(core);
	const struct chp_kernel_text *text = chp_machine_kernel_text(m);
	struct direct_map dm = { chp_machine_direct_map(m), arch != CHP_ARCH_X86_64 };
	struct text_seen text_seen = { 0, 0 };
	bool other_seen = false, backup_seen = false;
	int err = 0;
	/*
	 * PN_XNUM: readelf, gdb and makedumpfile take the count from section
	 * 0's sh_info, but parse_crash_elf64_headers() takes e_phnum as it is:
	 * the capture kernel reads 65535 headers and no section header, so the
	 * memory of those after is in no /proc/vmcore (and a kernel never
	 * writes such a header: its e_phnum is a u16 counter).
	 */
	size_t vmcore_reads = chp_elfcore_phnum(core);
	if (kind == CHP_ELFCORE_HEADER && vmcore_reads > CHP_PN_XNUM) {
		vmcore_reads = CHP_PN_XNUM;
		err = chp_report_add(r, CHP_FINDING_MISREAD, (struct chp_range){ 0, 0 }, 0,
				     "e_phnum PN_XNUM, %zu headers in section 0's sh_info: vmcore.c "
				     "reads e_phnum as it is (65535): headers %u-%zu are not in "
				     "/proc/vmcore", chp_elfcore_phnum(core), CHP_PN_XNUM,
				     chp_elfcore_phnum(core) - 1);
	}

	for (size_t i = 0; !err && i < vmcore_reads; i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);

		if (ph->type == CHP_PT_NOTE && (kind == CHP_ELFCORE_HEADER || i == 0)) {
			err = judge_note(r, ph, i, other_seen, kind);
			continue;
		}
		other_seen = true;
		if (ph->type != CHP_PT_LOAD) {
			/* crash(8) takes it for a load: it must span nothing. */
			if (ph->memsz || ph->filesz)
				err = misread(r, ph, i, "not a LOAD, yet it spans memory: crash(8) "
					      "reads every header after the first as a load");
			continue;
		}
		if (ph->memsz == 0)
			continue; /* matches no address for any reader */
		if (chp_arch_load_is_ram(arch, ph->vaddr)) {
			/* kexec-tools writes one: a second is no backup. */
			bool backup = !backup_seen && is_kexec_tools_backup(m, ph, kind);
			backup_seen |= backup;
			err = judge_ram(r, m, ph, i, kind, filtered, backup, &dm, readable, read);
		} else if (is_kernel_text(m, ph, kind, filtered, &text_seen)) {
			continue;
		} else {
			err = chp_report_add(r, CHP_FINDING_KERNEL_TEXT, phdr_range(ph, ph->memsz), 0,
					     "program header %zu: LOAD at vaddr %#" PRIx64 " is in the "
					     "kernel image's map but not the kernel text as the kernel "
					     "writes it", i, ph->vaddr);
		}
	}
	if (!err && text && text_seen.bytes != text->size)
		err = chp_report_add(r, CHP_FINDING_KERNEL_TEXT,
				     (struct chp_range){ text->paddr, text->paddr + text->size - 1 }, 0,
				     "no LOAD for the kernel text at %#" PRIx64, text->vaddr);
	return err;
}
