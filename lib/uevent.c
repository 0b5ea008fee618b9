/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crashhp/uevent.h"
#include "internal.h"

#define FRAME_MAGIC "CHPUEV1"
#define FRAME_HEADER 24
/* Frame flags (offset 20): the sender lost messages before this one. */
#define FRAME_LOST 1u
/* As systemd-udevd asks: room for a burst while the reader is stopped. */
#define RECEIVE_BUFFER (128u << 20)

int chp_uevent_parse(struct chp_uevent *out, const void *msg, size_t len)
{
	const char *action, *devpath, *p, *end;
	char *at;

	if (len == 0)
		return chp_fail(-EINVAL, "uevent: empty message");
	if (len > CHP_UEVENT_MAX)
		return chp_fail(-EINVAL, "uevent: %zu bytes, more than %u", len, CHP_UEVENT_MAX);
	if (len >= 8 && !memcmp(msg, "libudev", 8))
		return chp_fail(-EINVAL, "uevent: a libudev message, not the kernel's");
	memcpy(out->buf, msg, len);
	out->buf[len] = '\0';
	/* Every field ends with a NUL; the last one too. */
	if (((const char *)msg)[len - 1] != '\0')
		return chp_fail(-EINVAL, "uevent: the last field is not NUL-terminated");
	/*
	 * No control bytes, except a newline or tab inside a value: the kernel's
	 * x86 CPU MODALIAS ends with "\n" (seen on real CPU online/offline events).
	 */
	bool in_value = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out->buf[i];
		if (c == '\0')
			in_value = false;
		else if (c == '=' )
			in_value = true;
		else if ((c < 0x20 || c == 0x7f) && !(in_value && (c == '\n' || c == '\t')))
			return chp_fail(-EINVAL, "uevent: control byte %#x at offset %zu", c, i);
	}
	at = strchr(out->buf, '@');
	if (!at || at == out->buf || at[1] != '/')
		return chp_fail(-EINVAL, "uevent: header '%.64s' is not ACTION@/DEVPATH", out->buf);
	*at = '\0';
	action = out->buf;
	devpath = at + 1;
	for (p = action; *p; p++)
		if (!islower((unsigned char)*p) && *p != '_')
			return chp_fail(-EINVAL, "uevent: action '%.32s' is not a word", action);
	out->action = action;
	out->devpath = devpath;
	out->subsystem = "";
	out->seqnum = 0;
	out->nfields = 0;
	end = out->buf + len;
	for (p = devpath + strlen(devpath) + 1; p < end; p += strlen(p) + 1) {
		char *eq = strchr(p, '=');
		if (!*p)
			return chp_fail(-EINVAL, "uevent: an empty field");
		if (!eq || eq == p)
			return chp_fail(-EINVAL, "uevent: field '%.48s' is not KEY=VALUE", p);
		if (out->nfields == CHP_UEVENT_MAX_FIELDS)
			return chp_fail(-EINVAL, "uevent: more than %u fields", CHP_UEVENT_MAX_FIELDS);
		*eq = '\0';
		out->field[out->nfields++] = (struct chp_uevent_field){ p, eq + 1 };
		p = eq + 1; /* the loop steps over the value */
	}
	/* The header and the fields must agree. */
	const char *a = chp_uevent_get(out, "ACTION"), *d = chp_uevent_get(out, "DEVPATH");
	if (!a || strcmp(a, action))
		return chp_fail(-EINVAL, "uevent: ACTION=%s does not match the header's '%s'",
				a ? a : "(none)", action);
	if (!d || strcmp(d, devpath))
		return chp_fail(-EINVAL, "uevent: DEVPATH=%s does not match the header's '%s'",
				d ? d : "(none)", devpath);
	const char *sub = chp_uevent_get(out, "SUBSYSTEM"), *seq = chp_uevent_get(out, "SEQNUM");
	out->subsystem = sub ? sub : "";
	if (seq) {
		char *e;
		errno = 0;
		out->seqnum = strtoull(seq, &e, 10);
		if (errno || *e || !*seq)
			return chp_fail(-EINVAL, "uevent: SEQNUM=%s is not a number", seq);
	}
	return 0;
}

