"""``python -m core specialise --data EXAMPLES... --out my.keras [--minutes N]``: teach the colour model a few
of your own colour examples; ``python -m core specialise --show my.keras`` says what a model file was taught."""

from __future__ import annotations

import argparse
import os
import sys

EPILOG = """\
Examples are colour pictures of the kind you want coloured: stained slides, aerial photos, a colour
still of a film, the photos of an album you already fixed by hand (the Guide page's downloads).
Folders are read whole; grey pictures are left out with the reason, and so are toned ones (sepia)
unless most examples are (stained slides often are). The shipped model's encoder stays as it is
and its decoder learns from augmented crops of your examples for about --minutes. With 5 or more
examples a fifth is held out and the result is scored there against the general model and no colour.

The result is a model file like any other:
  python -m core colorize photo.jpg --model my.keras
  python -m core evaluate --data colour_photos/ --models autoencoder,grayscale,my.keras
and the app's Specialise page (or any page's model choice, after an upload there).

exit codes: 0 done, 1 nothing usable to learn from, 2 bad arguments, 130 cancelled.
"""


def _fail(message: str, code: int = 2) -> int:
    from core.text import printable

    print(f"error: {printable(message)}", file=sys.stderr)
    return code


def show(path: str) -> int:
    """Print what a model file says about how it was made."""
    from core.training import examples, modelfile

    try:
        _, info = modelfile.load_path(path)
    except modelfile.ModelFileError as e:
        return _fail(str(e), 1)
    facts = examples.facts_of(info)
    print(f"{os.path.basename(path)}: " + (examples.summary(facts) if facts else
                                           "a colour model, not specialised (it carries no examples)"))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core specialise", description=__doc__.splitlines()[0],
                                 epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", metavar="EXAMPLES", help="colour pictures or folders of them")
    ap.add_argument("--out", help="the model file to write (.keras)")
    ap.add_argument("--minutes", type=float, default=10.0, help="about how long to learn (default 10)")
    ap.add_argument("--base", help="start from this model file instead of the shipped one")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    ap.add_argument("--show", metavar="MODEL", help="say what a model file was taught, and stop")
    args = ap.parse_args(argv)
    if args.show:
        return show(args.show)
    if not args.data or not args.out:
        return _fail("give --data EXAMPLES... and --out FILE.keras (or --show MODEL.keras)")
    if not args.out.lower().endswith(".keras"):
        return _fail(f"--out must end in .keras, not {os.path.basename(args.out)!r}")
    if os.path.exists(args.out) and not args.overwrite:
        return _fail(f"{args.out} already exists (--overwrite replaces it)")
    if not 0.1 <= args.minutes <= 24 * 60:
        return _fail("--minutes must be between 0.1 and 1440")
    missing = [d for d in args.data if not os.path.exists(d)]
    if missing:
        return _fail(f"not found: {', '.join(missing)}")
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        return _fail(f"the folder {out_dir} does not exist")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from core.quiet import import_tensorflow

    import_tensorflow()
    from core.training.modelfile import ModelFileError
    from core.training.specialise import SpecialiseError, specialise

    def log(msg):
        from core.text import printable

        print(printable(msg), file=sys.stderr, flush=True)

    try:
        result = specialise(args.data, minutes=args.minutes, base=args.base, seed=args.seed, log=log)
    except SpecialiseError as e:
        return _fail(str(e), 1)
    except ModelFileError as e:
        return _fail(f"--base: {e}")
    except KeyboardInterrupt:
        print("cancelled: nothing written", file=sys.stderr)
        return 130
    try:
        result.save(args.out)
    except OSError as e:
        return _fail(f"cannot write {args.out}: {e.strerror or e}", 1)
    print(f"{args.out}: {result.summary()}")
    return 0
