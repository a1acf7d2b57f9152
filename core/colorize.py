"""``python -m core.colorize INPUT... --model autoencoder --render-factor 35 --out DIR``.

Do not import this module: ``core.colorize`` is the colorize *function*; the
command-line logic lives in :mod:`core.cli`.
"""

if __name__ == "__main__":
    from core.cli import colorize_main

    raise SystemExit(colorize_main())
