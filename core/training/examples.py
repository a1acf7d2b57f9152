"""The user's colour examples for :mod:`core.training.specialise`: gathering and checking them, the
held-out split, training crops, the held-out score, and the facts a specialised model file carries."""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Callable, Sequence

import numpy as np

from core import lab

MAX_SIDE = 512               # examples are kept this small (crops are 128 px, taken at 35-100 % of the side)
MIN_SIDE = 32
MAX_EXAMPLES = 5000
HELD_OUT_SHARE = 0.2
MIN_FOR_HELD_OUT = 5         # with fewer examples, all are learned from and none is scored
MAX_HELD_OUT = 40
MIN_CROP_SHARE = 0.35        # a crop covers 35-100 % of the example's short side
KIND = "specialised"
FACTS_VERSION = 1


TONED = "it is toned"


def _kind_problem(rgb: np.ndarray) -> str | None:
    """Why an example cannot teach colour (None = it can); a toned one starts with :data:`TONED`."""
    from core.kind import classify

    if min(rgb.shape[:2]) < MIN_SIDE:
        return f"it is too small (at least {MIN_SIDE} pixels on each side)"
    k = classify(rgb)
    if k.kind == "grey":
        return "it is black-and-white: there is no colour in it to learn from"
    if k.kind == "toned":
        return f"{TONED} ({k.reason()}): one tint over the whole picture, like a sepia print"
    return None


TONED_SHARE = 0.25           # toned examples are kept when they are at least this share of the usable ones


def _keep_toned(good: list, toned: list, bad: list) -> tuple[list, list]:
    """Toned examples are left out as strays among colour ones (a sepia print in an album teaches sepia), but
    kept when they are a good share of the examples (:data:`TONED_SHARE`): a domain whose colour is often one
    tint (stained slides: about half of a set of H&E tiles reads as one purple tint) is what the user wants taught."""
    if _toned_kept(len(toned), len(good)):
        return good + [(n, a) for n, a, _ in toned], bad
    return good, bad + [(n, why) for n, _, why in toned]


def _sources(sources: Sequence) -> list:
    """Files and folders expanded to files (sorted, folders walked); (name, array) pairs kept as they are."""
    from core.images import list_images

    out = []
    for s in sources:
        if isinstance(s, tuple):
            out.append(s)
        elif os.path.isdir(s):
            out.extend(list_images([s]))
        else:
            out.append(str(s))
    return out


HINTS_SIDECARS = ("{stem}_hints.json", "{stem}.hints.json")    # the Guide page's download, and a plain name


def sidecar(path: str) -> str | None:
    """The hints file saved beside a grey photo (``photo_hints.json``, as the Guide page names its download,
    or ``photo.hints.json``), or None."""
    folder, name = os.path.split(path)
    stem = os.path.splitext(name)[0]
    for pattern in HINTS_SIDECARS:
        candidate = os.path.join(folder, pattern.format(stem=stem))
        if os.path.isfile(candidate):
            return candidate
    return None


