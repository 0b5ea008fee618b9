/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fadump's sysfs files and the kdump service's kexec arguments, under a prefix. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crashhp/dumpconf.h"
#include "internal.h"
#include "sysroot_internal.h"

static const char *root_of(const char *prefix)
{
	return strcmp(prefix, "/") ? prefix : "";
}

static bool is_dir(const char *prefix, const char *sub)
{
	char path[4096];
	struct stat st;

	return snprintf(path, sizeof(path), "%s/%s", root_of(prefix), sub) < (int)sizeof(path) &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int chp_sysroot_check_prefix(const char *prefix)
{
	struct stat st;

	/* No directory at all is chp_sysroot_open()'s to name. */
	if (!root_of(prefix)[0] || stat(prefix, &st) || !S_ISDIR(st.st_mode) ||
	    is_dir(prefix, "sys") || is_dir(prefix, "proc"))
		return 0;
	return chp_fail(-ENOENT, "%s: holds neither sys/ nor proc/: not a machine's root", prefix);
}

/* A sysfs flag: 1 or 0 (then a newline), -1 when absent; -EINVAL when it is anything else. */
static int read_flag(struct chp_sysroot *s, const char *path, int *out)
{
	char buf[16];
	int r = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);

	*out = -1;
	if (r <= 0)
		return r;
	if (strcmp(buf, "0") && strcmp(buf, "1")) {
		char shown[64];
		return chp_fail(-EINVAL, "%s%s: expected 0 or 1, read '%s'", s->prefix, path,
				chp_excerpt(buf, shown, sizeof(shown)));
	}
	*out = buf[0] == '1';
	return 0;
}

/* A decimal byte count (mem_reserved_show()'s "%ld\n"), -1 when absent. */
static int read_bytes(struct chp_sysroot *s, const char *path, long long *out)
{
	char buf[32], *end;
	int r = chp_sysroot_read(s, path, buf, sizeof(buf), NULL);

	*out = -1;
	if (r <= 0)
		return r;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || *end || !buf[0] || buf[0] == '-' || v > (1ull << 52)) {
		char shown[64];
		return chp_fail(-EINVAL, "%s%s: expected a byte count below 2^52, read '%s'",
				s->prefix, path, chp_excerpt(buf, shown, sizeof(shown)));
	}
	*out = (long long)v;
	return 0;
}

/* The last `NAME=value` of a shell-variable file, as the service's shell reads
 * a plain assignment: optional `export`, one level of quotes.  Comments,
 * other lines and a value built from other variables are taken as written. */
static bool find_setting(char *text, const char *name, char *value, size_t size)
{
	size_t len = strlen(name);
	bool found = false;

	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t");
		if (!strncmp(p, "export ", 7))
			p += 7 + strspn(p + 7, " \t");
		if (strncmp(p, name, len) || p[len] != '=')
			continue;
		p += len + 1;
		char quote = *p == '"' || *p == '\'' ? *p : 0;
		if (quote) {
			char *end = strchr(p + 1, quote);
			p++;
			if (end)
				*end = '\0';
		} else {
			p[strcspn(p, " \t#")] = '\0';
		}
		snprintf(value, size, "%s", p);
		found = true;
	}
	return found;
}

static const struct {
	const char *service, *file, *setting, *reload;
} services[] = {
	{ "kdump-tools", "/etc/default/kdump-tools", "KDUMP_KEXEC_ARGS", "kdump-config reload" },
	{ "kdump-utils", "/etc/sysconfig/kdump", "KEXEC_ARGS", "kdumpctl restart" },
};

int chp_dumpconf_read(struct chp_dumpconf *out, struct chp_sysroot *s)
{
	int err;

	*out = (struct chp_dumpconf){ 0 };
	err = read_flag(s, "/sys/kernel/fadump/enabled", &out->fadump_enabled);
	if (!err && out->fadump_enabled < 0)
		err = read_flag(s, "/sys/kernel/fadump_enabled", &out->fadump_enabled);
	if (!err)
		err = read_flag(s, "/sys/kernel/fadump/registered", &out->fadump_registered);
	if (!err && out->fadump_registered < 0)
		err = read_flag(s, "/sys/kernel/fadump_registered", &out->fadump_registered);
	if (!err)
		err = read_flag(s, "/sys/kernel/fadump/hotplug_ready", &out->fadump_hotplug_ready);
	if (!err)
		err = read_bytes(s, "/sys/kernel/fadump/mem_reserved", &out->fadump_mem_reserved);
	for (size_t i = 0; !err && i < sizeof(services) / sizeof(services[0]); i++) {
		char *text = NULL;
		int r = chp_sysroot_read_all(s, services[i].file, &text, NULL);
		if (r < 0)
			err = r;
		if (r <= 0 || !text) {
			free(text);
			continue;
		}
		out->service = services[i].service;
		out->config_file = services[i].file;
		out->setting = services[i].setting;
		out->reload = services[i].reload;
		out->setting_found = find_setting(text, services[i].setting, out->kexec_args,
						  sizeof(out->kexec_args));
		free(text);
		break;
	}
	return err;
}

bool chp_dumpconf_loads_hotplug(const struct chp_dumpconf *c)
{
	char args[sizeof(c->kexec_args)];

	if (!c->setting_found)
		return false;
	snprintf(args, sizeof(args), "%s", c->kexec_args);
	for (char *save = NULL, *w = strtok_r(args, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (!strcmp(w, "-s") || !strcmp(w, "--kexec-file-syscall") || !strcmp(w, "--hotplug"))
			return true;
	return false;
}
