/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policies by name and number, and the handler made for one: the one
 * place that knows them all, so that the generic handler (hotplug.c) knows
 * none (hotplug_policy.h).  Nothing here calls into a policy: it only hands
 * the policy's table to the handler.
 */
#include <errno.h>
#include <string.h>

#include "crashhp/hotplug.h"
#include "hotplug_policy.h"
#include "internal.h"
#include "policies.h"

const char *chp_policy_name(enum chp_policy policy)
{
	return policy == CHP_POLICY_MAINLINE ? "mainline" : "robust";
}

int chp_policy_from_name(enum chp_policy *out, const char *name)
{
	if (!strcmp(name, "mainline"))
		*out = CHP_POLICY_MAINLINE;
	else if (!strcmp(name, "robust"))
		*out = CHP_POLICY_ROBUST;
	else
		return chp_fail(-EINVAL, "unknown policy '%s' (mainline, robust)", name);
	return 0;
}

static const struct chp_policy_ops *policy_ops(enum chp_policy policy)
{
	switch (policy) {
	case CHP_POLICY_MAINLINE:
		return &chp_mainline_policy;
	case CHP_POLICY_ROBUST:
		return &chp_robust_policy;
	}
	return NULL;
}

int chp_hotplug_new(struct chp_hotplug **out, enum chp_policy policy, struct chp_machine *m,
		    struct chp_kimage *img)
{
	const struct chp_policy_ops *ops = policy_ops(policy);

	if (!ops)
		return chp_fail(-EINVAL, "unknown policy %d", (int)policy);
	return chp_hotplug_new_ops(out, policy, ops, m, img);
}
