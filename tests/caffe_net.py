"""A tiny stand-in for the Zhang et al. eccv16 Caffe release, written by the tests.

:func:`write_small_eccv16` writes the three files the eccv16 loader expects
(``colorization_deploy_v2.prototxt``, ``colorization_release_v2.caffemodel``,
``pts_in_hull.npy``) for a network with the same input and the same tail as
the release (``conv8_313`` -> ``conv8_313_rh`` Scale -> ``class8_313_rh``
Softmax -> ``class8_ab`` 1x1 convolution) but only a few small layers, so it
loads and runs in milliseconds. The binary caffemodel is a ``NetParameter``
protobuf encoded by hand below (no protobuf dependency).

Like the release, the file carries NO useful values for the two layers that
the loader must fill in itself: ``class8_ab`` is stored with all-zero weights
(the loader injects the hull points) and ``conv8_313_rh`` with a scale of 1
(the loader injects 2.606). A net whose output shows the hull points and the
2.606 scale therefore proves the injection happened.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

PROTOTXT = "colorization_deploy_v2.prototxt"
CAFFEMODEL = "colorization_release_v2.caffemodel"
HULL = "pts_in_hull.npy"

# The body of the net: (name, in channels, out channels, kernel, stride, pad). Total downsampling 4.
BODY = [
    ("bw_conv1_1", 1, 6, 3, 2, 1),
    ("conv2_1", 6, 8, 3, 2, 1),
    ("conv3_1", 8, 8, 3, 1, 1),
]


# --- protobuf wire format -------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    if n < 0:
        raise ValueError("only non-negative varints are needed here")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


def _blob_proto(arr) -> bytes:
    """BlobProto: shape (7) = BlobShape{dim (1), packed varints}; data (5), packed floats."""
    arr = np.asarray(arr, dtype=np.float32)
    shape = _length_delimited(1, b"".join(_varint(int(d)) for d in arr.shape))
    data = struct.pack(f"<{arr.size}f", *arr.ravel().tolist())
    return _length_delimited(7, shape) + _length_delimited(5, data)


def _layer_parameter(name: str, layer_type: str, blobs) -> bytes:
    """LayerParameter: name (1), type (2), blobs (7, repeated)."""
    msg = _length_delimited(1, name.encode()) + _length_delimited(2, layer_type.encode())
    for b in blobs:
        msg += _length_delimited(7, _blob_proto(b))
    return msg


def encode_caffemodel(layers) -> bytes:
    """NetParameter with one ``layer`` (field 100) per ``(name, type, [arrays])``."""
    return b"".join(_length_delimited(100, _layer_parameter(n, t, b)) for n, t, b in layers)


# --- the small net --------------------------------------------------------------------------------

def _prototxt(n_bins: int, height: int, width: int) -> str:
    parts = [
        'name: "SmallLtoAB"\n',
        'layer {\n  name: "data_l"\n  type: "Input"\n  top: "data_l"\n'
        f"  input_param {{\n    shape {{ dim: 1 dim: 1 dim: {height} dim: {width} }}\n  }}\n}}\n",
    ]
    bottom = "data_l"
    for name, _cin, cout, k, stride, pad in BODY:
        top = name.replace("bw_", "")
        parts.append(
            f'layer {{\n  name: "{name}"\n  type: "Convolution"\n  bottom: "{bottom}"\n  top: "{top}"\n'
            f"  convolution_param {{\n    num_output: {cout}\n    pad: {pad}\n    kernel_size: {k}\n"
            f"    stride: {stride}\n  }}\n}}\n"
            f'layer {{\n  name: "relu_{top}"\n  type: "ReLU"\n  bottom: "{top}"\n  top: "{top}"\n}}\n'
        )
        bottom = top
    parts.append(
        f'layer {{\n  name: "conv8_313"\n  type: "Convolution"\n  bottom: "{bottom}"\n  top: "conv8_313"\n'
        f"  convolution_param {{\n    num_output: {n_bins}\n    kernel_size: 1\n    stride: 1\n"
        "    dilation: 1\n  }\n}\n"
        'layer {\n  name: "conv8_313_rh"\n  type: "Scale"\n  bottom: "conv8_313"\n  top: "conv8_313_rh"\n'
        "  scale_param {\n    bias_term: false\n    filler { type: 'constant' value: 2.606 }\n  }\n}\n"
        'layer {\n  name: "class8_313_rh"\n  type: "Softmax"\n  bottom: "conv8_313_rh"\n'
        '  top: "class8_313_rh"\n}\n'
        'layer {\n  name: "class8_ab"\n  type: "Convolution"\n  bottom: "class8_313_rh"\n  top: "class8_ab"\n'
        "  convolution_param {\n    num_output: 2\n    kernel_size: 1\n    stride: 1\n    dilation: 1\n"
        "    bias_term: false\n  }\n}\n"
    )
    return "".join(parts)


def default_hull(n_bins: int) -> np.ndarray:
    """``n_bins`` distinct in-gamut-ish ab points (int64, n_bins x 2) on a ring of radius 20 to 30."""
    angles = np.linspace(0.0, 2 * np.pi, n_bins, endpoint=False)
    radius = np.where(np.arange(n_bins) % 2 == 0, 20.0, 30.0)
    pts = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    return np.rint(pts).astype(np.int64)


def write_small_eccv16(folder, n_bins: int = 8, seed: int = 0, *, hull=None, logits_bias=None,
                       zero_body: bool = False, height: int = 32, width: int = 32) -> Path:
    """Write a small eccv16-shaped Caffe net into ``folder`` and return the folder.

    ``hull``: the (n_bins, 2) ab points to store in ``pts_in_hull.npy`` (default :func:`default_hull`).
    ``logits_bias``: the ``conv8_313`` bias (n_bins,); with ``zero_body=True`` the ``conv8_313``
    weights are zero, so the logits are exactly this bias everywhere, whatever the input.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    hull = default_hull(n_bins) if hull is None else np.asarray(hull, np.int64)
    if hull.shape != (n_bins, 2):
        raise ValueError(f"hull must have shape ({n_bins}, 2), got {hull.shape}")

    layers = []
    for name, cin, cout, k, _stride, _pad in BODY:
        w = rng.normal(0.0, np.sqrt(2.0 / (cin * k * k)) / 8.0, (cout, cin, k, k))
        b = rng.normal(0.0, 0.1, cout)
        layers.append((name, "Convolution", [w, b]))
    cin = BODY[-1][2]
    w8 = np.zeros((n_bins, cin, 1, 1)) if zero_body else rng.normal(0.0, 4.0, (n_bins, cin, 1, 1))
    b8 = np.zeros(n_bins) if logits_bias is None else np.asarray(logits_bias, np.float64)
    layers.append(("conv8_313", "Convolution", [w8, b8]))
    layers.append(("conv8_313_rh", "Scale", [np.ones((1, n_bins))]))        # the loader sets 2.606
    layers.append(("class8_ab", "Convolution", [np.zeros((2, n_bins, 1, 1))]))  # the loader sets the hull

    (folder / PROTOTXT).write_text(_prototxt(n_bins, height, width))
    (folder / CAFFEMODEL).write_bytes(encode_caffemodel(layers))
    np.save(folder / HULL, hull)
    return folder
