#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`crashhp sim --svg`, judged by tools nobody here wrote: xmllint parses it,
rsvg-convert renders it to a PNG of the size the SVG declares.  Then what the
picture must show: one marker per planned crash, of the kind the JSON report
counts; a 128 MiB gap on a 1 TiB machine a visible distance off the zero line
of the difference panel; mainline's dip of dropped events labelled so, the
labels clear of other text and lines; kexec-busy and the concurrent phase
shaded; every label inside the frame; a scenario named by hostile bytes still
well-formed; the file 0666 less the umask (0644 under 022, 0600 under 077).

usage: svg.py CRASHHP"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from checks import check, run, summary

NS = "{http://www.w3.org/2000/svg}"

SMALL = ("ram 2G\ncrashkernel 128M\ncrash-every 4\ncrash-during 2\nadd-dimm 512M\n"
         "add-dimm 512M\nkexec-busy 2\noffline-block 12\nonline-block 12\n"
         "offline-block 34\nremove-dimm\ncrash\n")
# Mainline drops the event that meets kexec-busy: for one event its header
# lacks a 128 MiB DIMM of a 1 TiB machine (2000 events before: between the
# regular samples, so only the samples taken around kexec-busy show it).
GAP = ("ram 1T\nblock 128M\ncrashkernel 512M\nadd-dimm 1G\nstorm 2000\nkexec-busy 1\n"
       "add-dimm 128M\nadd-dimm 128M\ncrash\n")


def sim_svg(crashhp, scn, svg, umask=0o022):
    old = os.umask(umask)
    try:
        return run(crashhp, "sim", "--svg", svg, scn)
    finally:
        os.umask(old)


def parse(svg):
    try:
        return ET.parse(svg).getroot()
    except ET.ParseError as e:
        check(False, f"{svg} parses as XML: {e}")
        return None


def classes(el):
    return el.get("class", "").split()


def policy_groups(root):
    return {g.get("id"): g for g in root.iter(NS + "g") if "policy" in classes(g)}


def crash_counts(group, kind="crash"):
    counts = {}
    for g in group.iter(NS + "g"):
        c = classes(g)
        if c and c[0] == kind:
            counts[c[1]] = counts.get(c[1], 0) + 1
            if "loader" in c:
                counts["loader"] = counts.get("loader", 0) + 1
    return counts


def texts_placed(el, dy=0.0):
    """Every text under EL, with the vertical shift of the groups that hold it
    (translate(0 DY): the title's extra lines move what is below down)."""
    for child in el:
        shift = dy
        tr = child.get("transform", "")
        if child.tag == NS + "g" and tr.startswith("translate("):
            shift += float(tr[len("translate("):-1].replace(",", " ").split()[1])
        if child.tag == NS + "text":
            yield child, dy
        yield from texts_placed(child, shift)


def step_lines(root):
    """The polylines with a segment neither level nor upright: a sample's state
    holds until the next sample, so each line must be steps."""
    bad = []
    for line in root.iter(NS + "polyline"):
        pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
        if any(a[0] != b[0] and a[1] != b[1] for a, b in zip(pts, pts[1:])):
            bad.append(line.get("class"))
    return bad


def text_boxes(root):
    """(label, left, right, top, bottom) of every text, by a generous width estimate."""
    for t, dy in texts_placed(root):
        size = float(t.get("font-size", "12"))
        anchor = t.get("text-anchor", "start")
        parts = [(t.get("x"), t.get("y"), "".join(t.itertext()))]
        tspans = [s for s in t.iter(NS + "tspan") if s.get("x")]
        if tspans:  # each line its own x; y from the text plus each dy
            y = float(t.get("y"))
            parts = []
            for s in tspans:
                y += float(s.get("dy", "0"))
                parts.append((s.get("x"), y, s.text or ""))
        for x, y, label in parts:
            x, y, w = float(x), float(y) + dy, 0.62 * size * len(label)
            left = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
            if t.get("transform", "").startswith("rotate(-90"):
                # rotated about (x, y): the text runs up the page from y
                lo = y - w / 2 if anchor == "middle" else y - w
                yield label, x - size, x, lo, lo + w
            else:
                yield label, left, left + w, y - size, y + 0.3 * size


