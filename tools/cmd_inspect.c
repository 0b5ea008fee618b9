/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashhp/elfcore.h"
#include "crashhp/kdump.h"
#include "crashhp/note.h"
#include "progress.h"
#include "table.h"
#include "tool.h"


static const char inspect_usage[] =
	"Usage: crashhp inspect [--json | -J] [-o LIST] [-r] [-b] [-n]\n"
	"                       [--kind auto|header|vmcore] FILE\n"
	"\n"
	"Decode an ELF core header (an elfcorehdr) or a vmcore: the ELF header,\n"
	"every program header, and in a vmcore the notes; or a makedumpfile dump\n"
	"(kdump-compressed, or flattened with -F): its kernel, notes, and the RAM\n"
	"it describes and holds.  The file is validated first; a malformed one is\n"
	"rejected with the field at fault.\n"
	"\n"
	"  --json         print one JSON object: every field, whatever -o and -b say\n"
	"  -J             the program header table as JSON, as lsmem -J prints its\n"
	"                 table: -o's columns, sizes as \"32M\" unless -b\n"
	"  -o, --output LIST  the program header table's columns (+LIST adds)\n"
	"  -r, --raw      the table unaligned\n"
	"  -b, --bytes    sizes in bytes rather than lsmem's \"32M\"\n"
	"  -n, --noheadings  the table without its heading\n"
	"  --kind KIND    header: offsets are physical addresses (an elfcorehdr);\n"
	"                 vmcore: offsets are in the file; auto (default) decides\n"
	"  -h, --help     this help\n"
	"\n"
	"Exit status: 0 decoded, 2 usage, 3 malformed file, 4 I/O error.\n";

struct file_src {
	int fd;
};

static int read_fd(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct file_src *f = ctx;
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * readelf's letters in its places, a flag not set '-' (as ls -l's modes)
 * rather than readelf's blank: a NOTE's 0 reads "---", not an empty cell,
 * and -r writes no \x20 inside one.
 */
static const char *flags_text(uint32_t f, char buf[4])
{
	buf[0] = f & CHP_PF_R ? 'R' : '-';
	buf[1] = f & CHP_PF_W ? 'W' : '-';
	buf[2] = f & CHP_PF_X ? 'E' : '-';
	buf[3] = '\0';
	return buf;
}

/*
 * One rule for every enumerated field in --json: "<field>" is the name
 * readelf prints and "<field>_value" the number in the file.
 */
