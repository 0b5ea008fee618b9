/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/capture.h"
#include "crashhp/error.h"
#include "crashhp/crashmem.h"
#include "crashhp/note.h"
#include "crashhp/kdump.h"
#include "internal.h"
#include "verify_internal.h"

void chp_verify_options_init(struct chp_verify_options *opt)
{
	*opt = (struct chp_verify_options){ .exhaustive_limit = 4ull << 30,
					    .sample_pages = 65536, .seed = 1 };
}

const char *chp_finding_kind_name(enum chp_finding_kind kind)
{
	static const char *const names[] = {
		[CHP_FINDING_MISSING_MEMORY] = "missing-memory",
		[CHP_FINDING_ABSENT_MEMORY] = "absent-memory",
		[CHP_FINDING_OFFLINE_MEMORY] = "offline-memory",
		[CHP_FINDING_EXCLUDED_MEMORY] = "excluded-memory",
		[CHP_FINDING_CPU_NOTE_MISSING] = "cpu-note-missing",
		[CHP_FINDING_CPU_NOTE_WRONG] = "cpu-note-wrong",
		[CHP_FINDING_VMCOREINFO] = "vmcoreinfo",
		[CHP_FINDING_KERNEL_TEXT] = "kernel-text",
		[CHP_FINDING_DATA_WRONG] = "data-wrong",
		[CHP_FINDING_MISREAD] = "misread-header",
		[CHP_FINDING_CPU_NOTE_UNKNOWN] = "cpu-note-unknown",
		[CHP_FINDING_ARCH_UNKNOWN] = "arch-unknown",
		[CHP_FINDING_KEXEC_TOOLS_BACKUP] = "kexec-tools-backup",
	};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

enum chp_finding_class chp_finding_class_of(enum chp_finding_kind kind)
{
	/* x86 keeps an offline block in the header: it is still System RAM, and
	 * a reader of it reads what the block held when it went offline. */
	if (kind == CHP_FINDING_OFFLINE_MEMORY)
		return CHP_FINDING_NOTE;
	/*
	 * kexec-tools' x86 backup LOAD: the low 640 KiB as they were at the
	 * crash, read from the copy in the crashkernel (verify_phdr.c).
	 */
	if (kind == CHP_FINDING_KEXEC_TOOLS_BACKUP)
		return CHP_FINDING_NOTE;
	if (kind == CHP_FINDING_CPU_NOTE_UNKNOWN || kind == CHP_FINDING_ARCH_UNKNOWN)
		return CHP_FINDING_UNCHECKED;
	return CHP_FINDING_DISCREPANCY;
}

const char *chp_finding_class_name(enum chp_finding_class c)
{
	return c == CHP_FINDING_NOTE ? "note" : c == CHP_FINDING_UNCHECKED ? "cannot-check"
									   : "discrepancy";
}

int chp_report_add(struct chp_verify_report *r, enum chp_finding_kind kind,
		   struct chp_range range, unsigned cpu, const char *fmt, ...)
{
	va_list ap;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct chp_finding *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return chp_fail(-ENOMEM, "out of memory for findings");
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n] = (struct chp_finding){ .kind = kind, .range = range, .cpu = cpu };
	va_start(ap, fmt);
	vsnprintf(r->v[r->n].detail, sizeof(r->v[r->n].detail), fmt, ap);
	va_end(ap);
	r->n++;
	return 0;
}