def difference_below_zero(group):
    """How far the covered - online line dips below its zero line, and the panel's half height."""
    panel = next(e for e in group.iter(NS + "rect") if "difference-panel" in classes(e))
    zero = next(e for e in group.iter(NS + "path") if "zero" in classes(e))
    zero_y = float(zero.get("d").split()[1].split("h")[0])
    line = next(e for e in group.iter(NS + "polyline") if "difference" in classes(e))
    ys = [float(p.split(",")[1]) for p in line.get("points").split()]
    return max(y - zero_y for y in ys), float(panel.get("height")) / 2


def unlabelled_dips(group):
    """The x of every point of the covered - online line below its zero line
    that no "owed" band spans, and the owed bands' labels.  robust defers the
    events that meet a load holding the kexec lock: its header lacks that
    memory until the release (no crash can dump meanwhile), a dip that must
    be labelled owed, not left to read as a loss."""
    zero = next(e for e in group.iter(NS + "path") if "zero" in classes(e))
    zero_y = float(zero.get("d").split()[1].split("h")[0])
    line = next(e for e in group.iter(NS + "polyline") if "difference" in classes(e))
    bands = [(float(e.get("x")), float(e.get("x")) + float(e.get("width")))
             for e in group.iter(NS + "rect") if "owed" in classes(e)]
    labels = ["".join(t.itertext()) for t in group.iter(NS + "text") if "owed-label" in classes(t)]
    dips = [x for x, y in (map(float, p.split(",")) for p in line.get("points").split())
            if y > zero_y + 0.5 and not any(a - 0.1 <= x <= b + 0.1 for a, b in bands)]
    return dips, bands, labels


def dropped_labels(group):
    """The first line of each label of a dip made of dropped events."""
    return [next(t.iter(NS + "tspan")).text for t in group.iter(NS + "text")
            if "dropped-label" in classes(t)]


