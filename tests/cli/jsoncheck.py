# SPDX-License-Identifier: GPL-2.0-or-later
"""Is a --json output valid JSON as its consumers read it?  Strict: the bytes
are UTF-8, no NaN or Infinity (Python accepts them, RFC 8259 does not), no
key twice in one object, and jq(1) -- a parser nobody here wrote -- accepts
it too where it is installed.

As a module: problems(data, lines=False) -> list of strings (empty: valid).
As a command (the golden transcripts use it):
    jsoncheck.py [--lines] FILE   exit 0 valid, 1 invalid (the reason on stdout)
"""
import json
import shutil
import subprocess
import sys

JQ = shutil.which("jq")


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"key {sorted(dup)[0]!r} twice in one object")
    return dict(pairs)


def parse(text):
    return json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)


def problems(data, lines=False):
    """What is wrong with DATA (bytes): one document, or with LINES one per line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"not UTF-8: {e}"]
    docs = [l for l in text.split("\n") if l.strip()] if lines else [text]
    if not docs:
        return ["no JSON at all"]
    found = []
    for n, doc in enumerate(docs, 1):
        try:
            parse(doc)
        except ValueError as e:
            found.append(f"{'line %d: ' % n if lines else ''}{e}")
    if JQ and not found:
        # jq reads a stream of documents: the lines form is checked whole.
        res = subprocess.run([JQ, "-e", "."] if not lines else [JQ, "."], input=data,
                             capture_output=True, check=False)
        # -e: exit 1 for a document that is false or null, which ours never are.
        if res.returncode != 0:
            found.append("jq: " + res.stderr.decode(errors="replace").strip())
    return found


if __name__ == "__main__":
    args = sys.argv[1:]
    lines = args[:1] == ["--lines"]
    with open(args[-1], "rb") as f:
        bad = problems(f.read(), lines)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)