def gather(sources: Sequence, log: Callable[[str], None] = print, fix: Callable | None = None
           ) -> tuple[list[tuple[str, np.ndarray]], list[tuple[str, str]]]:
    """(usable examples as (name, RGB uint8 shrunk to :data:`MAX_SIDE`), left out as (name, reason)).
    ``sources``: paths of files or folders, (name, RGB array) or (name, file bytes) pairs. A grey photo with a
    hints file beside it (:func:`sidecar`: an album photo fixed by hand) becomes the example ``fix(grey, hints
    file bytes)`` makes: its colours as the person guided them."""
    from core.images import ImageError, fit_within, load_image

    good, bad, toned = [], [], []
    for s in _sources(sources):
        if len(good) + len(toned) >= MAX_EXAMPLES:
            bad.append((s[0] if isinstance(s, tuple) else os.path.basename(s),
                        f"only {MAX_EXAMPLES} examples are used"))
            continue
        if isinstance(s, tuple) and isinstance(s[1], (bytes, bytearray)):
            name = s[0]
            try:
                rgb = load_image(bytes(s[1]))
            except ImageError as e:
                bad.append((name, str(e)))
                continue
            except MemoryError:
                bad.append((name, "it is too large for this computer's memory"))
                continue
        elif isinstance(s, tuple):
            name, rgb = s[0], np.asarray(s[1])
            if rgb.ndim != 3 or rgb.shape[2] < 3 or rgb.dtype != np.uint8:
                bad.append((name, "it is not an RGB picture"))
                continue
            rgb = rgb[..., :3]
        else:
            name = os.path.basename(s)
            try:
                rgb = load_image(s)
            except ImageError as e:
                bad.append((name, str(e)))
                continue
            except (OSError, MemoryError) as e:
                bad.append((name, f"it could not be read ({type(e).__name__})"))
                continue
        why = _kind_problem(rgb)
        side = sidecar(s) if isinstance(s, str) and fix is not None and why else None
        if side is not None and not why.startswith(TONED):
            try:
                with open(side, "rb") as fh:
                    rgb = fix(rgb, fh.read(1 << 22))
                name = f"{name} + {os.path.basename(side)}"
            except (OSError, ValueError) as e:               # HintError is a ValueError
                bad.append((name, f"its hints file {os.path.basename(side)} could not be used: {e}"))
                continue
            why = _kind_problem(rgb)
        if why and not why.startswith(TONED):
            bad.append((name, why))
            continue
        small = np.ascontiguousarray(fit_within(rgb, MAX_SIDE))
        if why:
            toned.append((name, small, why))
        else:
            good.append((name, small))
    if toned and _toned_kept(len(toned), len(good)):
        log(f"{len(toned)} of the {len(toned) + len(good)} examples are mostly one tint (as stained slides often "
            "are): so many that they are kept, and the model learns that tint")
    return _keep_toned(good, toned, bad)


def _toned_kept(n_toned: int, n_colour: int) -> bool:
    return n_toned > 0 and n_toned >= TONED_SHARE * (n_toned + n_colour)


MAX_ZIP_MEMBERS = 2000
MAX_ZIP_UNPACKED = 512 * 2**20


def from_zip(data: bytes, name: str = "the ZIP file") -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """The image files inside a ZIP archive as (name, bytes), and what was skipped with the reason. Nothing
    is written to disk; the number of members and the bytes they unpack to are capped before reading."""
    import io
    import zipfile

    from core.images import IMAGE_EXTS, max_bytes

    files, skipped = [], []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                return [], [(name, f"it holds {len(members)} files; at most {MAX_ZIP_MEMBERS} are read")]
            if sum(i.file_size for i in members) > MAX_ZIP_UNPACKED:
                return [], [(name, f"it would unpack to more than {MAX_ZIP_UNPACKED // 2**20} MB")]
            for info in members:
                base = os.path.basename(info.filename)
                if base.startswith(".") or not base.lower().endswith(IMAGE_EXTS):
                    continue
                if info.file_size > max_bytes():
                    skipped.append((base, "it is too large"))
                    continue
                files.append((base, zf.read(info)))
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as e:
        return [], [(name, f"it could not be read as a ZIP archive ({type(e).__name__})")]
    if not files and not skipped:
        skipped.append((name, "it holds no pictures (JPEG, PNG, TIFF, BMP, WebP or GIF)"))
    return files, skipped


def why_none(left_out: list[tuple[str, str]]) -> str:
    """The message when every example was left out: the reasons, counted."""
    reasons: dict[str, int] = {}
    for _, why in left_out:
        key = why.split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    parts = [f"{n} {'example' if n == 1 else 'examples'}: {why}" for why, n in reasons.items()]
    return "; ".join(parts) + ". Give colour photos of the kind you want coloured."


def _digest(name: str, rgb: np.ndarray) -> str:
    h = hashlib.sha256(name.encode("utf-8", "replace"))
    h.update(np.ascontiguousarray(rgb).tobytes())
    return h.hexdigest()


