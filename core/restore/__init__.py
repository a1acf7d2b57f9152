"""Repair scratches and dust before colouring (no Streamlit).

>>> from core import restore
>>> r = restore.restore(rgb, scratches=True, dust=True, strength=1.0)
>>> r.rgb, r.mask          # H x W x 3 uint8 (grey stays grey), bool H x W of the repaired pixels
>>> restore.detect(rgb)    # the damage mask alone
>>> restore.restore(rgb, marks=[restore.Mark(((10, 5), (90, 60)), radius=4)])   # + what a person painted over

The detector is a tiny learned U-Net (:mod:`core.restore.network`; several can be combined to agree), run
on the photo and its 90-degree turn and trained on synthetic damage (:mod:`core.restore.synth`) by
``python -m core train-restore`` (:mod:`core.restore.train`); the fill is OpenCV inpainting of the mask only
(:mod:`core.restore.engine`). See models/RESTORE.md and docs/restoration.md.
"""

from core.restore.engine import Restored, detect, restore
from core.restore.marks import Mark, check_marks

__all__ = ["Mark", "Restored", "check_marks", "detect", "restore"]