int chp_verify_file_read(const struct chp_verify_file *f, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return chp_fail(-errno, "reading at %#" PRIx64 ": %s", off, strerror(errno));
		if (n == 0)
			return chp_fail(-EIO, "unexpected end of file at %#" PRIx64, off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int read_file(void *ctx, uint64_t off, void *buf, size_t len)
{
	return chp_verify_file_read(ctx, off, buf, len);
}

/* Report each range of `set` as one finding of `kind`, and total its bytes. */
static int report_ranges(struct chp_verify_report *r, const struct chp_ranges *set,
			 enum chp_finding_kind kind, const char *what, uint64_t *total)
{
	for (size_t i = 0; i < chp_ranges_count(set); i++) {
		struct chp_range x = *chp_ranges_at(set, i);
		int err = chp_report_add(r, kind, x, 0, "%s [%#" PRIx64 ", %#" PRIx64 "] (%" PRIu64
					 " bytes)", what, x.start, x.last, chp_range_size(x));
		if (err)
			return err;
		if (total)
			*total += chp_range_size(x);
	}
	return 0;
}

/*
 * RAM LOADs must cover exactly what the machine has online, minus exclusions:
 * every online page readable by every reader (`covered`), and no page that
 * should not be there read by any (`read`).
 */
int chp_verify_memory(struct chp_verify_report *r, const struct chp_machine *m,
		      const struct chp_ranges *covered, const struct chp_ranges *read,
		      const struct chp_ranges *in_flight)
{
	struct chp_ranges *expected = NULL, *diff = NULL, *part = NULL, *set = NULL;
	int err = chp_ranges_new(&expected);

	if (!err)
		err = chp_ranges_new(&diff);
	if (!err)
		err = chp_ranges_new(&part);
	if (!err)
		err = chp_ranges_new(&set);
	if (!err)
		err = chp_crashmem_expected(m, expected);
	if (!err)
		err = chp_ranges_total_bytes(expected, &r->sum.expected_bytes);
	if (!err)
		err = chp_ranges_total_bytes(covered, &r->sum.covered_bytes);
	/* missing := expected - covered (what an event under way adds may lack) */
	if (!err)
		err = chp_ranges_assign(diff, expected);
	if (!err)
		err = chp_ranges_subtract_all(diff, covered);
	if (!err && in_flight)
		err = chp_ranges_subtract_all(diff, in_flight);
	if (!err)
		err = report_ranges(r, diff, CHP_FINDING_MISSING_MEMORY, "online memory missing",
				    &r->sum.missing_bytes);
	/* extra := read - expected, told apart by why it should not be there */
	if (!err)
		err = chp_ranges_assign(diff, read);
	if (!err)
		err = chp_ranges_subtract_all(diff, expected);
	if (!err && in_flight)
		err = chp_ranges_subtract_all(diff, in_flight);
	if (!err)
		err = chp_ranges_assign(part, diff);
	if (!err)
		err = chp_ranges_subtract_all(part, chp_machine_present_memory(m));
	if (!err)
		err = report_ranges(r, part, CHP_FINDING_ABSENT_MEMORY, "absent memory included",
				    &r->sum.absent_bytes);
	if (!err)
		err = chp_machine_offline_memory(m, set);
	if (!err)
		err = chp_ranges_intersect(part, diff, set);
	if (!err)
		err = report_ranges(r, part, CHP_FINDING_OFFLINE_MEMORY,
				    "offline (present) memory included", &r->sum.offline_bytes);
	if (!err)
		err = chp_crashmem_exclusions(m, set);
	if (!err)
		err = chp_ranges_intersect(part, diff, set);
	if (!err)
		err = report_ranges(r, part, CHP_FINDING_EXCLUDED_MEMORY,
				    "excluded memory (crashkernel or low 1 MiB) included", NULL);
	chp_ranges_free(expected);
	chp_ranges_free(diff);
	chp_ranges_free(part);
	chp_ranges_free(set);
	return err;
}

/* Judge the program headers, then the memory they make readable. */
static int check_loads(struct chp_verify_report *r, const struct chp_machine *m,
		       const struct chp_elfcore *core, bool filtered,
		       const struct chp_ranges *in_flight)
{
	struct chp_ranges *covered = NULL, *read = NULL;
	int err = chp_ranges_new(&covered);

	if (!err)
		err = chp_ranges_new(&read);
	if (!err)
		err = chp_verify_phdrs(r, m, core, filtered, covered, read);
	if (!err)
		err = chp_verify_memory(r, m, covered, read, in_flight);
	chp_ranges_free(covered);
	chp_ranges_free(read);
	return err;
}

/* An elfcorehdr: a PT_NOTE must point at each online CPU's crash_notes. */
static int check_header_notes(struct chp_verify_report *r, const struct chp_machine *m,
			      const struct chp_elfcore *core)
{
	struct chp_note_loc vmci = chp_machine_vmcoreinfo(m);
	bool vmci_found = false;
	int err = 0;

	for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m) && !err; cpu++) {
		struct chp_note_loc loc = chp_machine_cpu_notes(m, cpu);
		bool found = false;

		if (!chp_machine_cpu_online(m, cpu))
			continue;
		if (!loc.paddr) {
			err = chp_report_add(r, CHP_FINDING_CPU_NOTE_UNKNOWN, (struct chp_range){ 0, 0 },
					     cpu, "CPU %u's crash_notes address is unknown here: "
					     "cannot check its PT_NOTE", cpu);
			continue;
		}
		for (size_t i = 0; i < chp_elfcore_phnum(core) && !found; i++) {
			const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
			found = ph->type == CHP_PT_NOTE && ph->offset == loc.paddr &&
				ph->memsz >= loc.size;
		}
		r->sum.cpu_notes_found += found;
		if (!found)
			err = chp_report_add(r, CHP_FINDING_CPU_NOTE_MISSING, (struct chp_range){ 0, 0 },
					     cpu, "no PT_NOTE for CPU %u's crash_notes at %#" PRIx64,
					     cpu, loc.paddr);
	}
	for (size_t i = 0; i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		vmci_found |= ph->type == CHP_PT_NOTE && ph->offset == vmci.paddr;
	}
	if (!err && !vmci_found && vmci.paddr)
		err = chp_report_add(r, CHP_FINDING_VMCOREINFO, (struct chp_range){ 0, 0 }, 0,
				     "no PT_NOTE for vmcoreinfo at %#" PRIx64, vmci.paddr);
	return err;
}

