#!/usr/bin/env python3
"""Keeps README.md's code in step with examples/: every ```cpp block placed right after an
`<!-- example: examples/NAME.cpp -->` line must equal that file, which CI compiles.

  tools/readme_examples.py           check (exit 1 on a difference)
  tools/readme_examples.py --write   copy the files into README.md
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- example: (?P<path>[^ ]+) -->\n```cpp\n)(?P<code>.*?)(```)", re.S)


def main():
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    stale = []

    def replace(m):
        source = (ROOT / m.group("path")).read_text(encoding="utf-8")
        if m.group("code") != source:
            stale.append(m.group("path"))
        return m.group(1) + source + m.group(4)

    updated, count = BLOCK.subn(replace, text)
    if count == 0:
        print("README.md shows no example", file=sys.stderr)
        return 1
    if "--write" in sys.argv:
        readme.write_text(updated, encoding="utf-8")
        return 0
    if stale:
        print("README.md differs from " + ", ".join(stale) + ": run tools/readme_examples.py --write",
              file=sys.stderr)
        return 1
    print(f"README.md shows {count} examples, all current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
