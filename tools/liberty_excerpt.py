"""Write a small excerpt of a Liberty file: its header and the named cells, gzipped.

Used once to make tests/data/sky130hd_excerpt.lib.gz from the SkyWater sky130_fd_sc_hd typical
corner (Apache-2.0), so that the tests run the foundry-library paths without the full file:

    python tools/liberty_excerpt.py sky130hd_tt.lib.gz tests/data/sky130hd_excerpt.lib.gz \
        --prefix sky130_fd_sc_hd__ --cells inv_1,buf_1,...

The header (units, templates, wire loads) is kept whole; cell groups are cut at their
``cell (...)`` lines, so the file must hold one cell group per top-level ``cell`` line.
"""

import argparse
import gzip
import re
import sys


def excerpt(text, *, names):
    """The library text with only the cell groups in ``names`` (full cell names)."""
    starts = [m.start() for m in re.finditer(r'^\s*cell\s*\(\s*"?([^")\s]+)"?\s*\)', text, re.M)]
    if not starts:
        raise ValueError("no cell groups found")
    end = text.rindex("}")
    kept, found = [], set()
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else end
        name = re.match(r'\s*cell\s*\(\s*"?([^")\s]+)', text[start:]).group(1)
        if name in names:
            kept.append(text[start:stop])
            found.add(name)
    missing = sorted(set(names) - found)
    if missing:
        raise ValueError(f"cells not in the library: {', '.join(missing)}")
    return text[: starts[0]] + "".join(kept) + "}\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--cells", required=True, help="comma-separated names without the prefix")
    args = parser.parse_args(argv)
    opener = gzip.open if args.source.endswith(".gz") else open
    with opener(args.source, "rt") as f:
        text = f.read()
    names = {args.prefix + name for name in args.cells.split(",")}
    try:
        out = excerpt(text, names=names)
    except ValueError as error:
        print(f"liberty_excerpt: {error}", file=sys.stderr)
        return 2
    with gzip.GzipFile(args.target, "wb", mtime=0) as f:
        f.write(out.encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
