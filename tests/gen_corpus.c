/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Write the malformed-header corpus into DIR: one NAME.core per case and
 * DIR/cases.txt with "NAME<TAB>fragment the error must contain".  Also
 * DIR/valid.core and DIR/pn-xnum.core, which must be accepted, and
 * DIR/free-slot.vmcore: the lab's vmcore of a robust header holding a free
 * slot (a DIMM added and removed), its PT_NULL kept where vmcore.c keeps it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"
#include "crashhp/capture.h"
#include "crashhp/hotplug.h"
#include "crashhp/error.h"

static int free_slot_vmcore(const char *dir)
{
	char path[4096];
	struct chp_lab_spec s;
	struct chp_load_options o;
	struct chp_capture_info info;
	struct chp_machine *m = NULL;
	struct chp_kimage *img = NULL;
	struct chp_hotplug *hp = NULL;
	int err;

	chp_lab_spec_init(&s, CHP_ARCH_X86_64);
	s.boot_ram = 1ull << 30;
	s.crashkernel_size = 64ull << 20;
	chp_load_options_init(&o);
	snprintf(path, sizeof(path), "%s/free-slot.vmcore", dir);
	err = chp_machine_new_lab(&m, &s);
	if (!err)
		err = chp_kimage_new(&img, *chp_ranges_at(chp_machine_crashkernel(m), 0));
	if (!err)
		err = chp_hotplug_new(&hp, CHP_POLICY_ROBUST, m, img);
	if (!err)
		err = chp_hotplug_load(hp, &o);
	if (!err)
		err = chp_machine_add_dimm(m, 8ull << 30, 128ull << 20, true);
	if (!err)
		err = chp_machine_add_dimm(m, 9ull << 30, 128ull << 20, true);
	if (!err)
		err = chp_machine_remove_dimm(m, 8ull << 30, 128ull << 20);
	if (!err)
		err = chp_crash_save(m, 0, 1);
	if (!err)
		err = chp_capture_vmcore(m, img, path, &info);
	if (err)
		fprintf(stderr, "%s: %s\n", path, chp_last_error());
	chp_hotplug_free(hp);
	chp_kimage_free(img);
	chp_machine_free(m);
	return err ? 1 : 0;
}

static int write_file(const char *dir, const char *name, const uint8_t *b, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.core", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char list[4096];
	uint8_t *b;
	size_t len;
	FILE *cases;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	snprintf(list, sizeof(list), "%s/cases.txt", argv[1]);
	cases = fopen(list, "w");
	if (!cases) {
		perror(list);
		return 1;
	}
	for (size_t i = 0; i < corpus_count(); i++) {
		if (corpus_make(i, &b, &len))
			return 1;
		rc |= write_file(argv[1], corpus_case(i)->name, b, len);
		fprintf(cases, "%s\t%s\n", corpus_case(i)->name, corpus_case(i)->expect);
		free(b);
	}
	fclose(cases);
	if (corpus_make_valid(&b, &len))
		return 1;
	rc |= write_file(argv[1], "valid", b, len);
	free(b);
	if (corpus_make_pn_xnum(70000, &b, &len))
		return 1;
	rc |= write_file(argv[1], "pn-xnum", b, len);
	free(b);
	return rc | free_slot_vmcore(argv[1]);
}
