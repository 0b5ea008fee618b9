# SPDX-License-Identifier: GPL-2.0-or-later
"""The mutants `make mutants` applies, one at a time (see run.py).

Each is: a name, the file, its category, one exact snippet that must occur in
the file exactly once, what replaces it, and what it breaks for a reader.  Keep
snippets short (one statement where possible) so nearby edits leave them
valid; when one goes STALE, fix the snippet here, do not delete the mutant.
`equivalent` holds, for a mutant no reader can tell from the original, why.

Categories: field (a wrong value in a field a reader uses), order (stores in
the wrong order), store (a store dropped or merged), protocol (a step of
robust's deferral and drain), fdt (ppc64's device tree), logic (which ranges
or slots are touched), mainline (the model of Linux's own handler).
"""
from collections import namedtuple

Mutant = namedtuple("Mutant", "name file category description find replace equivalent")


def M(name, file, category, description, find, replace, equivalent=None):
    return Mutant(name, file, category, description, find, replace, equivalent)


R, H, A, F = "lib/robust.c", "lib/hotplug.c", "lib/arch_mainline.c", "lib/fdt.c"
# The slot core: the kernel series' kernel/crash_slots.c, byte for byte.
C = "lib/kernel/crash_slots.c"
K = "lib/kexec_lock.c"
N = "lib/robust_notes.c"
NOTES_ENOUGH = "if (err || chp_robust_count_notes(buf, len, false) <= notes)"
W = "tools/watch_model.c"

