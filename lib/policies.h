/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policies' tables, each defined by its policy and named only by the
 * registry (policy.c): the generic handler does not include this.
 */
#ifndef CRASHHP_POLICIES_H
#define CRASHHP_POLICIES_H

#include "hotplug_policy.h"

/* Linux 6.12's own handlers (arch_mainline.c). */
extern const struct chp_policy_ops chp_mainline_policy;
/* crashhp's header changed in place (robust.c). */
extern const struct chp_policy_ops chp_robust_policy;

#endif
