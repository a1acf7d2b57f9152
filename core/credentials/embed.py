"""Signing a result: its bytes (PNG, JPEG, TIFF) or its file (MP4) with a C2PA manifest, through c2pa-python.

* :class:`Source`: the file a result was made from (the parent ingredient): name, format, SHA-256, size, and,
  when it carries Content Credentials of its own, the way to read them (its path, or its bytes) so they are
  kept as the ingredient's.
* :class:`Request`: what :func:`core.outputs.encode` needs to sign one result (the :class:`Signing`, the
  source, the hints); ``problem`` says why a result was written unsigned.
* :func:`sign`, :func:`sign_file`: CredentialsError when it cannot be done (the caller keeps the result
  unsigned and says so).
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.credentials import manifest
from core.credentials.keys import CredentialsError, Signing, signer_pems

MIME = {"png": "image/png", "png16": "image/png", "tiff": "image/tiff", "jpeg": "image/jpeg", "mp4": "video/mp4"}
MAX_PARENT_BYTES = 1 << 30        # a source larger than this is named and hashed, its own credentials not read
_MARK = b"jumb"                   # the JUMBF box type every C2PA manifest store starts with
_CHUNK = 1 << 20
SETTINGS = {"builder": {"thumbnail": {"enabled": False}},     # no thumbnails: a few KB per file, not 100s
            "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}       # never the network


def sniff(head: bytes, name: str = "") -> str | None:
    """The MIME type of a file from its first bytes (its name's extension as a last resort)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    return mimetypes.guess_type(name)[0] if name else None


@dataclass(frozen=True)
class Source:
    """The source file of a result. ``path`` or ``data`` is kept only when the file seems to hold credentials
    of its own (a JUMBF box), so that they become the ingredient's; otherwise its name and hash suffice."""

    name: str
    sha256: str
    size: int
    mime: str | None = None
    path: str | None = None
    data: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_path(cls, path, name: str | None = None) -> Source:
        """Hash the file at ``path`` (read in 1 MB pieces) and note whether it carries credentials."""
        h, seen, head, size, tail = hashlib.sha256(), False, b"", 0, b""
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                if not head:
                    head = chunk[:32]
                h.update(chunk)
                seen = seen or _MARK in tail + chunk
                tail, size = chunk[-3:], size + len(chunk)
        name = name or os.path.basename(os.fspath(path))
        keep = seen and size <= MAX_PARENT_BYTES
        return cls(name, h.hexdigest(), size, sniff(head, name), os.fspath(path) if keep else None)

    @classmethod
    def of(cls, path, name: str | None = None) -> Source | None:
        """:meth:`from_path`, or None when the file cannot be read (the result is then signed without it)."""
        try:
            return cls.from_path(path, name)
        except OSError:
            return None

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Source:
        keep = _MARK in data and len(data) <= MAX_PARENT_BYTES
        return cls(name, hashlib.sha256(data).hexdigest(), len(data), sniff(data[:32], name),
                   data=bytes(data) if keep else None)

    @property
    def carries_credentials(self) -> bool:
        return self.path is not None or self.data is not None

    def stream(self):
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)


@dataclass
class Request:
    """How to sign one result in :func:`core.outputs.encode`. After it, ``problem`` is "" when the result
    was signed, else why it was written without credentials."""

    signing: Signing = field(default_factory=Signing)
    parent: Source | None = None
    hints: tuple = ()
    problem: str = ""
    signed: bool = False


def _c2pa():
    try:
        import c2pa
    except ImportError as e:          # pragma: no cover - a pinned requirement
        raise CredentialsError(f"the c2pa-python package is missing ({e}); pip install -r requirements.txt") from None
    return c2pa


def _signer(c2pa, signing: Signing):
    chain, key, alg = signer_pems(signing)
    try:
        return c2pa.Signer.from_info(c2pa.C2paSignerInfo(alg.encode(), chain, key, None))
    except c2pa.C2paError as e:
        raise CredentialsError(f"the certificate and key cannot sign: {_short(e)}") from None


