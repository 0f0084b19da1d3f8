#!/usr/bin/env python3
"""Reference parse of an exposition page with Python's prometheus_client.

Usage: expo_reference.py text|openmetrics FILE

Prints one line per sample, in page order:
    NAME <TAB> LABELS-AS-JSON (sorted, empty values dropped) <TAB> repr(VALUE)
OpenMetrics `_created` samples of counters, histograms and summaries are left
out (they are creation times, not samples). Installs prometheus_client with
pip when it is missing. Exit status 3 when it cannot be installed.
"""

import json
import subprocess
import sys


def load_client():
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        try:
            subprocess.check_call(
                [sys.executable, "-m", "pip", "install", "--quiet", "prometheus_client"],
                stdout=sys.stderr,
            )
        except (subprocess.CalledProcessError, OSError) as e:
            print(f"cannot install prometheus_client: {e}", file=sys.stderr)
            sys.exit(3)
    from prometheus_client import parser as text_parser

    return text_parser


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("text", "openmetrics"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    text_parser = load_client()
    with open(sys.argv[2], encoding="utf-8") as f:
        body = f.read()
    om = sys.argv[1] == "openmetrics"
    # The text parser reads both formats (it skips exemplars and # EOF);
    # prometheus_client's OpenMetrics parser rejects valid real pages (a
    # negative histogram _sum), so it is not the reference.
    parser = text_parser
    out = sys.stdout
    families = list(parser.text_string_to_metric_families(body))
    declared = {}
    for f in families:
        if f.type != "unknown":
            declared.setdefault(f.name, f.type)
    created_kinds = ("counter", "histogram", "summary")
    for family in families:
        for s in family.samples:
            base = s.name[: -len("_created")]
            if om and s.name.endswith("_created") and declared.get(base) in created_kinds:
                continue
            labels = {k: v for k, v in sorted(s.labels.items()) if v != ""}
            line = json.dumps(labels, ensure_ascii=False, sort_keys=True)
            out.write(f"{s.name}\t{line}\t{float(s.value)!r}\n")

if __name__ == "__main__":
    main()
