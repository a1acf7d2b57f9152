"""What a result's Content Credentials say: the parent ingredient, the actions in order and our colour decisions.

The actions, in the order the work was done (C2PA action names; ours are only in ``parameters``):

1. ``c2pa.opened``: the source scan (the parent ingredient: its name, format, SHA-256 and size; its own
   credentials kept when it had any), or ``c2pa.created`` when there is no source file.
2. ``c2pa.edited``: scratches and dust repaired (the share of pixels that were filled; the strokes a person
   painted over damage, when any).
3. ``c2pa.edited`` with ``digitalSourceType`` compositeWithTrainedAlgorithmicMedia: the colours guessed by a
   neural network (model, render factor, a specialised model's facts); the lightness stays the scan's own.
4. ``c2pa.color_adjustments``: colours transferred from a reference photo; the vibrance.
5. ``c2pa.drawing`` with ``digitalSourceType`` humanEdits: colour hints a person placed.
6. ``c2pa.edited``: the visible "AI-coloured" stamp.

False colour of measured channels (``guessed=False``) says ``c2pa.created`` with dataDrivenMedia and nothing
trained. The assertion :data:`DECISIONS` lists every colour decision: each hint **documented** (with its
source) or **chosen by a person**, and the rest **guessed by the model**.
"""

from __future__ import annotations

import functools
import math

from core import metadata

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
COMPOSITE = metadata.DIGITAL_SOURCE_TYPE                 # compositeWithTrainedAlgorithmicMedia, as the XMP says
TRAINED = IPTC + "trainedAlgorithmicMedia"
DATA_DRIVEN = metadata.DATA_SOURCE_TYPE
HUMAN_EDITS = IPTC + "humanEdits"
DECISIONS = "org.colorization-studio.colour-decisions"
STEP = "org.colorization-studio.step"                     # which of our steps an action is
PARENT = "source"                                         # the parent ingredient's label in the definition
MAX_SOURCE = 500                                          # characters of a hint's source kept
DOCUMENTED, CHOSEN, GUESSED = "documented", "chosen by a person", "guessed by the model"


@functools.cache
def version() -> str:
    from importlib import metadata as importlib_metadata

    try:
        return importlib_metadata.version("colorization-studio")
    except importlib_metadata.PackageNotFoundError:
        return "0"


def agent() -> dict:
    return {"name": metadata.SOFTWARE, "version": version()}


def _number(value, digits: int = 4):
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return round(f, digits) if math.isfinite(f) else None


def hint_dict(hint) -> dict:
    """A hint (:class:`core.guide.hints.Hint` or its JSON dict) as a dict; its ``source`` kept when it has one."""
    to_dict = getattr(hint, "to_dict", None)
    d = dict(to_dict() if to_dict else hint)
    source = getattr(hint, "source", None) if to_dict else d.get("source")
    if source:
        d["source"] = str(source)[:MAX_SOURCE]
    return d


def decision(i: int, hint) -> dict:
    """One hint's entry in :data:`DECISIONS`: where (a click, or a stroke's ends and its number of points),
    the colour, the radius, and whether it is documented (with its source) or chosen by a person."""
    d = hint_dict(hint)
    out = {"hint": i, "colour": d.get("color"), "radius": d.get("radius")}
    # points as {"x", "y"}: c2pa stores a flat JSON list of numbers as bytes (floats as nothing at all)
    if "points" in d:
        pts = d["points"]
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        out["stroke"] = {"points": len(pts), "from": {"x": x0, "y": y0}, "to": {"x": x1, "y": y1}}
    else:
        out["at"] = {"x": d.get("x"), "y": d.get("y")}
    if d.get("source"):
        out.update(decision=DOCUMENTED, source=d["source"])
    else:
        out["decision"] = CHOSEN
    return out


def decisions(facts: dict, hints, guessed: bool = True) -> dict:
    """The :data:`DECISIONS` assertion: one entry per hint, the reference photo, and who chose the rest."""
    if not guessed:
        return {"summary": "false colour: each colour stands for a measured channel; nothing was guessed",
                "legend": str(facts.get("legend", ""))[:2000], "rest": "measured"}
    items = [decision(i, h) for i, h in enumerate(hints or (), 1)]
    documented = sum(1 for d in items if d["decision"] == DOCUMENTED)
    model = str(facts.get("model", "the model"))
    parts = []
    if documented:
        parts.append(f"{documented} colour{'s' if documented != 1 else ''} documented")
    if len(items) - documented:
        n = len(items) - documented
        parts.append(f"{n} colour{'s' if n != 1 else ''} chosen by a person")
    if facts.get("reference"):
        parts.append("colours taken from a reference photo")
    parts.append(f"{'the rest' if parts else 'every colour'} guessed by the model ({model})")
    out = {"summary": "; ".join(parts), "hints": items, "rest": GUESSED, "model": model}
    if facts.get("reference"):
        out["reference"] = {"decision": "taken from a reference photo",
                            "strength": _number(facts.get("reference_strength"))}
    return out


