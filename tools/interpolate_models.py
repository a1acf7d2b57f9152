"""Weight interpolation of two fine-tunes of one model (WiSE-FT, Wortsman et al. 2022; "model soups"):
``(1 - alpha) * A + alpha * B``, weight by weight, for models of the same architecture that started from the
same weights (e.g. the shipped v2 and a fine-tune of it). Every weight is mixed, batch-norm statistics too; the
decoding (temperature, prior strength, chroma gain) is A's.

    python tools/interpolate_models.py --a models/autoencoder.keras --b runs/v3/full_w1/autoencoder.keras \
        --alphas 0.25,0.5,0.75 --out runs/v3/soup_{alpha}.keras

Then judge each file like any model (held-out photos only: ``tools/tune_decoding.py --model FILE ...``).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mix(a_weights: list[np.ndarray], b_weights: list[np.ndarray], alpha: float) -> list[np.ndarray]:
    """``(1 - alpha) * a + alpha * b`` for each pair of arrays; a ValueError when the two lists differ in shape."""
    if len(a_weights) != len(b_weights):
        raise ValueError(f"the models differ: {len(a_weights)} against {len(b_weights)} weight arrays")
    out = []
    for i, (wa, wb) in enumerate(zip(a_weights, b_weights, strict=True)):
        if wa.shape != wb.shape:
            raise ValueError(f"the models differ at weight {i}: {wa.shape} against {wb.shape}")
        if not np.issubdtype(wa.dtype, np.floating):
            out.append(wa)                   # counters and other integers are not mixed
            continue
        out.append(((1.0 - alpha) * wa.astype(np.float64) + alpha * wb.astype(np.float64)).astype(wa.dtype))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="the first model file (its decoding is kept)")
    ap.add_argument("--b", required=True, help="the second model file, a fine-tune of the same start")
    ap.add_argument("--alphas", default="0.5", help="comma-separated shares of B")
    ap.add_argument("--out", required=True, help="output path with {alpha} in it")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from core.colorizers.autoencoder import AutoencoderColorizer

    a, b = AutoencoderColorizer(args.a), AutoencoderColorizer(args.b)
    wa, wb = a.model.get_weights(), b.model.get_weights()
    for alpha in (float(x) for x in args.alphas.split(",")):
        a.model.set_weights(mix(wa, wb, alpha))
        out = args.out.format(alpha=f"{alpha:g}")
        a.model.save(out + ".tmp.keras")
        os.replace(out + ".tmp.keras", out)
        print(f"wrote {out} ({1 - alpha:g} x {args.a} + {alpha:g} x {args.b})")
    a.model.set_weights(wa)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
