"""The numbers of CIE Lab and sRGB, named once (scikit-image's values: D65 white, 2° observer).

:mod:`core.lab` (NumPy and OpenCV), :mod:`core.gamut` and the graph version in :mod:`core.training.network`
compute the same formulas with these names; a test checks that no other module of ``core`` writes them.
This module imports nothing, so everything may import it.

CIE Lab from XYZ (relative to the white): ``L = 116 f(Y) - 16``, ``a = 500 (f(X) - f(Y))``,
``b = 200 (f(Y) - f(Z))``, with ``f(t) = t ** (1/3)`` above :data:`T_KNEE`, else ``F_SLOPE t + F_OFFSET``; the
way back uses ``t = f ** 3`` above :data:`F_KNEE`, else ``(f - F_OFFSET) / F_SLOPE``.
sRGB: ``v = 1.055 c ** (1/2.4) - 0.055`` for linear ``c`` above :data:`SRGB_LINEAR_KNEE`, else ``12.92 c``.
"""

from __future__ import annotations

L_MAX = 100.0                       # the L of white (black is 0)
L_SCALE = 116.0                     # L = L_SCALE f(Y) - L_OFFSET
L_OFFSET = 16.0
A_SCALE = 500.0                     # a = A_SCALE (f(X) - f(Y))
B_SCALE = 200.0                     # b = B_SCALE (f(Y) - f(Z))
F_OFFSET = L_OFFSET / L_SCALE       # f of 0 (16 / 116)
F_SLOPE = 7.787                     # the slope of f's straight part ((29 / 6)^2 / 3, as scikit-image rounds it)
F_KNEE = 0.2068966                  # f where the cube meets the line (6 / 29, as scikit-image rounds it)
T_KNEE = 0.008856                   # t where the cube root meets the line ((6 / 29)^3, as scikit-image rounds it)
D65_WHITE = (0.95047, 1.0, 1.08883)  # XYZ of the D65 white, 2° observer (scikit-image's)

SRGB_GAMMA = 2.4                    # the sRGB curve (IEC 61966-2-1)
SRGB_SCALE = 1.055                  # 1 + SRGB_A
SRGB_A = 0.055
SRGB_SLOPE = 12.92                  # the straight part near black
SRGB_LINEAR_KNEE = 0.0031308        # linear value where the curve meets the line
SRGB_ENCODED_KNEE = 0.04045         # the same point, encoded