MUTANTS = [
    # ---- a new slot's fields (write_slot) ----
    M("new-slot-offset", C, "field", "a new slot's p_offset one page off: vmcore reads the wrong memory",
      "int err = store64(cs, a + P_OFFSET, x.start);", "int err = store64(cs, a + P_OFFSET, x.start + 4096);"),
    M("new-slot-vaddr-is-paddr", C, "field", "a new slot's p_vaddr = p_paddr, not the direct map",
      "store64(cs, a + P_VADDR, cs->direct + x.start);", "store64(cs, a + P_VADDR, x.start);"),
    M("new-slot-paddr", C, "field", "a new slot's p_paddr one page off: makedumpfile and crash map the wrong pages",
      "err = store64(cs, a + P_PADDR, x.start);", "err = store64(cs, a + P_PADDR, x.start + 4096);"),
    M("new-slot-filesz-zero", C, "field", "a new slot with p_filesz 0: readers get zeros",
      "err = store64(cs, a + P_FILESZ, size);", "err = store64(cs, a + P_FILESZ, 0);"),
    M("new-slot-memsz-short", C, "field", "a new slot's p_memsz a page short: its last page missing",
      "err = store64(cs, a + P_MEMSZ, size);", "err = store64(cs, a + P_MEMSZ, size - 4096);"),
    M("new-slot-flags", C, "field", "a new slot's p_flags 0, not RWX as the kernel writes",
      "commit_type(cs, i, TYPE_LOAD, FLAGS_RWX)", "commit_type(cs, i, TYPE_LOAD, 0)"),
    M("new-slot-type-note", C, "field", "a new slot becomes a PT_NOTE, not a PT_LOAD",
      "commit_type(cs, i, TYPE_LOAD, FLAGS_RWX)",
      "commit_type(cs, i, TYPE_NOTE, FLAGS_RWX)"),
    M("phnum-one-short", C, "field", "e_phnum does not count the slot it uncovers",
      "err = cs->cfg.ops->store(cs->cfg.ctx, E_PHNUM, i + 1, 2);", "err = cs->cfg.ops->store(cs->cfg.ctx, E_PHNUM, i, 2);"),
    M("phnum-store-dropped", C, "store", "e_phnum never raised: a slot past it is never read",
      "if (!err && i >= cs->hwm) {", "if (!err && i > cs->nslots) {"),
    M("new-slot-size-first", C, "order", "a new slot's size and type stored before its addresses: "
      "for a moment it describes [0, size)",
      "int err = store64(cs, a + P_OFFSET, x.start);",
      "int err = store64(cs, a + P_MEMSZ, size);\n\n\tif (!err)\n\t\terr = store64(cs, a + P_FILESZ, size);\n"
      "\tif (!err)\n\t\terr = commit_type(cs, i, TYPE_LOAD, FLAGS_RWX);\n"
      "\tif (!err)\n\t\terr = store64(cs, a + P_OFFSET, x.start);"),
    M("new-slot-merged-store", C, "store", "a new slot's p_memsz and p_filesz in one 16-byte store (not atomic)",
      "\tif (!err)\n\t\terr = store64(cs, a + P_MEMSZ, size);\t/* p_memsz, then */\n"
      "\tif (!err)\n\t\terr = store64(cs, a + P_FILESZ, size);\t/* p_filesz */",
      "\tif (!err)\n\t\terr = cs->cfg.ops->store(cs->cfg.ctx, a + P_FILESZ, 0, 16);"),
    # ---- a slot that lets go (kill_slot) ----
    M("kill-store-dropped", C, "store", "a removed range's slot is never let go: absent memory kept",
      "int err = store64(cs, a + P_FILESZ, 0);\n\n\tif (!err)\n"
      "\t\terr = store64(cs, a + P_MEMSZ, 0);\n\tif (!err)\n"
      "\t\terr = commit_type(cs, i, TYPE_NULL, 0);\n"
      "\tfor (off = P_OFFSET; !err && off <= P_PADDR; off += 8)\n"
      "\t\terr = store64(cs, a + off, 0);",
      "int err = 0;"),
    # ---- a range's end moves (resize_slot) ----
    M("grow-keeps-filesz", C, "store", "a grown range keeps its old p_filesz: readers get zeros past it",
      "if (!err)\n\t\terr = store64(cs, a + (grow ? P_FILESZ : P_MEMSZ), size);",
      "if (!err && !grow)\n\t\terr = store64(cs, a + (grow ? P_FILESZ : P_MEMSZ), size);"),
    M("shrink-keeps-memsz", C, "store", "a shrunk range keeps its old p_memsz: absent memory kept",
      "if (!err)\n\t\terr = store64(cs, a + (grow ? P_FILESZ : P_MEMSZ), size);",
      "if (!err && grow)\n\t\terr = store64(cs, a + (grow ? P_FILESZ : P_MEMSZ), size);"),
    M("resize-order-swapped", C, "order", "p_filesz moved before p_memsz when growing, after when shrinking: for an instant "
      "p_filesz > p_memsz, which the ELF gABI forbids and the lab's capture rejects (vmcore.c, "
      "makedumpfile and crash bound reads by p_memsz and would not notice)",
      "int err = store64(cs, a + (grow ? P_MEMSZ : P_FILESZ), size);", "int err = store64(cs, a + (grow ? P_FILESZ : P_MEMSZ), size);"),
    M("resize-size-short", C, "field", "a resized range a page short (p_filesz and p_memsz)",
      "u64 size = last - s->start + 1;", "u64 size = last - s->start + 1 - 4096;"),
    # ---- which ranges change ----
    M("add-skips-gaps", C, "logic", "a gap below an existing range is not added",
      "if (s < 0 || cs->slots[s].start > at) {", "if (s < 0) {"),
    M("add-never-extends", C, "logic", "an adjacent add takes a new slot instead of growing the range below",
      "left = g.start ? slot_at(cs, g.start - 1) : -1;", "left = -1;"),
    M("tail-cut-page-too-many", C, "logic", "a tail cut takes one page below the cut too: online memory lost",
      "err = resize_slot(cs, (size_t)s, cut.start - 1);\n\t\t} else {",
      "err = resize_slot(cs, (size_t)s, cut.start - 1 - 4096);\n\t\t} else {"),
    M("split-lower-first", C, "order", "a split or head cut lets the old slot go before the part above has its own",
      "err = write_slot(cs, i, above);\n\t\t\tif (!err && old.start < cut.start)\n\t\t\t\terr = resize_slot(cs, (size_t)s, cut.start - 1);\n\t\t\telse if (!err)\n\t\t\t\terr = kill_slot(cs, (size_t)s);",
      "if (old.start < cut.start)\n\t\t\t\terr = resize_slot(cs, (size_t)s, cut.start - 1);\n\t\t\telse\n\t\t\t\terr = kill_slot(cs, (size_t)s);\n\t\t\tif (!err)\n\t\t\t\terr = write_slot(cs, i, above);"),
    M("merge-kill-first", C, "order", "a capacity merge lets the upper range go before the lower one covers it",
      "err = resize_slot(cs, best, hi.last);\n\treturn err ? err : kill_slot(cs, next_of_best);",
      "err = kill_slot(cs, next_of_best);\n\treturn err ? err : resize_slot(cs, best, hi.last);"),
    M("merge-no-kill", C, "store", "a capacity merge never frees the upper slot: no room is made",
      "return err ? err : kill_slot(cs, next_of_best);", "return err;"),
    # ---- capacity (make_room, give_back, a head cut at capacity) ----
    M("bridge-absent-allowed", R, "logic", "a capacity merge may bridge absent memory: a dump lists memory that is not there",
      "if (!chp_ranges_covers(r->safe, gap))\n\t\treturn UINT64_MAX;", "(void)0;"),
    M("give-back-skipped", R, "logic", "a bridged offline gap is never given back when a slot frees: offline memory kept for good",
      "if (!absent && !crash_slots_have_room(r->slots))\n\t\t\tcontinue;", "if (!absent)\n\t\t\tcontinue;"),
    M("bridged-absent-kept", R, "logic", "a bridged gap that went absent (its DIMM removed) is not cut: absent memory listed",
      "if (!absent && !crash_slots_have_room(r->slots))\n\t\t\tcontinue;", "if (absent || !crash_slots_have_room(r->slots))\n\t\t\tcontinue;",
      equivalent="since memory is cut as it goes (release_range(), at any cost, the wait for the kexec lock "
      "holder included) and an owed release is drained by the resync, which cuts absent memory first, "
      "no bridge reaches give_back() absent: its absent branch is a safety net no run can reach "
      "(measured: survives every test at 4c83fd3 and after 854b551)"),
    M("release-ignored", R, "logic", "memory removed with its blocks offline (no crash hotplug event) is not cut as it goes: a bridge over it lists absent memory until the next event",
      "err = release_range(hp, ev, &changed);", "err = 0;"),
    M("release-not-dispatched", H, "protocol", "the memory bus's removal is not passed to robust: a bridge over removed memory lists absent memory until the next event",
      "if (hp->ops->hears_release) {\n\t\t\ttl_current = ev;", "if (0) {\n\t\t\ttl_current = ev;"),
    M("uncut-offline-forgotten", C, "logic", "a cut of memory being removed that finds no slot at all (the reserve "
      "spent, nothing merges) is not made: the block stays listed, absent memory once its DIMM is gone",
      "if (err == -ENOSPC && absent && cs->cfg.ops->uncovered) {", "if (0) {"),
    M("offline-at-capacity-lets-go-online", C, "logic", "a block going offline whose cut finds no slot at all "
      "is cut all the same: the online memory above it goes, for memory a dump may list",
      "if (err == -ENOSPC && absent && cs->cfg.ops->uncovered) {", "if (err == -ENOSPC && cs->cfg.ops->uncovered) {"),
    M("release-keeps-absent", R, "logic", "the memory bus's release no longer cuts at any cost: with no slot, "
      "the block being removed stays listed, absent memory once it is gone",
      "err = remove_range(hp, gone, true, changed, NULL);", "err = remove_range(hp, gone, false, changed, NULL);"),
    M("offline-kept-forgotten", R, "logic", "an offline block kept listed for want of a slot is not remembered "
      "as bridged: never cut when room returns",
      "\t\terr = chp_ranges_add(r->bridged, cut);", "\t\terr = 0;"),
    # ---- the slot kept for cuts (CUT_RESERVE), and what it costs ----
    M("cut-reserve-dropped", C, "logic", "an addition may take the last free slot: a split at removal in a full "
      "header finds none, the removed memory stays listed (absent once its DIMM goes)",
      "return free_slots(cs) > CUT_RESERVE;", "return free_slots(cs) > 0;"),
    M("cut-without-slot-as-head", C, "logic", "a split with no slot at all is made as a head cut: "
      "the memory below the cut is let go, untold",
      "if (cs->slots[s].start < cut.start) {\n\t\t*lost = true;", "if (0) {\n\t\t*lost = true;"),
    M("cut-without-slot-untold", C, "logic", "a split with no slot at all does not tell what it let go: "
      "that online memory is never covered again",
      "err = cs->cfg.ops->uncovered(cs->cfg.ctx, above.start, above.last);", "err = 0;"),
    M("refused-add-forgotten", R, "logic", "an addition refused by the reserve is not remembered: "
      "that online memory is missing until the next load",
      "return chp_ranges_add(r->uncovered, want);", "return 0;"),
    M("add-back-skipped", R, "logic", "online memory left out at capacity is not covered again when room returns",
      "if (!chp_ranges_count(r->uncovered))\n\t\treturn 0;\n\terr = chp_ranges_assign(r->bridged_work, r->uncovered);",
      "return 0;\n\terr = chp_ranges_assign(r->bridged_work, r->uncovered);"),
    M("resync-cuts-offline-at-any-cost", R, "logic", "the resync cuts offline memory with no slot beyond the reserve: "
      "it spends the slot kept for cuts, and a removal's split next to that gap, with no slot, lets online memory go",
      "if (crash_slots_have_room(r->slots)) {", "if (1) {"),
    M("resync-offline-kept-forgotten", R, "logic", "offline memory the resync keeps for want of a slot is not "
      "remembered as bridged: never cut when room returns",
      "err = chp_ranges_add(r->bridged, p);", "err = 0;"),
    M("resync-cuts-bridged", R, "logic", "the resync cuts a bridged gap still present only to bridge another",
      "err = chp_ranges_subtract_all(diff, r->bridged_work);", "(void)0;"),
    M("head-cut-no-borrow", C, "logic", "a head cut at capacity does not borrow a slot: it fails, the removed memory stays listed",
      "err = take_slot(cs, &i, &cut);", "err = crash_slots_have_room(cs) ? take_slot(cs, &i, &cut) : -ENOSPC;"),
    M("head-cut-borrow-over-cut", C, "logic", "the borrowing merge of a head cut may merge the range being cut",
      "err = take_slot(cs, &i, &cut);", "err = take_slot(cs, &i, NULL);"),
    M("merge-adjacent-not-first", C, "logic", "adjacent ranges merge only after every offline gap: offline memory covered for nothing",
      "if (b->start <= a->last + 1)\n\t\treturn 0;", "if (b->start <= a->last + 1)\n\t\treturn U64_MAX - 2;"),
    M("merge-most-offline", C, "logic", "a capacity merge bridges the gap with the most offline memory, not the least",
      "if (cost < best_cost || (cost == best_cost",
      "if ((cost != U64_MAX && (best_cost == U64_MAX || cost > best_cost)) || (cost == best_cost"),
    M("merge-excluded-first", R, "logic", "a capacity merge bridges the crashkernel before offline memory",
      "return UINT64_MAX - 1;", "return 1;"),
    M("kernel-sync-no-removals", C, "logic", "the kernel's resync (crash_slots_sync) never removes: removed memory stays listed",
      "err = crash_slots_remove(cs, first, last, changed);", "err = 0;"),
    M("kernel-sync-keeps-gone", C, "logic", "the kernel's resync cuts memory gone only where a slot allows: "
      "at capacity a removal that gave up waiting stays listed, absent",
      "err = sync_cuts(cs, want, nr, true, changed, &kept);", "err = 0;"),
    M("kernel-sync-cuts-before-adds", C, "logic", "the kernel's resync cuts offline memory before it adds: "
      "at capacity the cut takes the slot and online memory stays out",
      "\tif (!err)\n\t\terr = sync_adds(cs, want, nr, changed, &refused);\n\tif (!err)\n\t\terr = sync_cuts(cs, want, nr, false, changed, &kept);",
      "\tif (!err)\n\t\terr = sync_cuts(cs, want, nr, false, changed, &kept);\n\tif (!err)\n\t\terr = sync_adds(cs, want, nr, changed, &refused);"),
    M("kernel-sync-no-second-add", C, "logic", "the kernel's resync does not add again after cuts that freed slots: "
      "online memory stays out until the next event",
      "if (!err && refused)\n\t\terr = sync_adds", "if (0)\n\t\terr = sync_adds"),
    M("kernel-sync-hides-kept", C, "logic", "the kernel's resync says the header is exact when an offline cut was refused: "
      "x86 stops resyncing and the offline memory stays listed after room returns",
      "*kept |= err == -ENOSPC;", "(void)kept;"),
    M("kernel-merge-bridges-any-gap", C, "logic", "with store-only ops (x86's) a full header merges across any gap: absent memory listed",
      "|| !cs->cfg.ops->gap_cost)\n\t\treturn U64_MAX;", ")\n\t\treturn U64_MAX;\n\tif (!cs->cfg.ops->gap_cost)\n\t\treturn 0;"),
    M("kernel-add-except-ignores-exclusions", C, "logic", "x86's memory event (crash_slots_add_except) adds the crashkernel and the low 1 MiB too: the capture kernel's own memory listed",
      "if (out[k].end < start || out[k].start > end)", "if (out[k].end < start || out[k].start > end || 1)"),
    M("kernel-add-except-into-exclusion", C, "logic", "the piece before an exclusion ends on the exclusion's first byte: a byte of the crashkernel listed",
      "end = out[k].start - 1;", "end = out[k].start;"),
    M("kernel-sync-cuts-wanted", C, "logic", "the kernel's resync removes from a wanted range's own start: online memory uncovered mid-update",
      "if (want[k].start > from)", "if (want[k].start >= from)"),
    # ---- the slot index (the core's treap) ----
    M("slot-index-floor-strict", C, "logic", "floor() skips a slot starting exactly at the address: its range looks uncovered",
      "if (cs->key[t] <= addr) {", "if (cs->key[t] < addr) {"),
    M("slot-index-tie-off-by-one", C, "logic", "two slots with one start ordered wrong (a <= id): next() skips one",
      "(cs->key[a] == start && a < id)", "(cs->key[a] == start && a <= id)"),
    # ---- the ppc64 FDT index ----
    M("fdt-index-off-by-4", F, "fdt", "the indexed status offsets are 4 bytes off: \"okay\" lands on the property's name offset",
      "offsets[fdt32_to_cpu(*reg)] = (uint32_t)(status - (const char *)fdt);",
      "offsets[fdt32_to_cpu(*reg)] = (uint32_t)(status - (const char *)fdt) + 4;"),
    M("fdt-index-kept-over-reload", H, "fdt", "a load keeps robust's old state (slot table, FDT index) instead of reading the new image: ADD_CPU stores \"okay\" where the old tree was",
      "\tif (!err || !chp_kimage_loaded(hp->img))\n\t\tpolicy_detach(hp);\n\tif (!err)\n\t\thp->elfcorehdr_updated = false;\n\tif (!err && hp->ops->attach && chp_kimage_hotplug_capable(hp->img)) {\n\t\t/*\n\t\t * The kernel's build lists offline blocks too (its rule, complete as\n\t\t * it is): made exact once the image is in place, as a hotplug update\n\t\t * whose every store a panic may see (its dump taken), not as part of\n\t\t * the load; its failure is still the load's.\n\t\t */\n\t\terr = hp->ops->attach(hp);",
      "\tif (!err)\n\t\thp->elfcorehdr_updated = false;\n\tif (!err && hp->ops->attach && chp_kimage_hotplug_capable(hp->img)) {\n\t\t/*\n\t\t * The kernel's build lists offline blocks too (its rule, complete as\n\t\t * it is): made exact once the image is in place, as a hotplug update\n\t\t * whose every store a panic may see (its dump taken), not as part of\n\t\t * the load; its failure is still the load's.\n\t\t */\n\t\terr = hp->policy_state ? 0 : hp->ops->attach(hp);"),
    M("refused-reload-forgets-bridges", H, "protocol", "a reload refused as over-full drops robust's state though the old image stays: "
      "its bridged gaps forgotten, a removed DIMM's bridged block stays listed (absent memory)",
      "if (!err || !chp_kimage_loaded(hp->img))\n\t\tpolicy_detach(hp);", "policy_detach(hp);"),
    M("fdt-index-kept-over-unload", H, "fdt", "an unload leaves robust's state (slot table, FDT index) in place: another loader's image is then read through it",
      "\tpolicy_detach(hp);\n\tpthread_mutex_lock(&hp->region_lock);\n\tchp_kimage_unload(hp->img);",
      "\tpthread_mutex_lock(&hp->region_lock);\n\tchp_kimage_unload(hp->img);"),
    # ---- kexec_load: kexec-tools reads the machine before the syscall ----
    M("kexec-load-built-in-the-syscall", H, "mainline", "a kexec_load image is built from the machine inside the syscall, not by kexec-tools before it: no gap, events there never missing",
      "err = opt->mode == CHP_LOAD_SEGMENTS ? chp_load_install(hp->img, read, opt)\n\t\t\t\t\t     : chp_load_crash_image(hp->img, hp->m, opt);",
      "err = chp_load_crash_image(hp->img, hp->m, opt);"),
    # ---- a load that does not fit ----
    M("overfull-load-drops-old-image", "lib/loader.c", "protocol", "a load whose header does not fit unloads the old image: no dump until the next load",
      "int err = chp_load_build(&s, m, opt);",
      "chp_kimage_unload(img);\n\tint err = chp_load_build(&s, m, opt);"),
    M("kaslr-direct-map-ignored", C, "field", "new slots use the default direct map, not the header's (KASLR)",
      "cs->direct = va - pa;", "(void)0;"),
    M("resync-no-removals", R, "logic", "the resync never removes: offline or removed memory kept",
      "err = remove_range(hp, *chp_ranges_at(diff, k), true, &changed, NULL);", "(void)0;"),
    M("resync-no-additions", R, "logic", "the resync never adds: owed or loaded-offline memory missing",
      "err = add_range(hp, *chp_ranges_at(diff, k), &changed);", "(void)0;"),
    M("resync-no-cpus", R, "protocol", "ppc64: the resync skips owed CPU adds",
      "int done = robust_cpu_fdt(hp, cpu);", "int done = 0;"),
    # ---- x86_64 kexec_load: the load's resync gives every possible CPU a note (robust_notes.c) ----
    M("renote-never", N, "logic", "x86_64 kexec_load: kexec-tools' header keeps its present CPUs' notes only: "
      "a CPU added in the gap or later lacks its registers in the dump", NOTES_ENOUGH, "if (1)"),
    M("renote-always", N, "protocol", "x86_64 kexec_load: the header is copied at every load's resync, even one "
      "noting every possible CPU: no dump during a copy the in-place resync does not need",
      NOTES_ENOUGH, "if (err)"),
    M("copy-image-visible", H, "protocol", "a copy leaves kexec_crash_image set: robust's note rebuild of an "
      "x86_64 kexec_load header, panicked mid-copy, reads a torn header (mainline's copies hold the kexec lock, "
      "which a panic only tries: there it changes nothing)",
      "\tchp_hp_step(hp, CHP_STEP_IMAGE_HIDDEN);\n\tif (!hooked)", "\t(void)0;\n\tif (!hooked)"),
    M("renote-forgets-new-header", R, "protocol", "x86_64 kexec_load: robust keeps its slot index of kexec-tools' "
      "header after the rebuild replaced it: later updates store into the wrong slots",
      "if (!err && copied) {", "if (0) {"),
    M("panic-ignores-hidden-image", H, "protocol", "robust's panic takes a dump while a copy hides the image: a torn header read",
      "} else if (atomic_load(&hp->image_hidden)) {", "} else if (0) {"),
    # ---- ppc64 FDT ----
    M("fdt-okay-dropped", R, "fdt", "ppc64 ADD_CPU: the \"okay\" store dropped; the capture kernel cannot use the CPU",
      "return chp_hp_store(hp, r->fdt_paddr + offset, \"okay\", 4) ? -EIO : 1;", "return 1;"),
    M("fdt-okay-wrong-offset", R, "fdt", "ppc64 ADD_CPU: \"okay\" stored over the property's header",
      "chp_hp_store(hp, r->fdt_paddr + offset, \"okay\", 4)", "chp_hp_store(hp, r->fdt_paddr + offset - 4, \"okay\", 4)"),
    M("fdt-okay-restored", R, "fdt", "ppc64 ADD_CPU stores \"okay\" even when the node says okay already",
      "if (!memcmp(status, \"okay\", 4))\n\t\treturn 0;", "(void)0;",
      equivalent="the four bytes stored are the ones already there: no reader, at any instant, "
                 "sees other bytes (only a store count and the update/ignored statistic differ)"),
    M("fdt-no-node-no-rewrite", R, "fdt", "ppc64 ADD_CPU for a CPU without a node does nothing",
      "r->fdt_paddr = 0;\n\t\treturn chp_arch_ppc64_update_fdt(hp);", "return 0;"),
    M("fdt-status-always-okay", F, "fdt", "the loaded tree says okay for CPUs not present",
      "chp_machine_cpu_present(m, cpu) ? \"okay\" : \"fail\"", "\"okay\""),
    M("fdt-status-seen-okay", F, "fdt", "a CPU's status read as okay whatever it says: the store is skipped",
      "*okay = !strcmp(status, \"okay\");", "*okay = true;"),
    M("fdt-load-present-only", F, "fdt", "the loaded tree holds present CPUs only: ADD_CPU rewrites /cpus",
      "err = fdt_begin_node(buf, name);",
      "if (!chp_machine_cpu_present(m, cpu))\n\t\t\tcontinue;\n\t\terr = fdt_begin_node(buf, name);"),
    # ---- deferral and drain (hotplug.c, kexec_lock.c) ----
    M("pending-never-set", K, "protocol", "a deferred event never marks work pending: the holder does not drain",
      "atomic_compare_exchange_weak(&hp->kexec_lock, &v, v | KEXEC_PENDING))", "true)"),
    M("deferral-not-retried", K, "protocol", "a deferral never takes a free lock: lost if the holder let go meanwhile",
      "if (v == KEXEC_FREE) {", "if (false) {"),
    M("release-ignores-pending", K, "protocol", "the holder lets go though work became pending after its last look",
      "return !(v & KEXEC_PENDING) && atomic_compare_exchange_strong(&hp->kexec_lock, &v, KEXEC_FREE);",
      "(void)v;\n\tatomic_store(&hp->kexec_lock, KEXEC_FREE);\n\treturn true;"),
    M("pending-cleared-after-resync", H, "protocol", "pending cleared after the resync: an event deferred during it is lost",
      "while (chp_kexec_take_pending(hp))\n\t\t\tdrain_once(hp);",
      "while (atomic_load(&hp->kexec_lock) & KEXEC_PENDING) {\n\t\t\tdrain_once(hp);\n"
      "\t\t\t(void)chp_kexec_take_pending(hp);\n\t\t}"),
    M("owed-not-recorded", H, "protocol", "a deferred event's range is not recorded as owed (in flight)",
      "chp_ranges_add(hp->owed, (struct chp_range){ s, s + ev->nr_pages * CHP_PAGE_SIZE - 1 });",
      "(void)s;"),
    M("owed-excused-with-lock-free", H, "protocol", "the judge excuses owed ranges with the kexec lock free: "
      "an event lost (owed, nobody to apply it) passes as in flight",
      "if (chp_kexec_holder(hp) == KEXEC_FREE)\n\t\treturn err;", "(void)0;"),
    M("owed-absent-excused", "lib/lab_crash.c", "protocol", "the judge excuses owed ranges whole: memory removed while its "
      "cut is owed (absent, read by the capture kernel) passes as in flight",
      "err = chp_ranges_intersect(owned, owed, chp_machine_present_memory(m));", "err = chp_ranges_assign(owned, owed);"),
    M("applying-not-recorded", H, "protocol", "what a drain applies is not in flight while it runs",
      "chp_ranges_add_all(hp->applying, hp->owed);", "(void)0;"),
    M("drain-once", H, "protocol", "the drain runs once, not until nothing is pending",
      "\t\twhile (chp_kexec_take_pending(hp))\n\t\t\tdrain_once(hp);\n\t} while (!chp_kexec_release(hp));",
      "\t\tif (chp_kexec_take_pending(hp))\n\t\t\tdrain_once(hp);\n\t} while (0);\n"
      "\tatomic_store(&hp->kexec_lock, KEXEC_FREE);"),
    M("robust-drops-contended", H, "protocol", "robust drops a contended event as mainline does",
      "if (!hp->ops->defers_contended) {\n\t\t\tchp_hp_logf(hp, \"crash hp: kexec_trylock() failed",
      "if (true) {\n\t\t\tchp_hp_logf(hp, \"crash hp: kexec_trylock() failed"),
    M("load-no-resync", H, "protocol", "robust's load keeps the kernel's header (offline blocks listed)",
      "err = hp->ops->resync(hp);\n\t\t\tchp_kimage_protect(hp->img);\n\t\t}\n\t}\n\tunlock_and_drain(hp);\n\tload_release_hotplug(hp);",
      "chp_kimage_protect(hp->img);\n\t\t}\n\t}\n\tunlock_and_drain(hp);\n\tload_release_hotplug(hp);"),
    M("load-lets-hotplug-run", H, "protocol", "robust's load does not hold memory hotplug off: a DIMM of offline "
      "blocks removed (no event) before the resync stays in the header, absent memory read",
      "\tif (hp->ops->load_holds_hotplug)\n\t\tchp_machine_lock_hotplug(hp->m);\n}\n\n"
      "static void load_release_hotplug(struct chp_hotplug *hp)\n{\n\tif (hp->ops->load_holds_hotplug)\n"
      "\t\tchp_machine_unlock_hotplug(hp->m);",
      "\t(void)hp;\n}\n\nstatic void load_release_hotplug(struct chp_hotplug *hp)\n{\n\t(void)hp;"),
    # ---- a removal waits for the kexec lock's holder (hotplug.c, wait_for_holder) ----
    M("removal-does-not-wait", H, "protocol", "memory about to be removed owes its cut to the kexec lock's holder "
      "instead of waiting for it: the memory goes first, and the drain's crashes before the cut read it (absent memory)",
      "!(release && hp->ops->release_waits && wait_for_holder(hp))",
      "!(0 && release && hp->ops->release_waits && wait_for_holder(hp))"),
    M("removal-waits-one-try", H, "protocol", "the waiting removal tries the lock once after the holder's first "
      "chance, then owes its cut: a holder slower than that lets the memory go first",
      "\t} while (!chp_kexec_trylock_as(hp, KEXEC_HOTPLUG));\n\ttl_current = ev;",
      "\t\tif (!chp_kexec_trylock_as(hp, KEXEC_HOTPLUG))\n\t\t\tlets_go = false;\n\t} while (0);\n\ttl_current = ev;"),
    M("addition-waits-too", H, "protocol", "a memory addition that finds the kexec lock held waits for the holder too: "
      "hot-add blocked behind kdump's load for nothing (its memory is present; the drain adds it)",
      "!(release && hp->ops->release_waits && wait_for_holder(hp))",
      "!((release || ev->action == CHP_HP_ADD_MEMORY) && hp->ops->release_waits && wait_for_holder(hp))"),
    M("offline-waits-too", H, "protocol", "a block's offline that finds the kexec lock held waits for the holder too: "
      "the offline memory is still present, so nothing needs the wait",
      "!(release && hp->ops->release_waits && wait_for_holder(hp))",
      "!((release || ev->action == CHP_HP_REMOVE_MEMORY) && hp->ops->release_waits && wait_for_holder(hp))"),
    # ---- the mainline model (arch_mainline.c) ----
    M("mainline-ppc64-keeps-removed", A, "mainline", "ppc64 mainline keeps the range being removed",
      "if (ev->action == CHP_HP_REMOVE_MEMORY) {", "if (0) {"),
    M("mainline-ppc64-no-fdt", A, "mainline", "ppc64 mainline ADD_CPU leaves the FDT alone",
      "\t\treturn chp_arch_ppc64_update_fdt(hp);\n\tcase CHP_HP_ADD_MEMORY:", "\t\treturn 0;\n\tcase CHP_HP_ADD_MEMORY:"),
    M("mainline-x86-cpu-rebuild", A, "mainline", "x86 mainline rebuilds the header for a CPU event after kexec_file_load",
      "if ((chp_kimage_mode(hp->img) == CHP_LOAD_FILE || hp->elfcorehdr_updated) && cpu_event)",
      "if (hp->elfcorehdr_updated && cpu_event)"),
    # ---- verify's judge: kexec-tools' x86 backup LOAD (verify_phdr.c, elfcore_parse.c) ----
    M("kexec-backup-any-low-load", "lib/verify_phdr.c", "logic", "verify takes any LOAD starting below "
      "640 KiB for kexec-tools' backup: a note, though it lists low memory the capture kernel "
      "overwrote, or a range kexec-tools never backs up",
      "if (!src || ph->paddr != src->start || ph->memsz != chp_range_size(*src) ||\n"
      "\t    ph->filesz != ph->memsz)\n\t\treturn false;",
      "if (ph->paddr > KEXEC_TOOLS_BACKUP_LAST)\n\t\treturn false;"),
    M("kexec-backup-data-anywhere", "lib/verify_phdr.c", "logic", "verify takes a header's backup-shaped "
      "LOAD for kexec-tools' wherever its p_offset points: read from the capture kernel's own low "
      "memory or past the crashkernel, not from the copy",
      "return ph->offset % CHP_PAGE_SIZE == 0 && ph->offset + seg - 1 >= ph->offset &&",
      "return seg || ph->offset + seg - 1 >= ph->offset ||"),
    M("kexec-backup-header-is-vmcore", "lib/elfcore_parse.c", "logic", "an x86 elfcorehdr with "
      "kexec-tools' backup LOAD (p_offset in the crashkernel) is taken for a vmcore and refused",
      "bool low = ph->memsz && ph->paddr <= 0xa0000 &&", "bool low = 0 && ph->paddr <= 0xa0000 &&"),
    # ---- watch's handler of the kernel's events (tools/watch_model.c) ----
    M("watch-absent-block-applied", W, "logic", "watch applies an online for a block sysfs lacks: "
      "the model invents a DIMM there and the header gains memory no kernel has",
      "\tif (got == 0)\n\t\treturn failed(wm, -ENOENT,", "\tif (0)\n\t\treturn failed(wm, -ENOENT,"),
    M("watch-unknown-remove-silent", W, "logic", "an offline or remove for a block the model lacks "
      "is taken as nothing, said nowhere, the machine not read again",
      "\tif (c == CHP_UEV_MEMORY_OFFLINE || c == CHP_UEV_MEMORY_REMOVE)\n\t\treturn failed(",
      "\tif (c == CHP_UEV_MEMORY_OFFLINE || c == CHP_UEV_MEMORY_REMOVE)\n\t\treturn 0 * failed("),
    M("watch-leaving-block-unknown", W, "logic", "an event for a block the model holds but sysfs "
      "has dropped (a removal under way) is reported and read again instead of applied",
      "\tif (st != CHP_BLOCK_ABSENT)\n\t\treturn 0;\n\tif (c == CHP_UEV_MEMORY_OFFLINE",
      "\tif (0)\n\t\treturn 0;\n\tif (c == CHP_UEV_MEMORY_OFFLINE"),
    M("watch-unknown-block-reloads", W, "logic", "an event for no block asks for a reload of its own "
      "(x86's removal rule), not only when reading the machine again found a difference",
      "out->reload = (!unknown && needs_reload(wm, mem, mem_left)) || resync.reload;",
      "out->reload = needs_reload(wm, mem, mem_left) || resync.reload;"),
]