def label_clashes(root):
    """Where a line of a dip's label (owed or dropped) meets another text, a
    line's segment or a shaded band, by text_boxes()'s generous estimate; the
    grid lines lie under the label's white halo.  Without a label, says so."""
    ours = {s.text for t in root.iter(NS + "text")
            if {"owed-label", "dropped-label"} & set(classes(t)) for s in t.iter(NS + "tspan")}
    if not ours:
        return [("no dip label",)]
    boxes = list(text_boxes(root))
    shapes = []
    for line in root.iter(NS + "polyline"):
        pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
        shapes += [(line.get("class"), min(a[0], b[0]), max(a[0], b[0]) + 1,
                    min(a[1], b[1]), max(a[1], b[1]) + 1) for a, b in zip(pts, pts[1:])]
    for r in root.iter(NS + "rect"):
        if {"owed", "busy"} & set(classes(r)):
            x, y = float(r.get("x")), float(r.get("y"))
            shapes.append((r.get("class"), x, x + float(r.get("width")), y,
                           y + float(r.get("height"))))
    clashes = []
    for a in (b for b in boxes if b[0] in ours):
        for b in [b for b in boxes if b[0] not in ours] + shapes:
            if a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]:
                clashes.append((a[0], b[0], b[1:]))
    return clashes


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    crashhp = os.path.abspath(sys.argv[1])
    for tool in ("xmllint", "rsvg-convert"):
        if not shutil.which(tool):
            check(False, f"{tool} is installed (scripts/install-deps: libxml2-utils, librsvg2-bin)")
            return summary()
    d = tempfile.mkdtemp(prefix="crashhp-svg-")
    try:
        # The default scenario: what the README shows.
        svg = os.path.join(d, "default.svg")
        old = os.umask(0o022)
        r = run(crashhp, "sim", "--svg", svg)
        os.umask(old)
        check(r.returncode == 0, f"sim --svg on the built-in scenario: exit {r.returncode} {r.stderr}")
        check(os.stat(svg).st_mode & 0o777 == 0o644,
              f"under umask 022 the picture is 0644: {oct(os.stat(svg).st_mode & 0o777)}")
        x = run("xmllint", "--noout", svg, errors="replace")
        check(x.returncode == 0, f"xmllint parses the picture: {x.stderr.strip()}")
        png = os.path.join(d, "default.png")
        x = run("rsvg-convert", "-o", png, svg, errors="replace")
        check(x.returncode == 0 and not x.stderr, f"rsvg-convert renders it: {x.stderr.strip()}")
        root = parse(svg)
        if root is not None:
            w, h = float(root.get("width")), float(root.get("height"))
            check(png_size(png) == (int(w), int(h)), f"the PNG is {png_size(png)}, the SVG {w}x{h}")
            groups = policy_groups(root)
            check(sorted(groups) == ["mainline", "robust"], f"a panel per policy: {sorted(groups)}")
            for name, g in groups.items():
                check(any("busy" in classes(e) for e in g.iter(NS + "rect")),
                      f"{name}: the kexec-busy stretch is shaded")
                check(any("concurrent" in classes(e) for e in g.iter(NS + "rect")),
                      f"{name}: the concurrent phase is shaded")
                conc = crash_counts(g, "concurrent-crash")
                check(sum(v for k, v in conc.items() if k != "loader") == 8,
                      f"{name}: the concurrent phase's 8 crashes marked: {conc}")
            outside = [b for b in text_boxes(root)
                       if b[1] < 0 or b[2] > w or b[3] < 0 or b[4] > h]
            check(not outside, f"every label inside the {w:.0f}x{h:.0f} frame: {outside[:3]}")
            check(not step_lines(root), f"every line a step function: {step_lines(root)}")
            # robust's dip at the kexec-busy stretch is owed, and says so; mainline's
            # dropped events are not owed: no band there.
            dips, bands, labels = unlabelled_dips(groups.get("robust", root))
            check(bands and not dips and labels and all("applied at release" in t for t in labels),
                  f"robust: every dip below zero lies in a band labelled owed ({len(bands)} bands, "
                  f"unlabelled dips at x {dips[:5]}, labels {labels})")
            dips, bands, labels = unlabelled_dips(groups.get("mainline", root))
            check(not bands and not labels and dips,
                  f"mainline: its dip (events dropped) is not labelled owed ({len(bands)} bands)")
            # ...but labelled as what it is: the events dropped, as many as the report counts.
            rep = json.loads(run(crashhp, "sim", "--json").stdout)
            dropped = {p["policy"]: p["events_dropped"] for p in rep["policies"]}
            got = dropped_labels(groups.get("mainline", root))
            check(len(got) == 1 and got[0].startswith(f"mainline: {dropped['mainline']} events "
                                                      "dropped, header lacks "),
                  f"mainline: its dip labelled with the {dropped['mainline']} events dropped: {got}")
            check(not dropped_labels(groups.get("robust", root)),
                  "robust: no dropped label (it drops nothing)")
            clash = label_clashes(root)
            check(not clash, f"the dips' labels overlap no other text and no line: {clash[:3]}")
            mainline = crash_counts(groups.get("mainline", root))
            check(mainline.get("no-dump", 0) > 0 and mainline.get("missing-memory", 0) > 0
                  and mainline.get("absent-memory", 0) > 0,
                  f"mainline's crashes without a dump, missing and absent memory all marked: {mainline}")

        # One marker per planned crash, of the kind the report counts.
        scn = os.path.join(d, "small.scn")
        with open(scn, "w") as f:
            f.write(SMALL)
        svg = os.path.join(d, "small.svg")
        sim_svg(crashhp, scn, svg)
        rep = json.loads(run(crashhp, "sim", "--json", scn).stdout)
        root = parse(svg)
        if root is not None:
            groups = policy_groups(root)
            for p in rep["policies"]:
                got = crash_counts(groups.get(p["policy"], root))
                want = {"complete": p["dumps_complete"], "no-dump": p["no_dump"],
                        "missing-memory": p["dumps_missing_online_memory"],
                        "absent-memory": p["dumps_including_absent_memory"]}
                want = {k: v for k, v in want.items() if v}
                got_kinds = {k: v for k, v in got.items() if k in want or k != "loader"}
                check(got_kinds == want and sum(want.values()) == p["crashes"],
                      f"{p['policy']}: markers {got_kinds}, the report {want} of {p['crashes']}")
                check(not any("concurrent" in classes(e) for e in root.iter(NS + "rect")),
                      f"{p['policy']}: no concurrent band without a concurrent phase")

        # A 128 MiB gap on a 1 TiB machine stands off the zero line.
        scn = os.path.join(d, "gap.scn")
        with open(scn, "w") as f:
            f.write(GAP)
        svg = os.path.join(d, "gap.svg")
        r = sim_svg(crashhp, scn, svg)
        root = parse(svg)
        if root is not None:
            groups = policy_groups(root)
            below, half = difference_below_zero(groups.get("mainline", root))
            check(below >= 0.25 * half,
                  f"mainline's 128 MiB gap of 1 TiB is {below:.1f} px below zero "
                  f"(at least a quarter of the panel's half height, {half:.0f} px)")
            below, half = difference_below_zero(groups.get("robust", root))
            check(below <= 0.5, "robust's header never falls below online memory there")

        # A long name: whole in the title, its lines inside the frame.
        long_name = ("a scenario with a rather long and descriptive name, naming the machine, "
                     "the DIMMs it gets, the blocks it offlines and the storm of events it "
                     "meets on the way.scn")
        scn = os.path.join(d, long_name)
        with open(scn, "w") as f:
            f.write(SMALL)
        svg = os.path.join(d, "long.svg")
        r = sim_svg(crashhp, scn, svg)
        x = run("rsvg-convert", "-o", os.path.join(d, "long.png"), svg, errors="replace")
        root = parse(svg)
        if root is not None and x.returncode == 0:
            w, h = float(root.get("width")), float(root.get("height"))
            titles = [t for t in root.iter(NS + "text") if "title" in classes(t)]
            joined = " ".join("".join(t.itertext()) for t in titles)
            check(len(titles) >= 2 and long_name in joined,
                  f"the long name whole in the title, on {len(titles)} lines: {joined[:80]!r}...")
            outside = [b for b in text_boxes(root) if b[1] < 0 or b[2] > w or b[3] < 0 or b[4] > h]
            check(not outside, f"long name: every label inside the {w:.0f}x{h:.0f} frame: "
                  f"{outside[:3]}")
            check(png_size(os.path.join(d, "long.png")) == (int(w), int(h)),
                  "long name: the PNG has the size the SVG declares")

        # Hostile bytes in the scenario's name; the umask honoured.
        name_b = os.path.join(d.encode(), b'a&b<c>"d\x01\xff\xe2\x80\xaefdp\\x41.scn')
        with open(name_b, "wb") as f:
            f.write(GAP.encode())
        svg = os.path.join(d, "hostile.svg")
        r = subprocess.run([crashhp.encode(), b"sim", b"--svg", svg.encode(), name_b],
                           capture_output=True, check=False)
        check(r.returncode == 0, f"sim on a hostile file name: exit {r.returncode}")
        x = run("xmllint", "--noout", svg, errors="replace")
        check(x.returncode == 0, f"xmllint parses its picture: {x.stderr.strip()}")
        x = run("rsvg-convert", "-o", os.path.join(d, "hostile.png"), svg, errors="replace")
        check(x.returncode == 0, f"rsvg-convert renders it: {x.stderr.strip()}")
        root = parse(svg)
        if root is not None:
            title = "".join(next(root.iter(NS + "text")).itertext())
            # as text output spells it: the bidi override (it would draw the title reversed)
            # and the backslash of the text \x41 escaped too
            check('a&b<c>"d\\x01\\xff\\xe2\\x80\\xaefdp\\x5cx41.scn' in title,
                  f"the title names the file, bytes escaped: {title!r}")
        r = sim_svg(crashhp, scn, svg, umask=0o077)
        check(r.returncode == 0 and os.stat(svg).st_mode & 0o777 == 0o600,
              f"under umask 077 the replaced picture is 0600: {oct(os.stat(svg).st_mode & 0o777)}")
        check(not [f for f in os.listdir(d) if ".partial-" in f], "no temporary file left behind")
    finally:
        shutil.rmtree(d)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
