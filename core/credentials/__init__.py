"""Content Credentials (C2PA): every result says, verifiably, what was real, what a person chose and what was guessed.

>>> from core import credentials
>>> signed = credentials.sign(png_bytes, "png", facts, parent=credentials.Source.from_path("scan.tif"))
>>> credentials.read(signed)["actions"]        # what the manifest says, and whether the file changed since
>>> print("\\n".join(credentials.describe(credentials.read("result.png"))))

* :mod:`core.credentials.keys`: who signs (:class:`Signing`; the key made on first use in the config folder).
* :mod:`core.credentials.manifest`: what the manifest says (actions, the colour decisions assertion).
* :mod:`core.credentials.embed`: :func:`sign` (bytes), :func:`sign_file` (an MP4 in place), :class:`Source`,
  :class:`Request` (what :func:`core.outputs.encode` signs with).
* :mod:`core.credentials.report`: :func:`read` and :func:`describe`.

docs/credentials.md says what they mean and how to check them with standard tools.
"""

from core.credentials.embed import Request, Source, check, sign, sign_file, sign_result
from core.credentials.keys import CredentialsError, Signing, config_folder, own_key
from core.credentials.manifest import DECISIONS
from core.credentials.report import describe, read

__all__ = ["DECISIONS", "CredentialsError", "Request", "Signing", "Source", "check", "config_folder", "describe",
           "own_key", "read", "sign", "sign_file", "sign_result"]
