"""``python -m core weights fetch eccv16`` (download + verify) and ``python -m core weights status``.

The eccv16 files go to ``$COLORIZER_HOME/eccv16/`` (``COLORIZER_HOME`` defaults to the project's
``models/``). A failed or tampered download leaves nothing behind.
"""

from __future__ import annotations

import argparse
import sys

from core import weights


def _tqdm_progress():
    from tqdm import tqdm

    bars = {}

    def cb(filename, done, total):
        bar = bars.get(filename)
        if bar is None:
            bar = bars[filename] = tqdm(total=total or None, unit="B", unit_scale=True, desc=filename)
        bar.update(done - bar.n)
        if total and done >= total:
            bar.close()

    return cb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core weights", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="download and verify a model's weights")
    f.add_argument("name", choices=sorted(weights.REMOTES))
    f.add_argument("--force", action="store_true", help="download again even if present")
    sub.add_parser("status", help="show which models are available")
    args = ap.parse_args(argv)
    if args.cmd == "status":
        from core import available_models

        for info in available_models().values():
            print(f"{info.name:12s} {'ready' if info.available else 'missing':8s} {info.reason}"
                  + (f"  ->  {info.how_to_get}" if info.how_to_get else ""))
        return 0
    try:
        folder = weights.fetch(args.name, progress=_tqdm_progress(), force=args.force)
    except weights.FetchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{args.name} weights ready in {folder}")
    return 0
