"""Which photos a batch run does: SRC's photos, their output names, and the resume rules (README, "Colorize a
whole archive").

Output names follow the one rule of ``python -m core colorize`` (:func:`core.pipeline.output_name`:
``<stem>_<model>[_guided]<ext>``) in a folder tree that mirrors the source's relative path:
``SRC/1950/a.jpg`` -> ``DST/1950/a_autoencoder.png``; a second photo of the same stem in the same folder
(``SRC/1950/a.png``) gets ``a_autoencoder_1.png`` (:func:`core.batch.resume.make_plan` numbers them, never
taking a name that an earlier run's result of another photo holds).
In a list file, a relative line is relative to the list file's folder and mirrored as written; an absolute
line (or one that climbs out with ``..``) is mirrored whole: ``/archive/b.tif`` -> ``DST/archive/b_autoencoder.png``.
``--format tiff`` / ``jpeg`` end the names with ``.tif`` / ``.jpg`` instead.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath

from core.images import IMAGE_EXTS
from core.text import text_name


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

    def photo(self, uncertainty: bool = True):
        """The per-photo settings (:class:`core.pipeline.PhotoSettings`) of this DST's settings, with the
        manifest's uncertainty score."""
        from core.pipeline import PhotoSettings

        return PhotoSettings(self.model, self.render_factor, self.vibrance, restore=self.restore, format=self.format,
                             include_colour=self.include_colour, signing=self.signing if self.credentials else None,
                             uncertainty=uncertainty)

    def output(self, mirrored: str, taken=lambda name: False) -> str:
        """The result's path relative to DST of the photo whose mirrored path is ``mirrored``
        (:func:`core.pipeline.output_name`)."""
        from core.pipeline import output_name

        return output_name(mirrored, self.photo(False), taken)


@dataclass(frozen=True)
class Job:
    """One photo: ``source`` (the file to read), ``key`` (its name in the manifest), ``output`` (relative to DST)
    and ``mirrored`` (the source's path as mirrored in DST, which its output is named from)."""

    source: str
    key: str
    output: str
    mirrored: str = ""


class PlanError(ValueError):
    """SRC or DST cannot be used as given; the message says why, for the person who ran the command."""


NOT_UTF8 = ("its file name is not UTF-8 text (the manifest shows the bytes that are not as \\xNN); rename it to "
            "colorize it")


def name_problem(job: Job) -> str:
    """Why this photo cannot be done for its name alone ("" when it can)."""
    try:
        job.source.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UTF8
    return ""


def _mirror_absolute(path: str) -> str:
    """``/archive/b.tif`` -> ``archive/b.tif``; ``C:\\x\\b.tif`` -> ``C/x/b.tif``."""
    p = PurePath(path)
    parts = list(p.parts[1:]) if p.anchor else list(p.parts)
    drive = p.drive.rstrip(":").strip("\\/").replace(":", "")
    return "/".join(([drive] if drive else []) + parts)


def _job(source: str, key: str, mirrored: str, settings: Settings) -> Job:
    mirrored = PurePath(mirrored).as_posix()
    return Job(source, key, settings.output(mirrored), mirrored)


def inside(path: str, folder: str) -> bool:
    """True when ``path`` is ``folder`` or lies under it (by absolute path)."""
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def walk_folder(src: str, dst: str, settings: Settings) -> list[Job]:
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
            jobs.append(_job(os.path.join(src_real, rel), key, key, settings))
    return jobs


def read_list(list_file: str, settings: Settings) -> list[Job]:
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
            mirrored = _mirror_absolute(source)
        else:
            source, mirrored = os.path.join(base, norm), norm
        if source in seen:
            continue
        seen.add(source)
        jobs.append(_job(source, item, mirrored, settings))
    return jobs


def find_jobs(src: str, dst: str, settings: Settings) -> list[Job]:
    """The photos of SRC (a folder or a list file), their results named for ``settings`` (two photos may get
    one name here: :func:`core.batch.resume.make_plan` numbers them); PlanError when SRC or DST cannot be
    used."""
    if not os.path.exists(src):
        raise PlanError(f"{src}: no such file or folder")
    if os.path.isdir(src):
        if inside(os.path.realpath(src), os.path.realpath(dst)):
            raise PlanError(f"DST ({dst}) must not be SRC or a folder around it: results would mix with the "
                            "photos. Choose another DST (a folder inside SRC is fine; it is left out).")
        return walk_folder(src, dst, settings)
    if Path(src).suffix.lower() in IMAGE_EXTS:
        raise PlanError(f"{src} is a photo; SRC is a folder or a text file listing photos "
                        "(for a few photos, use: python -m core colorize)")
    return read_list(src, settings)
