"""Zhang et al. (ECCV 2016) colorization, the official Caffe release, run by OpenCV DNN."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core import lab, weights
from core.colorizers.base import Colorizer, ModelUnavailable

PROTOTXT = "colorization_deploy_v2.prototxt"
CAFFEMODEL = "colorization_release_v2.caffemodel"
HULL = "pts_in_hull.npy"
FILES = (PROTOTXT, CAFFEMODEL, HULL)
ANNEAL_SCALE = 2.606   # 1 / T with T = 0.38, the release's conv8_313_rh scale


class ModelLoadError(ModelUnavailable):
    """The eccv16 files are missing or cannot be read; the message says what to do."""


def missing_files(folder: Path) -> list[str]:
    return [f for f in FILES if not (Path(folder) / f).is_file()]


class Eccv16Colorizer(Colorizer):
    name = "eccv16"
    title = "Zhang et al. 2016 (Caffe)"
    description = ("The classic colorization network by Zhang, Isola & Efros (ECCV 2016), trained on 1.3 million "
                   "ImageNet photos and run here through OpenCV: the baseline we compare against.")
    order = 20
    default_render_factor = 14    # 224 px long side, the resolution the net was trained at
    render_factor_range = (4, 48)
    stride = 8                    # conv1 ... conv3 downsample by 8
    download_mb = weights.download_mb("eccv16")
    has_distribution = True       # conv8_313: logits over the 313 in-gamut ab bins of pts_in_hull.npy

    @classmethod
    def source(cls):
        return weights.home() / "eccv16"

    @classmethod
    def availability(cls):
        missing = missing_files(cls.source())
        if missing:
            return (False, f"weights not downloaded yet ({', '.join(missing)} missing in {cls.source()}); "
                           f"about {cls.download_mb:.0f} MB", weights.fetch_command("eccv16"))
        return True, f"weights in {cls.source()}", ""

    def __init__(self, folder):
        super().__init__()
        import cv2

        folder = Path(folder)
        missing = missing_files(folder)
        if missing:
            raise ModelLoadError(
                f"eccv16 weights are missing in {folder} ({', '.join(missing)}). "
                f"Fetch them with: {weights.fetch_command('eccv16')}"
            )
        try:
            net = cv2.dnn.readNetFromCaffe(str(folder / PROTOTXT), str(folder / CAFFEMODEL))
            pts = np.load(folder / HULL, allow_pickle=False).astype(np.float32)
            if pts.ndim != 2 or pts.shape[1] != 2:
                raise ValueError(f"{HULL} has shape {pts.shape}, expected (N, 2)")
            n = pts.shape[0]
            net.getLayer(net.getLayerId("class8_ab")).blobs = [pts.T.reshape(2, n, 1, 1)]
            net.getLayer(net.getLayerId("conv8_313_rh")).blobs = [np.full((1, n), ANNEAL_SCALE, np.float32)]
            # OpenCV accepts an empty or garbage caffemodel without complaint (the layers just get
            # no weights) and only fails at the first forward; fail here, with the advice below.
            net.setInput(np.zeros((1, 1, 4 * self.stride, 4 * self.stride), np.float32))
            net.forward()
        except cv2.error as e:
            raise ModelLoadError(f"OpenCV could not load the eccv16 model from {folder}: "
                                 f"{str(e).strip().splitlines()[-1]}. Fetch fresh files with "
                                 f"{weights.fetch_command('eccv16')}") from None
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"Could not read the eccv16 files in {folder}: {e}") from None
        self.net = net
        self.centres = pts                # (313, 2) ab in Lab units

    def predict_ab(self, L_small: np.ndarray) -> np.ndarray:
        blob = lab.caffe_l(L_small)[None, None]
        self.net.setInput(blob)
        out = self.net.forward()          # (1, 2, h/4, w/4), ab in Lab units
        return np.ascontiguousarray(out[0].transpose(1, 2, 0))

    def predict_distribution(self, L_small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """softmax of ``conv8_313`` (before the release's 2.606 annealing scale: temperature 1), at 1/4 of
        the render size, over the bins of ``pts_in_hull.npy``."""
        self.net.setInput(lab.caffe_l(L_small)[None, None])
        logits = self.net.forward("conv8_313")[0].transpose(1, 2, 0).astype(np.float32)   # (h/4, w/4, 313)
        logits -= logits.max(axis=-1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=-1, keepdims=True)
        return np.ascontiguousarray(probs), self.centres.copy()
