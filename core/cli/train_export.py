"""``python -m core train --export-only``: re-export ``<out>.ckpt.keras`` as the inference model."""

from __future__ import annotations

import os
import sys

import numpy as np


def export_only(args, log) -> int:
    import keras

    from core.images import list_images
    from core.training import consistency, network
    from core.training.data import ab_prior, load_photos
    from core.training.quantize import Quantizer, gamut_bins
    from core.training.session import TrainConfig, descriptor_weights_file, export_model

    ckpt = args.out + ".ckpt.keras"
    if not os.path.exists(ckpt):
        print(f"error: no checkpoint {ckpt}", file=sys.stderr)
        return 2
    cnet, _ = consistency.unwrap(keras.models.load_model(ckpt, compile=False))   # a consistency run's trainer
    arch = "pyramid" if cnet.name == "colour_net_pyramid" else "classic"
    branch = "effnet" if len(cnet.inputs) == 2 else "scratch"
    desc = network.descriptor_model(str(args.descriptor_weights or descriptor_weights_file())) \
        if branch == "effnet" and arch == "classic" else None
    width = cnet.get_layer("enc1a").filters if arch == "classic" else 0
    rng = np.random.default_rng(args.seed)
    files = list_images(args.data, args.exclude)
    files = list(rng.choice(files, size=min(args.limit or 2000, len(files)), replace=False)) if files else []
    photos, _ = load_photos(files, args.size, log)
    quant = Quantizer(gamut_bins())
    prior = quant.decoding_prior(ab_prior(photos, quant, rng)) if photos else None
    config = TrainConfig(arch=arch, loss=network.head_of(cnet), global_branch=branch, width=width,
                         temperature=args.temperature, prior_strength=args.prior_strength,
                         chroma_gain=args.chroma_gain)
    export_model(cnet, config, desc, prior, args.out)
    log(f"exported {args.out} (temperature {args.temperature}, prior strength {args.prior_strength}, "
        f"chroma gain {args.chroma_gain}, prior from {len(photos)} photos)")
    return 0