def split(items: list, seed: int = 0) -> tuple[list, list]:
    """(learned from, held out): with :data:`MIN_FOR_HELD_OUT` or more examples, a fifth (at most
    :data:`MAX_HELD_OUT`), chosen by a hash of each example, so the same examples split the same way."""
    if len(items) < MIN_FOR_HELD_OUT:
        return list(items), []
    k = min(MAX_HELD_OUT, max(1, round(HELD_OUT_SHARE * len(items))))
    order = sorted(range(len(items)), key=lambda i: hashlib.sha1(f"{seed}:{_digest(*items[i])}".encode()).digest())
    held = set(order[:k])
    return [it for i, it in enumerate(items) if i not in held], [it for i, it in enumerate(items) if i in held]


def crop(rgb: np.ndarray, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One augmented training crop of an example: (normalised L (size, size, 1), ab (size/4, size/4, 2) in Lab
    units). A random square window covering 35-100 % of the short side, resized to ``size``, flipped at random."""
    h, w = rgb.shape[:2]
    side = int(round(min(h, w) * rng.uniform(MIN_CROP_SHARE, 1.0)))
    side = max(8, min(side, h, w))
    y, x = int(rng.integers(h - side + 1)), int(rng.integers(w - side + 1))
    win = rgb[y:y + side, x:x + side]
    if rng.random() < 0.5:
        win = win[:, ::-1]
    win = lab.resize_rgb(np.ascontiguousarray(win), size, size)
    full = lab.rgb_to_lab(win)
    ab = lab.resize_ab(full[..., 1:], size // 4, size // 4)
    return lab.normalize_l(full[..., 0])[..., None].astype(np.float32), ab


def base_path(base=None) -> str:
    from core import weights

    return str(base) if base else str(weights.autoencoder_path())


def scoring_seconds(n_held: int) -> float:
    """Time kept for choosing the decoding (:func:`tune_decoding`) and scoring the held-out examples (two
    models, about 0.3 s each on 2 cores)."""
    return 15.0 + 0.6 * n_held


PREVIEWS = 4                 # held-out examples kept as pictures (the app's before/after)
PREVIEW_SIDE = 320


def score(held: list, general, mine, log: Callable[[str], None] = print) -> tuple[dict, list]:
    """The evaluation protocol's ΔE2000 and colourfulness ratio on the held-out examples made grey: no
    colour, the general model and the specialised one; and the first few as pictures (name, the colour
    original, the general model's, the specialised model's), shrunk."""
    from core.images import fit_within
    from core.metrics import compare

    rows: dict[str, list[dict]] = {"grey": [], "general": [], "specialised": []}
    previews = []
    for name, ref in held:
        grey = lab.to_grey_rgb(ref)
        theirs, ours = general.colorize(grey), mine.colorize(grey)
        rows["grey"].append(compare(ref, grey))
        rows["general"].append(compare(ref, theirs))
        rows["specialised"].append(compare(ref, ours))
        if len(previews) < PREVIEWS:
            previews.append((name, *(fit_within(x, PREVIEW_SIDE) for x in (ref, theirs, ours))))
    out = {k: {"delta_e2000": round(float(np.mean([r["delta_e2000"] for r in v])), 3),
               "colourfulness": round(float(np.mean([r["colorfulness_ratio"] for r in v])), 3)}
           for k, v in rows.items()}
    log("held out: " + ", ".join(f"{k} ΔE2000 {v['delta_e2000']:.2f}" for k, v in out.items()))
    return out, previews


TEMPERATURES = (0.5, 0.75, 1.0)     # the decodings tried on the learned-from examples (T, chroma gain)
CHROMA_GAINS = (1.0, 1.2, 1.42)
TUNE_EXAMPLES = 8
COLOURFUL_ENOUGH = (0.85, 1.15)     # a decoding's colourfulness ratio must be within this to be chosen


def tune_decoding(col, learned: list, log: Callable[[str], None] = print) -> dict:
    """Choose the annealed mean's temperature and chroma gain for a specialised model on (at most
    :data:`TUNE_EXAMPLES` of) the examples it learned from, never the held-out ones: the lowest ΔE2000 among
    the decodings whose colourfulness is as the examples' (:data:`COLOURFUL_ENOUGH`), else the closest in
    colourfulness. The general model's gain (1.42) lifts the greyish mean of everyday photos; a domain's
    colours are far less ambiguous, and it over-saturates them (H&E slides: colourfulness 1.7 x)."""
    from core.metrics import colorfulness, delta_e2000

    refs = [rgb for _, rgb in learned[:TUNE_EXAMPLES]]
    greys = [lab.to_grey_rgb(r) for r in refs]
    rows = []
    for g in CHROMA_GAINS:                  # the gain is a constant of the graph: traced again once per gain
        for t in TEMPERATURES:
            col.set_decoding(temperature=t, chroma_gain=g)
            outs = [col.colorize(x) for x in greys]
            de = float(np.mean([delta_e2000(r, o) for r, o in zip(refs, outs, strict=True)]))
            cf = float(np.mean([colorfulness(o) / max(colorfulness(r), 1e-6) for r, o in zip(refs, outs, strict=True)]))
            rows.append((t, g, de, cf))
    log("decodings tried (T, gain: ΔE2000, colourfulness): "
        + "; ".join(f"{t:g}, {g:g}: {de:.2f}, {cf:.2f}" for t, g, de, cf in rows))
    lo, hi = COLOURFUL_ENOUGH
    fits = [r for r in rows if lo <= r[3] <= hi]
    t, g, de, cf = min(fits, key=lambda r: r[2]) if fits else min(rows, key=lambda r: abs(np.log(max(r[3], 1e-6))))
    col.set_decoding(temperature=t, chroma_gain=g)
    log(f"decoding: temperature {t:g}, chroma gain {g:g} (on {len(refs)} learned-from examples: ΔE2000 {de:.2f}, "
        f"colourfulness {cf:.2f})")
    return {"temperature": t, "chroma_gain": g}


def facts(items: list, n_held: int, scores: dict, seconds: float, crops: int, passes: int, base: str,
          decoding: dict | None = None) -> dict:
    """What a specialised model file carries about how it was made."""
    names = hashlib.sha256("\n".join(sorted(_digest(n, a) for n, a in items)).encode()).hexdigest()
    return {"kind": KIND, "version": FACTS_VERSION, "examples": len(items), "held_out": n_held,
            "examples_sha256": names,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(float(seconds), 1), "crops": int(crops), "passes": int(passes),
            "base": os.path.basename(base), "decoding": decoding or {}, "scores": scores}


def info_of(facts_: dict) -> dict:
    """The model file's info member (:mod:`core.training.modelfile`) for ``facts_``."""
    return {KIND: facts_}


