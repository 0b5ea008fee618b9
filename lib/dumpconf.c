/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fadump's sysfs files and the kdump service's kexec arguments, under a prefix. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crashhp/dumpconf.h"
#include "internal.h"

/* The files are small: a setting longer than a line here is not one we can use. */
#define LINE_MAX_CONF 1024

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
static int read_flag(const char *prefix, const char *path, int *out)
{
	char full[4096], buf[16] = "";
	FILE *f;

	*out = -1;
	if (snprintf(full, sizeof(full), "%s%s", root_of(prefix), path) >= (int)sizeof(full))
		return chp_fail(-ENAMETOOLONG, "%s%s: path too long", root_of(prefix), path);
	f = fopen(full, "re");
	if (!f)
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 0
		       : chp_fail(-errno, "%s: %s", full, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((buf[0] != '0' && buf[0] != '1') || (buf[1] && strcmp(buf + 1, "\n")))
		return chp_fail(-EINVAL, "%s: expected 0 or 1, read '%.*s'", full,
				(int)strcspn(buf, "\n"), buf);
	*out = buf[0] == '1';
	return 0;
}

/* The last `NAME=value` of a shell-variable file, as the service's shell reads
 * a plain assignment: optional `export`, one level of quotes.  Comments,
 * other lines and a value built from other variables are taken as written. */
static bool find_setting(FILE *f, const char *name, char *value, size_t size)
{
	char line[LINE_MAX_CONF];
	size_t len = strlen(name);
	bool found = false;

	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		if (!strncmp(p, "export ", 7))
			p += 7 + strspn(p + 7, " \t");
		if (strncmp(p, name, len) || p[len] != '=')
			continue;
		p += len + 1;
		p[strcspn(p, "\n")] = '\0';
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

int chp_dumpconf_read(struct chp_dumpconf *out, const char *prefix)
{
	int err;

	*out = (struct chp_dumpconf){ 0 };
	err = read_flag(prefix, "/sys/kernel/fadump/enabled", &out->fadump_enabled);
	if (!err && out->fadump_enabled < 0)
		err = read_flag(prefix, "/sys/kernel/fadump_enabled", &out->fadump_enabled);
	if (!err)
		err = read_flag(prefix, "/sys/kernel/fadump/registered", &out->fadump_registered);
	if (!err && out->fadump_registered < 0)
		err = read_flag(prefix, "/sys/kernel/fadump_registered", &out->fadump_registered);
	if (!err)
		err = read_flag(prefix, "/sys/kernel/fadump/hotplug_ready", &out->fadump_hotplug_ready);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		char full[4096];
		FILE *f;
		if (snprintf(full, sizeof(full), "%s%s", root_of(prefix), services[i].file) >= (int)sizeof(full))
			continue;
		f = fopen(full, "re");
		if (!f)
			continue;
		out->service = services[i].service;
		out->config_file = services[i].file;
		out->setting = services[i].setting;
		out->reload = services[i].reload;
		out->setting_found = find_setting(f, services[i].setting, out->kexec_args,
						  sizeof(out->kexec_args));
		fclose(f);
		break;
	}
	return 0;
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