def _short(e) -> str:
    text = " ".join(str(e).split())
    if "certificate is invalid" in text:
        text += (" (C2PA accepts a signing certificate issued by a certificate authority, with the digitalSignature "
                 "key usage and an extended key usage such as emailProtection or documentSigning; not a "
                 "self-signed one)")
    return text[:600]


def _builder(c2pa, context, facts, mime, parent, hints, guessed):
    definition = manifest.definition(facts, mime, parent, hints, guessed)
    if parent is not None and not parent.carries_credentials:
        definition["ingredients"] = [manifest.ingredient(parent)]
    builder = c2pa.Builder(definition, context=context)
    if parent is not None and parent.carries_credentials:
        try:
            with parent.stream() as fh:
                builder.add_ingredient_from_stream(manifest.ingredient(parent), parent.mime or "", fh)
        except (c2pa.C2paError, OSError):       # its credentials cannot be read: it is named and hashed alone
            builder.close()
            definition["ingredients"] = [{**manifest.ingredient(parent), "description":
                                          "Its own Content Credentials could not be read."}]
            builder = c2pa.Builder(definition, context=context)
    return builder


def _run(source, dest, fmt: str, facts: dict, parent: Source | None, signing: Signing | None, hints, guessed):
    c2pa = _c2pa()
    mime = MIME.get(fmt, fmt)
    signing = signing or Signing()
    if not signing.enabled:
        raise CredentialsError("signing is switched off")
    try:
        signer = _signer(c2pa, signing)
        with c2pa.Context.from_dict(SETTINGS) as context, signer:
            with _builder(c2pa, context, facts, mime, parent, tuple(hints or ()), guessed) as builder:
                builder.sign(signer, mime, source, dest)
    except c2pa.C2paError as e:
        raise CredentialsError(f"the result could not be signed: {_short(e)}") from None


def sign(data: bytes, fmt: str, facts: dict, parent: Source | None = None, signer: Signing | None = None,
         hints=(), guessed: bool = True) -> bytes:
    """``data`` (a PNG, JPEG or TIFF file's bytes; ``fmt`` one of :data:`MIME`'s keys or a MIME type) with a
    signed C2PA manifest (:mod:`core.credentials.manifest`). ``signer``: a :class:`Signing` (default: the
    key made on first use). CredentialsError when it cannot be signed."""
    out = io.BytesIO()
    _run(io.BytesIO(data), out, fmt, facts, parent, signer, hints, guessed)
    return out.getvalue()


def sign_file(path, fmt: str, facts: dict, parent: Source | None = None, signer: Signing | None = None,
              hints=(), guessed: bool = True) -> None:
    """Sign the file at ``path`` in place (an MP4: its manifest box is written into a copy, read and written a
    piece at a time, which replaces it only when whole). CredentialsError when it cannot be signed; the file
    is then as it was."""
    from core.files import temp_name

    path = Path(path)
    tmp = temp_name(path)
    try:
        with open(path, "rb") as src, open(tmp, "w+b") as dst:
            _run(src, dst, fmt, facts, parent, signer, hints, guessed)
        os.replace(tmp, path)
    except OSError as e:
        raise CredentialsError(f"cannot sign {path.name}: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)


def check(signing: Signing) -> str:
    """One line on who signs, after signing a tiny PNG with it (so a certificate C2PA refuses is found before
    any work); CredentialsError otherwise."""
    if signing.enabled:
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (1, 1)).save(buf, format="PNG")
        sign(buf.getvalue(), "png", {}, signer=signing)
    return signing.describe()


def sign_result(data: bytes, fmt: str, facts: dict, request: Request | None, guessed: bool = True) -> bytes:
    """``data`` signed as ``request`` asks (unchanged when it asks for nothing); a failure is kept in
    ``request.problem`` and the unsigned bytes are returned: a result is never lost for its credentials."""
    if request is None or not request.signing.enabled:
        return data
    try:
        signed = sign(data, fmt, facts, request.parent, request.signing, request.hints, guessed)
    except CredentialsError as e:
        request.problem, request.signed = str(e), False
        return data
    except Exception as e:  # noqa: BLE001 - whatever the library does, the result itself is kept
        request.problem, request.signed = f"the result could not be signed ({type(e).__name__}: {e})", False
        return data
    request.problem, request.signed = "", True
    return signed
