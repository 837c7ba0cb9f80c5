"""Rebuild the character model's corpus from CPython 3.11.7's standard library and check it.

    python scripts/build_chars_corpus.py            # verify the local stdlib against the pinned hashes, rewrite data/*.xz
    python scripts/build_chars_corpus.py --pin      # (maintainers) pin the files of this stdlib in data/manifest.json
"""
import argparse
import sys

from explainer.chars import corpus

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--source", help="a CPython 3.11.7 Lib folder (default: this interpreter's stdlib)")
p.add_argument("--pin", action="store_true", help="pin the files found in --source (rewrites the manifest)")
a = p.parse_args()
if sys.version_info[:3] != (3, 11, 7) and a.source is None:
    print(f"note: this is Python {sys.version.split()[0]}; the pinned corpus is CPython {corpus.VERSION}'s "
          "standard library: pass --source or use the shipped copy", file=sys.stderr)
print(corpus.build(a.source, write_manifest=a.pin))
