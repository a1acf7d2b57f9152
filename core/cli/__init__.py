"""The engine's one command line: ``python -m core <command> [--help]``.

Each command is a module with a ``main(argv)``; this file only dispatches.
"""

from __future__ import annotations

import importlib
import os
import sys

COMMANDS = {
    "colorize": ("core.cli.colorize", "colorize photos or folders into PNG files"),
    "batch": ("core.cli.batch", "colorize a whole archive, resumably, with a manifest (one machine or Ray)"),
    "evaluate": ("core.cli.evaluate", "score models on a folder of colour photos (the evaluation protocol)"),
    "bench": ("core.cli.bench", "median time per photo of each model"),
    "train": ("core.cli.train", "train the autoencoder"),
    "train-restore": ("core.cli.restore", "train the scratch and dust detector (see models/RESTORE.md)"),
    "weights": ("core.cli.weights", "download the baseline's weights, or show what is available"),
    "specialise": ("core.cli.specialise", "teach the colour model a few of your own colour examples (a .keras file)"),
    "video": ("core.cli.video", "colorize a black-and-white video clip, without flicker (MP4 out)"),
    "falsecolour": ("core.cli.falsecolour", "false colour of measured channels (microscopy, FITS): nothing guessed"),
    "credentials": ("core.cli.credentials", "what a file's Content Credentials say, and whether it changed since"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m core <command> [options]   (python -m core <command> --help for its options)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"error: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if name == "train":                    # imports Keras at once: without TensorFlow's native log lines
        from core.quiet import import_tensorflow

        import_tensorflow()
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.main(rest) or 0)
