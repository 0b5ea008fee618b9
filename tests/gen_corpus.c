/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Write the malformed-header corpus into DIR: one NAME.core per case and
 * DIR/cases.txt with "NAME<TAB>fragment the error must contain".  Also
 * DIR/valid.core and DIR/pn-xnum.core, which must be accepted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"

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
	return rc;
}
