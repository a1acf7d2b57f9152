"""Reading Content Credentials back: what a file's C2PA manifest says, and whether the file was changed after it
was signed, as a plain dict (:func:`read`) and as lines for people (:func:`describe`).

Hostile files are read within limits: at most :data:`MAX_READ_BYTES` of file, a manifest store whose JSON is
at most :data:`MAX_JSON_CHARS`, and at most :data:`MAX_ITEMS` actions, ingredients and hints shown, each text
cut to :data:`MAX_TEXT` characters; anything else is a message, never an exception.
"""

from __future__ import annotations

import io
import json
import os

from core.credentials import manifest
from core.credentials.embed import SETTINGS, sniff
from core.credentials.keys import own_serial

MAX_READ_BYTES = 1 << 30
MAX_JSON_CHARS = 16 << 20
MAX_ITEMS = 50
MAX_TEXT = 300
CHANGED = ("mismatch", "claimSignature.missing", "assertion.missing")      # failure codes of a changed file
STATES = {"Trusted": "valid and trusted", "Valid": "valid (signed; the signer is not on a trust list)",
          "Invalid": "INVALID"}


def _text(value, limit: int = MAX_TEXT) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _codes(results: dict | None, kind: str) -> list[str]:
    found = (results or {}).get("activeManifest", {}) if isinstance(results, dict) else {}
    items = found.get(kind, []) if isinstance(found, dict) else []
    return [_text(i.get("code", "")) for i in items[:MAX_ITEMS] if isinstance(i, dict)]


def _action(a: dict) -> dict:
    params = a.get("parameters") if isinstance(a.get("parameters"), dict) else {}
    out = {"action": _text(a.get("action", "")), "description": _text(a.get("description", ""))}
    if a.get("digitalSourceType"):
        out["digital_source_type"] = _text(a["digitalSourceType"]).rsplit("/", 1)[-1]
    kept = {k: _text(v, 80) for k, v in list(params.items())[:12] if k not in ("ingredients", "ingredientIds")}
    if kept:
        out["parameters"] = kept
    return out


def _ingredient(i: dict) -> dict:
    meta = i.get("metadata") if isinstance(i.get("metadata"), dict) else {}
    out = {"title": _text(i.get("title", "")), "format": _text(i.get("format", "")),
           "relationship": _text(i.get("relationship", ""))}
    if meta.get("org.colorization-studio.sha256"):
        out["sha256"] = _text(meta["org.colorization-studio.sha256"], 64)
    if i.get("active_manifest"):
        results = i.get("validation_results") if isinstance(i.get("validation_results"), dict) else None
        failures = _codes(results, "failure")
        out["credentials"] = ("its own, " + ("valid" if not [c for c in failures if "untrusted" not in c]
                                             else "invalid: " + ", ".join(failures[:5])))
    return out