static const char *elf_type_name(uint16_t type)
{
	static const char *const names[] = { "NONE", "REL", "EXEC", "DYN", "CORE" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

static const char *elf_machine_name(uint16_t machine)
{
	switch (machine) {
	case 62:
		return "X86_64";
	case 21:
		return "PPC64";
	default:
		return "unknown";
	}
}

static const char *note_type_name(const struct chp_note *n)
{
	if (!strcmp(n->name, "CORE") && n->type == CHP_NT_PRSTATUS)
		return "NT_PRSTATUS";
	if (!strcmp(n->name, "VMCOREINFO"))
		return "VMCOREINFO";
	return "unknown";
}

/*
 * First line of a VMCOREINFO text, for the human listing; its control bytes
 * are printed as \xNN by stdout's filter (text_out.c), not cut off here.
 */
static void first_line(const struct chp_note *n, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < n->descsz && len + 1 < cap && n->desc[len] != '\n' && n->desc[len] != '\0') {
		buf[len] = (char)n->desc[len];
		len++;
	}
	buf[len] = '\0';
}

static char *vmcoreinfo_text(const struct chp_note *n)
{
	char *s = malloc((size_t)n->descsz + 1);

	if (s) {
		memcpy(s, n->desc, n->descsz);
		s[n->descsz] = '\0';
		/* Text up to the first NUL: the note is a C string in the kernel. */
	}
	return s;
}

/*
 * Walk every note; with `quiet`, only check them, so that a malformed note is
 * reported before anything is printed.
 */
static int print_notes(const char *path, const struct chp_elfcore *core, struct file_src *f,
		       struct json *j, bool quiet)
{
	enum chp_arch arch = chp_elfcore_arch(core);
	int err = 0;

	for (size_t i = 0; i < chp_elfcore_phnum(core) && !err; i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		struct chp_note_cursor c;
		struct chp_note n;
		uint8_t *buf;
		int got;

		if (ph->type != CHP_PT_NOTE)
			continue;
		if (ph->filesz > CHP_NOTES_MAX_BYTES) {
			tool_error("%s: program header %zu: %" PRIu64 " bytes of notes; not decoding "
				   "more than %u", path, i, ph->filesz, CHP_NOTES_MAX_BYTES);
			return EXIT_BAD_INPUT;
		}
		buf = malloc(ph->filesz ? (size_t)ph->filesz : 1);
		if (!buf || read_fd(f, ph->offset, buf, (size_t)ph->filesz)) {
			free(buf);
			tool_error("%s: reading the notes of program header %zu failed", path, i);
			return EXIT_SYSTEM;
		}
		if (!j && !quiet)
			printf("\nNotes in program header %zu (%" PRIu64 " bytes):\n", i, ph->filesz);
		chp_note_cursor_init(&c, buf, (size_t)ph->filesz, chp_elfcore_big_endian(core));
		while ((got = chp_note_next(&c, &n)) == 1) {
			uint32_t pid = 0;
			bool is_prstatus = !strcmp(note_type_name(&n), "NT_PRSTATUS") &&
					   !chp_prstatus_decode(n.desc, n.descsz, arch, &pid, NULL, 0);
			bool is_vmci = !strcmp(n.name, "VMCOREINFO");

			if (quiet) {
				continue;
			} else if (j) {
				json_object_open(j, NULL);
				json_uint(j, "phdr", i);
				json_string(j, "name", n.name);
				json_string(j, "type", note_type_name(&n));
				json_uint(j, "type_value", n.type);
				json_uint(j, "descsz", n.descsz);
				if (is_prstatus)
					json_uint(j, "pid", pid);
				if (is_vmci) {
					char *text = vmcoreinfo_text(&n);
					json_string(j, "text", text ? text : "");
					free(text);
				}
				json_object_close(j);
			} else {
				char line[80] = "";
				if (is_vmci)
					first_line(&n, line, sizeof(line));
				printf("  %-11s %-12s type %-2u %6u bytes", n.name, note_type_name(&n),
				       n.type, n.descsz);
				if (is_prstatus)
					printf("  pid %u", pid);
				if (is_vmci)
					printf("  %s ...", tool_name(line));
				putchar('\n');
			}
		}
		free(buf);
		if (got < 0) {
			tool_error("%s: program header %zu: %s", path, i, tool_why());
			err = EXIT_BAD_INPUT;
		}
	}
	return err;
}

/* The program header table, readelf -l's columns. */
enum { PCOL_NR, PCOL_TYPE, PCOL_OFFSET, PCOL_VADDR, PCOL_PADDR, PCOL_FILESZ, PCOL_MEMSZ,
       PCOL_FLAGS, PCOL_ALIGN };
static const struct tool_column phdr_columns[] = {
	[PCOL_NR] = { "NR", "index of the program header", TOOL_COL_NUMBER, true, true },
	[PCOL_TYPE] = { "TYPE", "p_type (NOTE, LOAD, ...)", TOOL_COL_STRING, false, true },
	[PCOL_OFFSET] = { "OFFSET", "p_offset (a physical address in an elfcorehdr)", TOOL_COL_STRING, false, true },
	[PCOL_VADDR] = { "VADDR", "p_vaddr", TOOL_COL_STRING, false, true },
	[PCOL_PADDR] = { "PADDR", "p_paddr", TOOL_COL_STRING, false, true },
	[PCOL_FILESZ] = { "FILESZ", "p_filesz", TOOL_COL_SIZE, true, true },
	[PCOL_MEMSZ] = { "MEMSZ", "p_memsz", TOOL_COL_SIZE, true, true },
	[PCOL_FLAGS] = { "FLAGS", "p_flags as R, W, E", TOOL_COL_STRING, false, true },
	[PCOL_ALIGN] = { "ALIGN", "p_align", TOOL_COL_NUMBER, true, true },
};
#define NR_PHDR_COLUMNS (sizeof(phdr_columns) / sizeof(phdr_columns[0]))

static int add_phdr_rows(struct tool_table *t, const struct chp_elfcore *core)
{
	int err = 0;

	for (size_t i = 0; i < chp_elfcore_phnum(core) && !err; i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		char tb[16], fb[4], off[24], va[24], pa[24];
		snprintf(off, sizeof(off), "0x%016" PRIx64, ph->offset);
		snprintf(va, sizeof(va), "0x%016" PRIx64, ph->vaddr);
		snprintf(pa, sizeof(pa), "0x%016" PRIx64, ph->paddr);
		const struct tool_cell cells[] = {
			[PCOL_NR] = { .u = i },
			[PCOL_TYPE] = { .s = chp_elf_phdr_type_name(ph->type, tb) },
			[PCOL_OFFSET] = { .s = off },
			[PCOL_VADDR] = { .s = va },
			[PCOL_PADDR] = { .s = pa },
			[PCOL_FILESZ] = { .u = ph->filesz },
			[PCOL_MEMSZ] = { .u = ph->memsz },
			[PCOL_FLAGS] = { .s = flags_text(ph->flags, fb) },
			[PCOL_ALIGN] = { .u = ph->align },
		};
		err = tool_table_add(t, cells);
	}
	return err;
}

static int fill_phdrs(struct tool_table *t, const void *core)
{
	return add_phdr_rows(t, core);
}

/* -J: the table alone, as lsmem -J prints its own: {"program_headers": [rows of -o's columns]}. */
static int print_table_json(const struct chp_elfcore *core, const struct tool_table_opts *o)
{
	return tool_table_emit("inspect", phdr_columns, NR_PHDR_COLUMNS, o, "program_headers",
			       fill_phdrs, core);
}

static int print_human(const char *path, const struct chp_elfcore *core, bool flattened,
		       const struct tool_table_opts *o)
{
	const struct chp_elf_ehdr *h = chp_elfcore_ehdr(core);
	bool header = chp_elfcore_kind(core) == CHP_ELFCORE_HEADER;
	struct tool_table *t;
	int err;

	printf("%s: %s, %s, %s endian%s\n", tool_name(path), header ? "elfcorehdr" : "vmcore",
	       chp_arch_name(chp_elfcore_arch(core)), chp_elfcore_big_endian(core) ? "big" : "little",
	       flattened ? ", read from its flattened form (makedumpfile -E -F)" : "");
	printf("ELF header:\n");
	printf("  class ELF64  type CORE (%u)  machine %u  version %u  entry %#" PRIx64 "\n",
	       h->type, h->machine, h->version, h->entry);
	printf("  e_phoff %" PRIu64 "  e_phentsize %u  e_phnum %u%s  e_ehsize %u  e_shoff %" PRIu64
	       "  e_shnum %u\n", h->phoff, h->phentsize, h->phnum,
	       h->phnum == CHP_PN_XNUM ? " (PN_XNUM)" : "", h->ehsize, h->shoff, h->shnum);
	printf("\nProgram headers: %zu, at offset %" PRIu64 "%s\n\n", chp_elfcore_phnum(core), h->phoff,
	       header ? " (offsets are physical addresses)" : "");
	if ((err = tool_table_new(&t, "inspect", phdr_columns, NR_PHDR_COLUMNS, o, NULL)))
		return err;
	err = add_phdr_rows(t, core);
	if (!err) {
		fflush(stdout);
		err = tool_table_print(t);
	}
	tool_table_free(t);
	if (header)
		printf("\nNotes: in physical memory at the NOTE addresses; only a vmcore holds them.\n");
	return err;
}

static void print_json_headers(struct json *j, const char *path, const struct chp_elfcore *core,
			       bool flattened)
{
	const struct chp_elf_ehdr *h = chp_elfcore_ehdr(core);

	json_string(j, "file", path);
	json_string(j, "kind", chp_elfcore_kind(core) == CHP_ELFCORE_HEADER ? "elfcorehdr" : "vmcore");
	json_bool(j, "flattened", flattened);
	json_string(j, "arch", chp_arch_name(chp_elfcore_arch(core)));
	json_string(j, "byte_order", chp_elfcore_big_endian(core) ? "big" : "little");
	json_object_open(j, "elf_header");
	json_string(j, "type", elf_type_name(h->type));
	json_uint(j, "type_value", h->type);
	json_string(j, "machine", elf_machine_name(h->machine));
	json_uint(j, "machine_value", h->machine);
	json_uint(j, "version", h->version);
	json_hex(j, "entry", h->entry);
	json_uint(j, "phoff", h->phoff);
	json_uint(j, "shoff", h->shoff);
	json_uint(j, "flags", h->flags);
	json_uint(j, "ehsize", h->ehsize);
	json_uint(j, "phentsize", h->phentsize);
	json_uint(j, "phnum", h->phnum);
	json_uint(j, "shentsize", h->shentsize);
	json_uint(j, "shnum", h->shnum);
	json_uint(j, "shstrndx", h->shstrndx);
	json_object_close(j);
	json_array_open(j, "program_headers");
	for (size_t i = 0; i < chp_elfcore_phnum(core); i++) {
		const struct chp_elf_phdr *ph = chp_elfcore_phdr(core, i);
		char tb[16], fb[4];
		json_object_open(j, NULL);
		json_uint(j, "index", i);
		json_string(j, "type", chp_elf_phdr_type_name(ph->type, tb));
		json_uint(j, "type_value", ph->type);
		json_hex(j, "offset", ph->offset);
		json_hex(j, "vaddr", ph->vaddr);
		json_hex(j, "paddr", ph->paddr);
		json_uint(j, "filesz", ph->filesz);
		json_uint(j, "memsz", ph->memsz);
		json_string(j, "flags", flags_text(ph->flags, fb));
		json_uint(j, "flags_value", ph->flags);
		json_uint(j, "align", ph->align);
		json_object_close(j);
	}
	json_array_close(j);
}

int cmd_inspect(int argc, char **argv)
{
	enum { O_JSON = 256 };
	static const struct option longopts[] = {
		TOOL_TABLE_LONGOPTS_BUT_JSON,
		{ "json", no_argument, NULL, O_JSON },
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum chp_elfcore_kind kind = CHP_ELFCORE_AUTO;
	struct chp_elfcore *core;
	struct file_src f;
	struct stat st;
	struct tool_table_opts table = { 0 };
	bool as_json = false;
	int opt, err, rc;

	while ((opt = tool_getopt(argc, argv, "inspect", "h" TOOL_TABLE_SHORTOPTS, longopts)) != -1) {
		if (tool_table_option(opt, optarg, &table))
			continue;
		switch (opt) {
		case O_JSON:
			as_json = true;
			break;
		case 'k':
			if (!strcmp(optarg, "auto"))
				kind = CHP_ELFCORE_AUTO;
			else if (!strcmp(optarg, "header"))
				kind = CHP_ELFCORE_HEADER;
			else if (!strcmp(optarg, "vmcore"))
				kind = CHP_ELFCORE_VMCORE;
			else {
				tool_usage_error("inspect", "--kind: '%s' is not auto, header or vmcore", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(inspect_usage, stdout);
			tool_table_help(stdout, "-o", phdr_columns, NR_PHDR_COLUMNS);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		tool_usage_error("inspect", "expected one FILE");
		return EXIT_USAGE;
	}
	if (tool_refuse_stdin("inspect", argv[optind]))
		return EXIT_USAGE;
	if (as_json && table.json) {
		tool_usage_error("inspect", "--json (the whole document) or -J (the table), not both");
		return EXIT_USAGE;
	}
	{
		/* A column -o does not know: a usage error before the file is read. */
		struct tool_table *probe;
		struct tool_table_opts text = table;
		text.json = false;
		if (tool_table_new(&probe, "inspect", phdr_columns, NR_PHDR_COLUMNS, &text, NULL))
			return EXIT_USAGE;
		tool_table_free(probe);
	}
	/* A flattened dump of a large machine is rearranged first: minutes. */
	enum chp_dump_format format;
	struct tool_progress prog;
	struct chp_progress hook = tool_progress_hook(&prog);
	bool flattened;
	tool_progress_begin(&prog, "reading the dump", true);
	err = chp_dump_open(&f.fd, &format, &flattened, argv[optind], getenv("TMPDIR"), &hook);
	if (!err && format == CHP_DUMP_KDUMP) {
		/* no phdr table: -J is --json */
		rc = inspect_kdump(argv[optind], f.fd, flattened, as_json || table.json, &prog);
		close(f.fd);
		return rc;
	}
	tool_progress_end(&prog);
	if (err) {
		tool_error("%s", tool_why());
		return tool_input_exit(err);
	}
	if (fstat(f.fd, &st)) {
		tool_error("%s: %s", argv[optind], strerror(errno));
		close(f.fd);
		return EXIT_SYSTEM;
	}
	err = chp_elfcore_open(&core, &(struct chp_reader){ read_fd, &f, (uint64_t)st.st_size }, kind);
	if (err) {
		tool_error("%s: %s", argv[optind], tool_why());
		close(f.fd);
		return tool_input_exit(err);
	}
	bool dump = chp_elfcore_kind(core) == CHP_ELFCORE_VMCORE;
	rc = dump ? print_notes(argv[optind], core, &f, NULL, true) : 0;
	if (rc) {
		/* Already reported; nothing printed. */
	} else if (table.json) {
		rc = print_table_json(core, &table) ? EXIT_SYSTEM : 0;
	} else if (as_json) {
		struct json j;
		json_begin(&j, stdout);
		print_json_headers(&j, argv[optind], core, flattened);
		json_array_open(&j, "notes");
		rc = dump ? print_notes(argv[optind], core, &f, &j, false) : 0;
		json_array_close(&j);
		/* A failure half-way prints nothing: the tree is dropped, not half a document. */
		if (rc)
			json_discard(&j);
		else
			json_end(&j);
	} else {
		rc = print_human(argv[optind], core, flattened, &table) ? EXIT_SYSTEM : 0;
		if (!rc && dump)
			rc = print_notes(argv[optind], core, &f, NULL, false);
	}
	chp_elfcore_free(core);
	close(f.fd);
	return rc;
}