def facts_of(info: dict | None) -> dict | None:
    """The facts of a specialised model from its file's info member (None for any other model)."""
    f = (info or {}).get(KIND) if isinstance(info, dict) else None
    return f if isinstance(f, dict) and f.get("kind") == KIND else None


def summary(f: dict) -> str:
    """One line: what it learned from, how long, and the held-out scores when there are any."""
    n, k = int(f.get("examples", 0)), int(f.get("held_out", 0))
    head = (f"specialised on {n} example{'s' if n != 1 else ''} ({f.get('examples_sha256', '')[:8]}) in "
            f"{float(f.get('seconds', 0)):.0f} s, {str(f.get('date', ''))[:10]}")
    s = f.get("scores") or {}
    try:
        de = {m: float(s[m]["delta_e2000"]) for m in ("specialised", "general", "grey")}
    except (KeyError, TypeError, ValueError):
        return head + (f"; not scored (fewer than {MIN_FOR_HELD_OUT} examples: all were learned from)"
                       if n < MIN_FOR_HELD_OUT else "; not scored (none was held out)")
    return (head + f"; on {k} held-out example{'s' if k != 1 else ''} ΔE2000 {de['specialised']:.1f} "
            f"(general model {de['general']:.1f}, no colour {de['grey']:.1f}; lower is better)")
