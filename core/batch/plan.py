"""Which photos a batch run does: SRC's photos, their output names, and the resume rules (README, "Colorize a
whole archive").

Output names mirror the source's relative path and keep its extension, so that no two photos share one:
``SRC/1950/a.jpg`` -> ``DST/1950/a.jpg.png`` (and ``SRC/1950/a.png`` -> ``DST/1950/a.png.png``).
In a list file, a relative line is relative to the list file's folder and mirrored as written; an absolute
line (or one that climbs out with ``..``) is mirrored whole: ``/archive/b.tif`` -> ``DST/archive/b.tif.png``.
``--format tiff`` / ``jpeg`` end the names with ``.tif`` / ``.jpg`` instead (:meth:`Settings.suffix`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath

from core.images import IMAGE_EXTS

OUTPUT_SUFFIX = ".png"


@dataclass(frozen=True)
class Settings:
    """What one DST folder is made with (model, render factor, vibrance) and whether colour photos are done."""

    model: str
    render_factor: int
    vibrance: float = 1.0
    include_colour: bool = False
    restore: bool = False            # scratches and dust repaired first (core.restore)
    format: str = "auto"             # core.outputs: auto (png16 for 16-bit photos, else png), png, png16, tiff, jpeg
    credentials: bool = True         # signed Content Credentials (core.credentials), with the key made on first use
    sign_cert: str | None = None     # ... or this certificate chain and key (PEM files)
    sign_key: str | None = None

    @property
    def signing(self):
        from core.credentials import Signing

        return Signing(self.credentials, self.sign_cert, self.sign_key)

    def describe(self) -> str:
        text = f"model {self.model}, render factor {self.render_factor}, vibrance {self.vibrance:g}"
        text += f", format {self.format}" if self.format != "auto" else ""
        return text + (", scratches and dust repaired first" if self.restore else "")

    @property
    def suffix(self) -> str:
        """The results' extension: ".png" (auto, png, png16), ".tif" or ".jpg"."""
        from core.outputs import extension

        return extension(self.format)


@dataclass(frozen=True)
class Job:
    """One photo: ``source`` (the file to read), ``key`` (its name in the manifest), ``output`` (relative to DST)."""

    source: str
    key: str
    output: str


class PlanError(ValueError):
    """SRC or DST cannot be used as given; the message says why, for the person who ran the command."""


NOT_UTF8 = ("its file name is not UTF-8 text (the manifest shows the bytes that are not as \\xNN); rename it to "
            "colorize it")


def text_name(name: str) -> str:
    """``name`` as text a manifest can hold: the bytes of a name that are not UTF-8 (from an older system,
    given by the OS as surrogate escapes) written as ``\\xff``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def name_problem(job: Job) -> str:
    """Why this photo cannot be done for its name alone ("" when it can)."""
    try:
        job.source.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UTF8
    return ""


def output_for(rel: str, suffix: str = OUTPUT_SUFFIX) -> str:
    """The output path (relative to DST, with ``/``) of a photo at relative path ``rel``."""
    return PurePath(rel).as_posix() + suffix


def _absolute_output(path: str, suffix: str = OUTPUT_SUFFIX) -> str:
    """``/archive/b.tif`` -> ``archive/b.tif.png``; ``C:\\x\\b.tif`` -> ``C/x/b.tif.png``."""
    p = PurePath(path)
    parts = list(p.parts[1:]) if p.anchor else list(p.parts)
    drive = p.drive.rstrip(":").strip("\\/").replace(":", "")
    return output_for("/".join(([drive] if drive else []) + parts), suffix)


def inside(path: str, folder: str) -> bool:
    """True when ``path`` is ``folder`` or lies under it (by absolute path)."""
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def walk_folder(src: str, dst: str, suffix: str = OUTPUT_SUFFIX) -> list[Job]:
    """Every image (by extension) under ``src``, sorted, leaving out DST (when it lies inside SRC) and
    hidden files and folders (names starting with ".", e.g. macOS ``._photo.jpg`` files)."""
    src_real, dst_real = os.path.realpath(src), os.path.realpath(dst)
    jobs = []
    for root, dirs, names in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and os.path.realpath(os.path.join(root, d)) != dst_real)
        rel_root = os.path.relpath(root, src)
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(IMAGE_EXTS):
                continue
            rel = name if rel_root == "." else os.path.join(rel_root, name)
            key = text_name(PurePath(rel).as_posix())
            jobs.append(Job(os.path.join(src_real, rel), key, output_for(key, suffix)))
    return jobs


def read_list(list_file: str, suffix: str = OUTPUT_SUFFIX) -> list[Job]:
    """The photos named in a text file, one path a line (blank lines and lines starting with # are left out;
    a photo listed twice is done once)."""
    base = os.path.dirname(os.path.abspath(list_file))
    try:
        if not stat.S_ISREG(os.stat(list_file).st_mode):        # a FIFO or a device would block or never end
            raise PlanError(f"{list_file}: not a regular file (a pipe, a device or a socket), so it is not read")
        with open(list_file, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except UnicodeDecodeError:
        raise PlanError(f"{list_file}: not a text file of paths (it is not UTF-8 text)") from None
    except OSError as e:
        raise PlanError(f"{list_file}: cannot read it ({e.strerror or e})") from None
    jobs, seen = [], set()
    for line in lines:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        norm = os.path.normpath(item)
        if os.path.isabs(norm) or norm == ".." or norm.startswith(".." + os.sep):
            source = os.path.abspath(os.path.join(base, norm))
            output = _absolute_output(source, suffix)
        else:
            source, output = os.path.join(base, norm), output_for(norm, suffix)
        if source in seen:
            continue
        seen.add(source)
        jobs.append(Job(source, item, output))
    return jobs


def find_jobs(src: str, dst: str, suffix: str = OUTPUT_SUFFIX) -> list[Job]:
    """The photos of SRC (a folder or a list file), their results ending with ``suffix``; PlanError when SRC
    or DST cannot be used."""
    if not os.path.exists(src):
        raise PlanError(f"{src}: no such file or folder")
    if os.path.isdir(src):
        if inside(os.path.realpath(src), os.path.realpath(dst)):
            raise PlanError(f"DST ({dst}) must not be SRC or a folder around it: results would mix with the "
                            "photos. Choose another DST (a folder inside SRC is fine; it is left out).")
        return walk_folder(src, dst, suffix)
    if Path(src).suffix.lower() in IMAGE_EXTS:
        raise PlanError(f"{src} is a photo; SRC is a folder or a text file listing photos "
                        "(for a few photos, use: python -m core colorize)")
    return read_list(src, suffix)