static int check_prstatus(struct chp_verify_report *r, const struct chp_machine *m,
			  const struct chp_note *n, bool *seen)
{
	/* A real dump's notes carry task pids: only their number can be judged. */
	if (chp_machine_is_live(m)) {
		for (unsigned cpu = 0; cpu < chp_machine_cpus_possible(m); cpu++) {
			if (chp_machine_cpu_online(m, cpu) && !seen[cpu]) {
				seen[cpu] = true;
				r->sum.cpu_notes_found++;
				return 0;
			}
		}
		return chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, (struct chp_range){ 0, 0 }, 0,
				      "more NT_PRSTATUS notes than online CPUs");
	}
	enum chp_arch arch = chp_machine_arch(m);
	uint64_t regs[64];
	uint32_t pid;
	unsigned cpu;
	size_t nregs = chp_prstatus_nregs(arch);
	struct chp_range none = { 0, 0 };

	if (chp_prstatus_decode(n->desc, n->descsz, arch, &pid, regs, nregs))
		return chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, none, 0,
				      "NT_PRSTATUS at note offset %zu: %s", n->offset,
				      chp_last_error());
	cpu = pid - 1;
	if (pid == 0 || cpu >= chp_machine_cpus_possible(m) || !chp_machine_cpu_online(m, cpu))
		return chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, none, cpu,
				      "NT_PRSTATUS for pid %u: no online CPU %u", pid, cpu);
	if (seen[cpu])
		return chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, none, cpu,
				      "NT_PRSTATUS for CPU %u appears twice", cpu);
	seen[cpu] = true;
	for (size_t i = 0; i < nregs; i++) {
		if (regs[i] != chp_lab_register(cpu, (unsigned)i))
			return chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, none, cpu,
					      "NT_PRSTATUS for CPU %u: register %zu is %#" PRIx64
					      ", the CPU saved %#" PRIx64, cpu, i, regs[i],
					      chp_lab_register(cpu, (unsigned)i));
	}
	r->sum.cpu_notes_found++;
	return 0;
}

static int check_vmcoreinfo(struct chp_verify_report *r, const struct chp_machine *m,
			    const struct chp_note *n)
{
	const char *want = chp_machine_vmcoreinfo_text(m);
	size_t len = strlen(want);

	if (chp_machine_is_live(m))
		return 0; /* its text is in the machine's memory, not known here */
	if (n->descsz < len || memcmp(n->desc, want, len) ||
	    (n->descsz > len && memcmp(n->desc + len, "CRASHTIME=", n->descsz - len < 10
						      ? n->descsz - len : 10)))
		return chp_report_add(r, CHP_FINDING_VMCOREINFO, (struct chp_range){ 0, 0 }, 0,
				      "VMCOREINFO note differs from the kernel's vmcoreinfo");
	return 0;
}