const char *chp_uevent_get(const struct chp_uevent *ev, const char *key)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->field[i].key, key))
			return ev->field[i].value;
	return NULL;
}

int chp_uevent_accept(struct chp_uevent *out, const struct chp_uevent_origin *from,
		      const void *msg, size_t len)
{
	if (from->truncated)
		return chp_fail(-EPERM, "uevent: truncated (%zu bytes or more): rejected", from->length);
	if (from->sender_pid != 0)
		return chp_fail(-EPERM, "uevent: sent by port %u, not the kernel (0): rejected",
				from->sender_pid);
	if (!from->has_credentials)
		return chp_fail(-EPERM, "uevent: no sender credentials: rejected");
	if (from->uid != 0)
		return chp_fail(-EPERM, "uevent: sender uid %u, not 0: rejected", from->uid);
	return chp_uevent_parse(out, msg, len);
}

/*
 * PREFIX then a decimal number; one past 64 bits reads UINT64_MAX, itself
 * beyond any machine, so the caller's range check refuses it by name.
 */
static bool number_after(const char *s, const char *prefix, uint64_t *n)
{
	size_t k = strlen(prefix);
	const char *p = s + k;

	if (strncmp(s, prefix, k) || !*p)
		return false;
	for (const char *d = p; *d; d++)
		if (!isdigit((unsigned char)*d))
			return false;
	errno = 0;
	*n = strtoull(p, NULL, 10);
	if (errno == ERANGE)
		*n = UINT64_MAX;
	return true;
}

enum chp_uevent_change chp_uevent_classify(const struct chp_uevent *ev, uint64_t *index)
{
	static const struct { const char *action; enum chp_uevent_change mem, cpu; } map[] = {
		{ "online", CHP_UEV_MEMORY_ONLINE, CHP_UEV_CPU_ONLINE },
		{ "offline", CHP_UEV_MEMORY_OFFLINE, CHP_UEV_CPU_OFFLINE },
		{ "add", CHP_UEV_MEMORY_ADD, CHP_UEV_CPU_ADD },
		{ "remove", CHP_UEV_MEMORY_REMOVE, CHP_UEV_CPU_REMOVE },
	};
	/*
	 * Any N: one no kernel sends (a block past 2^52 bytes, a CPU past
	 * NR_CPUS) is still the kernel's word that something changed, so the
	 * caller reports it and reads the machine again rather than drop it.
	 */
	bool mem = number_after(ev->devpath, "/devices/system/memory/memory", index) &&
		   !strcmp(ev->subsystem, "memory");
	bool cpu = !mem && number_after(ev->devpath, "/devices/system/cpu/cpu", index) &&
		   !strcmp(ev->subsystem, "cpu");

	for (size_t i = 0; (mem || cpu) && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(ev->action, map[i].action))
			return mem ? map[i].mem : map[i].cpu;
	return CHP_UEV_NONE;
}

const char *chp_uevent_change_name(enum chp_uevent_change c)
{
	static const char *const names[] = {
		"none", "memory online", "memory offline", "memory add", "memory remove",
		"cpu online", "cpu offline", "cpu add", "cpu remove",
	};
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

int chp_uevent_open_netlink(int *fd)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 /* the kernel's */ };
	int one = 1, s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (s < 0)
		return chp_fail(-errno, "uevent socket: %s", strerror(errno));
	chp_uevent_set_receive_buffer(s, RECEIVE_BUFFER);
	if (setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&addr, sizeof(addr))) {
		int e = errno;
		close(s);
		return chp_fail(-e, "uevent socket: %s", strerror(e));
	}
	*fd = s;
	return 0;
}