def _source(path_or_bytes) -> tuple[bytes | None, str, str | None]:
    """(the bytes, the name, a problem) of what to read."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
        if len(data) > MAX_READ_BYTES:
            return None, "", f"too large to read (over {MAX_READ_BYTES >> 20} MB)"
        return data, "", None
    try:
        size = os.stat(path_or_bytes).st_size
        if size > MAX_READ_BYTES:
            return None, str(path_or_bytes), f"too large to read (over {MAX_READ_BYTES >> 20} MB)"
        with open(path_or_bytes, "rb") as fh:
            return fh.read(), os.path.basename(os.fspath(path_or_bytes)), None
    except OSError as e:
        return None, str(path_or_bytes), f"cannot read it: {e.strerror or e}"


def read(path_or_bytes, trust: bytes | None = None) -> dict:
    """What the file's Content Credentials say. Keys: ``credentials`` (True / False: none / None: unreadable),
    ``message``; with credentials: ``state`` ("Trusted", "Valid", "Invalid"), ``valid``, ``trusted``,
    ``changed`` (changed after signing), ``failures``, ``signer`` ({issuer, common_name, algorithm, time,
    this_computer}), ``generator``, ``title``, ``actions``, ``source_types`` (the IPTC digital source types
    its actions name), ``decisions`` (ours), ``ingredients``, ``manifests`` (how many in the file's history).
    ``trust``: PEM certificates of CAs to trust (an institution's root, or this computer's own CA: ``ca.pem`` of
    the key folder); a file they vouch for is "Trusted"."""
    data, name, problem = _source(path_or_bytes)
    if problem:
        return {"credentials": None, "message": problem}
    import c2pa

    mime = sniff(data[:32], name)
    try:
        settings = {**SETTINGS, "trust": {"user_anchors": trust.decode("ascii", "replace")}} if trust else SETTINGS
        with c2pa.Context.from_dict(settings) as context:
            reader = c2pa.Reader.try_create(mime or "", io.BytesIO(data), None, context)
            if reader is None:
                return {"credentials": False, "message": "no Content Credentials"}
            with reader:
                text = reader.json()
                if len(text) > MAX_JSON_CHARS:
                    return {"credentials": None, "message": f"too large to show (over {MAX_JSON_CHARS >> 20} MB)"}
                store = json.loads(text)
                state = reader.get_validation_state() or "Invalid"
    except (c2pa.C2paError, ValueError, RecursionError) as e:
        if "ManifestNotFound" in type(e).__name__ or "no JUMBF" in str(e):
            return {"credentials": False, "message": "no Content Credentials"}
        return {"credentials": None, "message": f"unreadable ({_text(str(e), 200)})"}
    return _summary(store, state)


def _summary(store: dict, state: str) -> dict:
    manifests = store.get("manifests") if isinstance(store.get("manifests"), dict) else {}
    active = manifests.get(store.get("active_manifest"), {}) if isinstance(manifests, dict) else {}
    results = store.get("validation_results")
    failures = _codes(results, "failure")
    assertions = [a for a in active.get("assertions", []) if isinstance(a, dict)][:MAX_ITEMS * 4]
    actions = []
    for a in assertions:
        if str(a.get("label", "")).startswith("c2pa.actions"):
            data = a.get("data") if isinstance(a.get("data"), dict) else {}
            actions += [_action(x) for x in data.get("actions", [])[:MAX_ITEMS] if isinstance(x, dict)]
    ours = next((a.get("data") for a in assertions if a.get("label") == manifest.DECISIONS), None)
    sig = active.get("signature_info") if isinstance(active.get("signature_info"), dict) else {}
    serial = own_serial()
    gen = active.get("claim_generator_info")
    gen = gen[0] if isinstance(gen, list) and gen and isinstance(gen[0], dict) else {}
    return {
        "credentials": True, "state": state, "valid": state in ("Valid", "Trusted"), "trusted": state == "Trusted",
        "changed": any(k in c for c in failures for k in CHANGED), "failures": failures,
        "message": STATES.get(state, state),
        "signer": {"issuer": _text(sig.get("issuer", "")), "common_name": _text(sig.get("common_name", "")),
                   "algorithm": _text(sig.get("alg", "")), "time": _text(sig.get("time", "")),
                   "this_computer": serial is not None and str(sig.get("cert_serial_number", "")) == str(serial)},
        "generator": _text(" ".join(str(gen.get(k, "")) for k in ("name", "version")).strip()),
        "title": _text(active.get("title", "")),
        "actions": actions[:MAX_ITEMS],
        "source_types": sorted({a["digital_source_type"] for a in actions if a.get("digital_source_type")}),
        "decisions": _decisions(ours),
        "ingredients": [_ingredient(i) for i in active.get("ingredients", [])[:MAX_ITEMS] if isinstance(i, dict)],
        "manifests": len(manifests),
    }


def _decisions(data) -> dict | None:
    if not isinstance(data, dict):
        return None
    hints = [h for h in data.get("hints", []) if isinstance(h, dict)] if isinstance(data.get("hints"), list) else []
    return {"summary": _text(data.get("summary", "")), "rest": _text(data.get("rest", "")),
            "hints": [{"hint": h.get("hint"), "colour": _text(h.get("colour", ""), 16),
                       "decision": _text(h.get("decision", ""), 40), "source": _text(h.get("source", ""))}
                      for h in hints[:MAX_ITEMS]], "hints_total": len(hints)}


def describe(report: dict) -> list[str]:
    """The report as lines for a terminal or a page (plain text; names and texts are the file's own)."""
    if not report.get("credentials"):
        return [f"Content Credentials: {report.get('message', 'none')}"]
    s = report["signer"]
    lines = [f"Content Credentials: {report['message']}"]
    if report["changed"]:
        lines.append("  CHANGED after signing: the file's content no longer matches its signed hash")
    elif report["failures"] and not report["valid"]:
        lines.append(f"  problems: {', '.join(report['failures'][:8])}")
    who = "the key made on this computer" if s["this_computer"] else s["issuer"] or "unknown"
    lines.append(f"  signed by: {s['common_name']} ({who}), {s['algorithm']}{', ' + s['time'] if s['time'] else ''}")
    if report["generator"]:
        lines.append(f"  made with: {report['generator']}")
    for i in report["ingredients"]:
        extra = f", sha256 {i['sha256'][:16]}…" if i.get("sha256") else ""
        extra += f", {i['credentials']}" if i.get("credentials") else ""
        lines.append(f"  from: {i['title']} ({i['relationship']}{extra})")
    for n, a in enumerate(report["actions"], 1):
        dst = f" [{a['digital_source_type']}]" if a.get("digital_source_type") else ""
        lines.append(f"  {n}. {a['action']}{dst}: {a['description']}".rstrip(": "))
    d = report.get("decisions")
    if d and (d["summary"] or d["hints"]):
        lines.append(f"  colour decisions: {d['summary']}")
        for h in d["hints"]:
            src = f" - source: {h['source']}" if h["source"] else ""
            lines.append(f"    hint {h['hint']} {h['colour']}: {h['decision']}{src}")
        if d["hints_total"] > len(d["hints"]):
            lines.append(f"    … and {d['hints_total'] - len(d['hints'])} more hints")
    if report["manifests"] > 1:
        lines.append(f"  history: {report['manifests']} manifests (the source's own credentials included)")
    return lines