/* Each note of a merged note buffer: NT_PRSTATUS per online CPU, VMCOREINFO. */
static int check_notes_buffer(struct chp_verify_report *r, const struct chp_machine *m,
			      const uint8_t *buf, size_t len, bool big, bool *seen, bool *vmci_found,
			      const char *where)
{
	struct chp_note_cursor c;
	struct chp_note n;
	int got, err = 0;

	chp_note_cursor_init(&c, buf, len, big);
	while (!err && (got = chp_note_next(&c, &n)) == 1) {
		if (n.type == CHP_NT_PRSTATUS && !strcmp(n.name, "CORE"))
			err = check_prstatus(r, m, &n, seen);
		else if (!strcmp(n.name, "VMCOREINFO")) {
			*vmci_found = true;
			err = check_vmcoreinfo(r, m, &n);
		}
	}
	if (!err && got < 0)
		err = chp_report_add(r, CHP_FINDING_CPU_NOTE_WRONG, (struct chp_range){ 0, 0 }, 0,
				     "%s: %s", where, chp_last_error());
	return err;
}

int chp_verify_missing_notes(struct chp_verify_report *r, const struct chp_machine *m,
			     const bool *seen, bool vmci_found)
{
	int err = 0;

	for (unsigned cpu = 0; !err && cpu < chp_machine_cpus_possible(m); cpu++)
		if (chp_machine_cpu_online(m, cpu) && !seen[cpu])
			err = chp_report_add(r, CHP_FINDING_CPU_NOTE_MISSING, (struct chp_range){ 0, 0 },
					     cpu, "no NT_PRSTATUS for online CPU %u", cpu);
	if (!err && !vmci_found)
		err = chp_report_add(r, CHP_FINDING_VMCOREINFO, (struct chp_range){ 0, 0 }, 0,
				     "no VMCOREINFO note");
	return err;
}

/* A vmcore: the merged PT_NOTE holds an NT_PRSTATUS per online CPU and VMCOREINFO. */
static int check_vmcore_notes(struct chp_verify_report *r, const struct chp_machine *m,
			      const struct chp_elfcore *core, const struct chp_verify_file *f)
{
	bool *seen = calloc(chp_machine_cpus_possible(m), sizeof(bool));
	bool vmci_found = false;
	int err = seen ? 0 : chp_fail(-ENOMEM, "out of memory");

	for (size_t i = 0; !err && i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		char where[48];
		uint8_t *buf;

		if (ph->type != CHP_PT_NOTE)
			continue;
		if (ph->filesz > CHP_NOTES_MAX_BYTES) {
			err = chp_fail(-EINVAL, "program header %zu (NOTE): %" PRIu64 " bytes of notes; "
				       "not decoding more than %u", i, ph->filesz, CHP_NOTES_MAX_BYTES);
			break;
		}
		buf = malloc(ph->filesz ? (size_t)ph->filesz : 1);
		if (!buf) {
			err = chp_fail(-ENOMEM, "out of memory for %" PRIu64 " bytes of notes",
				       ph->filesz);
			break;
		}
		err = chp_verify_file_read(f, ph->offset, buf, (size_t)ph->filesz);
		snprintf(where, sizeof(where), "program header %zu (NOTE)", i);
		if (!err)
			err = check_notes_buffer(r, m, buf, (size_t)ph->filesz,
						 chp_elfcore_big_endian(core), seen, &vmci_found, where);
		free(buf);
	}
	if (!err)
		err = chp_verify_missing_notes(r, m, seen, vmci_found);
	free(seen);
	return err;
}