def _colour_action(facts: dict) -> dict:
    params = {STEP: "colour", "model": str(facts.get("model", ""))}
    for key in ("render_factor", "smoothing", "specialised", "kind"):
        if facts.get(key) not in (None, ""):
            params[key] = facts[key] if isinstance(facts[key], (int, float, str)) else str(facts[key])
    what = "clip" if facts.get("smoothing") else "photo"
    return {"action": "c2pa.edited", "digitalSourceType": COMPOSITE, "softwareAgent": agent(),
            "description": f"Colours guessed by a neural network ({params['model']}) from the grey {what}; the "
                           "lightness is the source's own. They are not the real colours.",
            "parameters": params}


def actions(facts: dict, parent: bool, hints=(), guessed: bool = True) -> list[dict]:
    """The actions (see the module's docstring) of a result made as ``facts`` say."""
    facts = facts or {}
    if parent:
        out = [{"action": "c2pa.opened", "softwareAgent": agent(), "parameters": {"ingredientIds": [PARENT]},
                "description": "The source file was opened."}]
    else:
        out = [{"action": "c2pa.created", "softwareAgent": agent(),
                "digitalSourceType": COMPOSITE if guessed else DATA_DRIVEN}]
    if not guessed:
        out.append({"action": "c2pa.color_adjustments", "softwareAgent": agent(), "digitalSourceType": DATA_DRIVEN,
                    "description": "False colour: each colour stands for a measured channel (see the legend); "
                                   "nothing was guessed.",
                    "parameters": {STEP: "false colour", "legend": str(facts.get("legend", ""))[:2000]}})
        return out
    if facts.get("restore"):
        share = _number(facts.get("repaired_share"), 6)
        said = f"{100 * share:.3g} % of the pixels" if share is not None else "the damaged pixels"
        marks = _number(facts.get("repair_marks"), 0)
        found = (f"found by a small learned detector or painted over by a person ({int(marks)} stroke"
                 f"{'s' if marks != 1 else ''})" if marks else "found by a small learned detector")
        out.append({"action": "c2pa.edited", "softwareAgent": agent(),
                    "description": f"Scratches and dust repaired: {said} {found} and filled from their surroundings.",
                    "parameters": {STEP: "repair", **({"share_of_pixels": share} if share is not None else {}),
                                   **({"strokes_painted_by_hand": int(marks)} if marks else {})}})
    out.append(_colour_action(facts))
    if facts.get("reference"):
        out.append({"action": "c2pa.color_adjustments", "softwareAgent": agent(),
                    "description": "Colours transferred from a reference photo chosen by a person.",
                    "parameters": {STEP: "reference", "strength": _number(facts.get("reference_strength"))}})
    vibrance = _number(facts.get("vibrance"))
    if vibrance is not None and vibrance != 1.0:
        out.append({"action": "c2pa.color_adjustments", "softwareAgent": agent(),
                    "description": f"Vibrance {vibrance:g} (1 = as guessed).",
                    "parameters": {STEP: "vibrance", "vibrance": vibrance}})
    hints = list(hints or ())
    if hints:
        documented = sum(1 for h in hints if hint_dict(h).get("source"))
        out.append({"action": "c2pa.drawing", "digitalSourceType": HUMAN_EDITS, "softwareAgent": agent(),
                    "description": f"{len(hints)} colour hint{'s' if len(hints) != 1 else ''} placed by a person "
                                   f"({documented} documented); each is spread over similar pixels nearby.",
                    "parameters": {STEP: "hints", "hints": len(hints), "documented": documented}})
    elif facts.get("hints"):
        out.append({"action": "c2pa.drawing", "digitalSourceType": HUMAN_EDITS, "softwareAgent": agent(),
                    "description": "Colour hints placed by a person.", "parameters": {STEP: "hints"}})
    if facts.get("stamp"):
        out.append({"action": "c2pa.edited", "softwareAgent": agent(),
                    "description": "A visible \"AI-coloured\" label drawn in a corner.",
                    "parameters": {STEP: "stamp"}})
    return out


def definition(facts: dict, mime: str, parent=None, hints=(), guessed: bool = True) -> dict:
    """The manifest definition for :class:`c2pa.Builder`: claim generator, title, format, the parent
    ingredient (declared here when it is not streamed), the actions and :data:`DECISIONS`."""
    facts = dict(facts or {})
    title = str(facts.get("title") or (f"{parent.name} (coloured)" if parent is not None and guessed else "result"))
    out = {"claim_generator_info": [agent()], "title": title[:200], "format": mime,
           "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": actions(facts, parent is not None,
                                                                                   hints, guessed)}},
                          {"label": DECISIONS, "data": decisions(facts, hints, guessed)}]}
    return out


def ingredient(parent) -> dict:
    """The parent ingredient's definition (name, format, relationship, SHA-256 and size in its metadata)."""
    d = {"title": parent.name[:200], "relationship": "parentOf", "label": PARENT,
         "metadata": {"org.colorization-studio.sha256": parent.sha256, "org.colorization-studio.bytes": parent.size}}
    if parent.mime:
        d["format"] = parent.mime
    return d
