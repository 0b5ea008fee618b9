/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHHP_UEVENT_H
#define CRASHHP_UEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Kernel uevents: the messages the kernel multicasts on NETLINK_KOBJECT_UEVENT
 * (group 1) when a device changes: "ACTION@DEVPATH\0KEY=VALUE\0...".
 *
 * Only what the kernel sent is accepted: the sender's netlink port is 0, its
 * credentials say uid 0, the message was not truncated, and it parses.  udev's
 * re-broadcasts (group 2, "libudev" magic) and anything from user space are
 * rejected.
 */
#define CHP_UEVENT_MAX 8192     /* the kernel's UEVENT_BUFFER_SIZE is 2048 */
#define CHP_UEVENT_MAX_FIELDS 64

struct chp_uevent_field {
	const char *key;
	const char *value;
};

struct chp_uevent {
	char buf[CHP_UEVENT_MAX + 1];     /* the message; fields point into it */
	const char *action;
	const char *devpath;
	const char *subsystem;            /* "" when absent */
	uint64_t seqnum;                  /* 0 when absent */
	struct chp_uevent_field field[CHP_UEVENT_MAX_FIELDS];
	size_t nfields;
};

/* Who sent a message, as the socket reports it. */
struct chp_uevent_origin {
	uint32_t sender_pid;      /* netlink port: 0 is the kernel */
	bool has_credentials;     /* SCM_CREDENTIALS came with it */
	uint32_t uid;
	bool truncated;           /* MSG_TRUNC: longer than the buffer */
	size_t length;
};

/* Pure: parse one message.  -EINVAL naming what is wrong. */
int chp_uevent_parse(struct chp_uevent *out, const void *msg, size_t len);
/* The origin checks, then the parse; -EPERM for a message not from the kernel. */
int chp_uevent_accept(struct chp_uevent *out, const struct chp_uevent_origin *from,
		      const void *msg, size_t len);
const char *chp_uevent_get(const struct chp_uevent *ev, const char *key);

/* What crash hotplug cares about. */
enum chp_uevent_change {
	CHP_UEV_NONE,
	CHP_UEV_MEMORY_ONLINE,
	CHP_UEV_MEMORY_OFFLINE,
	CHP_UEV_MEMORY_ADD,
	CHP_UEV_MEMORY_REMOVE,
	CHP_UEV_CPU_ONLINE,
	CHP_UEV_CPU_OFFLINE,
	CHP_UEV_CPU_ADD,
	CHP_UEV_CPU_REMOVE,
};

/*
 * memoryN / cpuN events; CHP_UEV_NONE for anything else.  *index is N as
 * sent, any N (UINT64_MAX for one past 64 bits): a block or CPU no kernel
 * has is still reported by the caller, which range-checks N against its
 * machine before narrowing it.
 */
enum chp_uevent_change chp_uevent_classify(const struct chp_uevent *ev, uint64_t *index);
const char *chp_uevent_change_name(enum chp_uevent_change c);

/*
 * Transports.  The kernel's socket (bound to group 1, SO_PASSCRED on, a 128 MiB
 * receive buffer where permitted); and a framed one for tests and replays, in
 * which each datagram starts with an origin header, so a socketpair can say
 * who "sent" a message.  Both receivers return -ENOBUFS when messages were lost
 * (the kernel's socket overflowed; a frame whose header flags say so): the
 * reader must read the machine again.
 */
int chp_uevent_open_netlink(int *fd);
/* Ask for a receive buffer (SO_RCVBUFFORCE, else SO_RCVBUF, which rmem_max caps). */
int chp_uevent_set_receive_buffer(int fd, size_t bytes);
/* The receive buffer the kernel granted, in bytes (twice what was asked: its bookkeeping). */
int chp_uevent_receive_buffer(int fd, size_t *bytes);
int chp_uevent_receive_netlink(int fd, struct chp_uevent *out);
int chp_uevent_send_framed(int fd, const struct chp_uevent_origin *from, const void *msg, size_t len);
int chp_uevent_receive_framed(int fd, struct chp_uevent *out);

#endif
