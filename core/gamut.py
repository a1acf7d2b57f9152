"""The sRGB gamut in CIE Lab (short name): :func:`fit_ab_to_gamut` and :func:`max_chroma`.

They are part of the Lab contract and defined in :mod:`core.lab`, which needs them to join L with ab;
this module only names them, so it sits above the contract and nothing imports in a circle.
"""

from core.lab import _max_chroma_table, fit_ab_to_gamut, max_chroma

__all__ = ["fit_ab_to_gamut", "max_chroma", "_max_chroma_table"]