static int verify_core(struct chp_verify_report *r, const struct chp_machine *m,
		       const struct chp_elfcore *core, const struct chp_verify_file *f,
		       const struct chp_verify_options *opt)
{
	int err;

	if (chp_elfcore_arch(core) != chp_machine_arch(m))
		return chp_fail(-EINVAL, "e_machine: the file is %s, the machine %s",
				chp_arch_name(chp_elfcore_arch(core)),
				chp_arch_name(chp_machine_arch(m)));
	r->sum.kind = chp_elfcore_kind(core);
	r->sum.cpus_online = chp_machine_cpus_online(m);
	/* Flattened: makedumpfile wrote it; plain -E: its short LOADs say so. */
	r->sum.filtered_inferred = !f->flattened && chp_verify_writer_filtered(m, core);
	err = check_loads(r, m, core, f->flattened || r->sum.filtered_inferred, NULL);
	if (err)
		return err;
	if (r->sum.kind == CHP_ELFCORE_HEADER)
		return check_header_notes(r, m, core);
	err = check_vmcore_notes(r, m, core, f);
	/* A live machine's memory cannot be read here: coverage and notes only. */
	return err || chp_machine_is_live(m) ? err : chp_verify_data(r, m, core, f, opt);
}

int chp_verify_file(struct chp_verify_report **out, const struct chp_machine *m,
		    const char *path, const struct chp_verify_options *opt)
{
	struct chp_verify_options defaults;
	struct chp_verify_report *r;
	struct chp_verify_file f;
	struct chp_elfcore *core = NULL;
	enum chp_dump_format format;
	struct stat st;
	int err;

	if (!opt) {
		chp_verify_options_init(&defaults);
		opt = &defaults;
	}
	err = chp_dump_open(&f.fd, &format, &f.flattened, path, opt->tmpdir, &opt->progress);
	if (err)
		return err;
	if (format == CHP_DUMP_KDUMP) {
		err = chp_verify_kdump_fd(out, m, f.fd, path, f.flattened, opt);
		close(f.fd);
		return err;
	}
	if (fstat(f.fd, &st)) {
		err = chp_fail(-errno, "%s: %s", path, strerror(errno));
		close(f.fd);
		return err;
	}
	f.size = (uint64_t)st.st_size;
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(f.fd);
		return chp_fail(-ENOMEM, "out of memory");
	}
	/* A dump may describe memory twice, as Linux allows: judged by coverage. */
	err = chp_elfcore_open_flags(&core, &(struct chp_reader){ read_file, &f, f.size },
				     CHP_ELFCORE_AUTO, CHP_ELFCORE_ALLOW_DUPLICATE_LOADS);
	if (!err)
		err = verify_core(r, m, core, &f, opt);
	chp_elfcore_free(core);
	close(f.fd);
	if (err) {
		chp_fail_prefix(err, "%s: ", path);
		chp_verify_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int chp_verify_view(struct chp_verify_report **out, const struct chp_machine *m,
		    const struct chp_capture_view *view, const struct chp_ranges *in_flight)
{
	const struct chp_elfcore *core = chp_capture_view_header(view);
	struct chp_verify_report *r = calloc(1, sizeof(*r));
	bool *seen = calloc(chp_machine_cpus_possible(m), sizeof(bool));
	bool vmci_found = false;
	size_t len;
	const uint8_t *notes = chp_capture_view_notes(view, &len);
	int err = r && seen ? 0 : chp_fail(-ENOMEM, "out of memory");

	if (!err) {
		r->sum.kind = CHP_ELFCORE_VMCORE;
		r->sum.cpus_online = chp_machine_cpus_online(m);
		err = check_loads(r, m, core, false, in_flight);
	}
	if (!err)
		err = check_notes_buffer(r, m, notes, len, chp_elfcore_big_endian(core), seen,
					 &vmci_found, "merged notes");
	if (!err)
		err = chp_verify_missing_notes(r, m, seen, vmci_found);
	free(seen);
	if (err) {
		chp_verify_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void chp_verify_report_free(struct chp_verify_report *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

bool chp_verify_report_complete(const struct chp_verify_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (chp_finding_class_of(r->v[i].kind) == CHP_FINDING_DISCREPANCY)
			return false;
	return true;
}

size_t chp_verify_report_count(const struct chp_verify_report *r)
{
	return r->n;
}

const struct chp_finding *chp_verify_report_at(const struct chp_verify_report *r, size_t i)
{
	return i < r->n ? &r->v[i] : NULL;
}

const struct chp_verify_summary *chp_verify_report_summary(const struct chp_verify_report *r)
{
	return &r->sum;
}
