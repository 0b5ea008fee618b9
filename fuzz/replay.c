/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run the fuzz target over files given on the command line (no libFuzzer needed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	/* --cuts=N: N truncations spread over each input instead of every 7th byte. */
	long cuts = 0;
	int first = 1;

	if (argc > 1 && !strncmp(argv[1], "--cuts=", 7)) {
		cuts = strtol(argv[1] + 7, NULL, 10);
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
			perror(argv[i]);
			return 1;
		}
		buf = malloc(len ? (size_t)len : 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(argv[i]);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		/* Every truncation of each input too: the shortest reads are the riskiest. */
		long step = cuts > 0 ? (len + cuts - 1) / cuts : 7, end = cuts > 0 ? len : 8192;
		for (long cut = 0; cut < len && cut < end; cut += step ? step : 1) {
			uint8_t *part = malloc(cut ? (size_t)cut : 1);
			FILE *g = fopen(argv[i], "rb");
			if (!part || !g || fread(part, 1, (size_t)cut, g) != (size_t)cut)
				return 1;
			fclose(g);
			LLVMFuzzerTestOneInput(part, (size_t)cut);
			free(part);
		}
		printf("ok   %s\n", argv[i]);
	}
	return 0;
}