int chp_uevent_set_receive_buffer(int fd, size_t bytes)
{
	int size = bytes > INT_MAX / 2 ? INT_MAX / 2 : (int)bytes;

	/* FORCE passes net.core.rmem_max (CAP_NET_ADMIN); otherwise as much as it allows. */
	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    !setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		return 0;
	return chp_fail(-errno, "uevent socket: SO_RCVBUF: %s", strerror(errno));
}

int chp_uevent_receive_buffer(int fd, size_t *bytes)
{
	int size = 0;
	socklen_t len = sizeof(size);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len))
		return chp_fail(-errno, "uevent socket: SO_RCVBUF: %s", strerror(errno));
	*bytes = (size_t)size;
	return 0;
}

/* recvmsg with the sender's address and credentials. */
static int receive(int fd, void *buf, size_t cap, struct chp_uevent_origin *from,
		   struct sockaddr_nl *addr)
{
	char control[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_name = addr, .msg_namelen = addr ? sizeof(*addr) : 0,
			     .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	memset(from, 0, sizeof(*from));
	from->length = (size_t)n;
	from->truncated = (mh.msg_flags & MSG_TRUNC) || (size_t)n > cap;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			from->has_credentials = true;
			from->uid = cred.uid;
		}
	}
	return 0;
}

int chp_uevent_receive_netlink(int fd, struct chp_uevent *out)
{
	static _Thread_local char buf[CHP_UEVENT_MAX];
	struct sockaddr_nl addr = { 0 };
	struct chp_uevent_origin from;
	int err = receive(fd, buf, sizeof(buf), &from, &addr);

	if (err == -ENOBUFS)
		return chp_fail(err, "uevent: the kernel dropped messages (ENOBUFS): the "
				"receive buffer overflowed");
	if (err)
		return chp_fail(err, "uevent: receiving: %s", strerror(-err));
	from.sender_pid = addr.nl_pid;
	if (addr.nl_groups != 1 && !from.truncated && addr.nl_pid == 0)
		return chp_fail(-EPERM, "uevent: not on the kernel's group: rejected");
	return chp_uevent_accept(out, &from, buf, from.truncated ? 0 : from.length);
}

int chp_uevent_send_framed(int fd, const struct chp_uevent_origin *from, const void *msg, size_t len)
{
	uint8_t head[FRAME_HEADER] = FRAME_MAGIC;
	struct iovec iov[2] = { { head, sizeof(head) }, { (void *)msg, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	chp_put32(head + 8, from->sender_pid, false);
	chp_put32(head + 12, from->has_credentials, false);
	chp_put32(head + 16, from->uid, false);
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return chp_fail(-errno, "uevent: sending: %s", strerror(errno));
	return 0;
}

int chp_uevent_receive_framed(int fd, struct chp_uevent *out)
{
	static _Thread_local char buf[FRAME_HEADER + CHP_UEVENT_MAX];
	struct chp_uevent_origin from, socket_said;
	const uint8_t *h = (const uint8_t *)buf;
	int err = receive(fd, buf, sizeof(buf), &socket_said, NULL);

	if (err)
		return chp_fail(err, "uevent: receiving: %s", strerror(-err));
	if (socket_said.length == 0)
		return chp_fail(-ENOTCONN, "uevent: the sender closed the stream");
	if (socket_said.length < FRAME_HEADER || memcmp(buf, FRAME_MAGIC, 8))
		return chp_fail(-EINVAL, "uevent: a frame without its header");
	if (chp_get32(h + 20, false) & FRAME_LOST)
		return chp_fail(-ENOBUFS, "uevent: the sender lost messages before this frame "
				"(ENOBUFS)");
	from = (struct chp_uevent_origin){
		.sender_pid = chp_get32(h + 8, false),
		.has_credentials = chp_get32(h + 12, false) != 0,
		.uid = chp_get32(h + 16, false),
		.truncated = socket_said.truncated,
		.length = socket_said.length - FRAME_HEADER,
	};
	return chp_uevent_accept(out, &from, buf + FRAME_HEADER, from.truncated ? 0 : from.length);
}
