"""Choose the autoencoder's annealed-mean temperature and default render factor by measurement.

    python tools/tune_decoding.py --model runs/main/autoencoder.keras \
        --data ../shared/data/train --pattern 'bsds_2*' \
        --temperatures 0.3,0.38,0.5,0.7 --render-factors 8,12,16,24 --prior-strengths 0,0.4 --chroma-gains 1,1.4

Runs the evaluation protocol (python -m core evaluate) for every combination on a
held-out folder/pattern (photos left out of training with ``--exclude``), and
prints one markdown row per combination. Never tune on the validation set.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--pattern", default="*")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--temperatures", default="0.38")
    ap.add_argument("--render-factors", default="16")
    ap.add_argument("--prior-strengths", default="0")
    ap.add_argument("--chroma-gains", default="1")
    ap.add_argument("--save", default=None,
                    help="only write a copy of --model whose decoding is the first T, prior strength and chroma "
                         "gain given")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from core.cli.evaluate import evaluate
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.images import list_images

    if args.save:
        t, b = float(args.temperatures.split(",")[0]), float(args.prior_strengths.split(",")[0])
        g = float(args.chroma_gains.split(",")[0])
        col = AutoencoderColorizer(args.model)
        col.set_decoding(temperature=t, prior_strength=b, chroma_gain=g)   # the saved config follows
        tmp = args.save + ".tmp.keras"
        col.model.save(tmp)
        os.replace(tmp, args.save)
        print(f"wrote {args.save} (T = {t}, prior strength = {b}, chroma gain = {g})")
        return 0
    files = [f for f in list_images([args.data]) if fnmatch.fnmatch(os.path.basename(f), args.pattern)]
    if args.limit:
        files = files[: args.limit]
    col = AutoencoderColorizer(args.model)
    _, base, _ = evaluate(files, ["grayscale"])
    g = base["grayscale"]
    print(f"{len(files)} photos; grayscale: PSNR {g['psnr']:.2f}, ΔE2000 {g['delta_e2000']:.2f}\n")
    print("| T | prior strength | chroma gain | render factor | PSNR (dB) | ΔPSNR vs grey | ΔE2000 | ΔE / grey "
          "| colourfulness ratio | s / image |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    combos = [(float(t), float(b), float(cg), int(rf)) for t in args.temperatures.split(",")
              for b in args.prior_strengths.split(",") for cg in args.chroma_gains.split(",")
              for rf in args.render_factors.split(",")]
    for t, b, cg, rf in combos:
        col.set_decoding(temperature=t, prior_strength=b, chroma_gain=cg)
        _, s, _ = evaluate(files, ["autoencoder"], rf, colorizers={"autoencoder": col})
        s = s["autoencoder"]
        print(f"| {t:.2f} | {b:.2f} | {cg:.2f} | {rf} | {s['psnr']:.2f} | {s['psnr'] - g['psnr']:+.2f} | "
              f"{s['delta_e2000']:.2f} | {s['delta_e2000'] / g['delta_e2000']:.3f} | "
              f"{s['colorfulness_ratio']:.2f} | {s['seconds']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
