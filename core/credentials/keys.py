"""Who signs: the key and certificate made on first use in the user's config folder, or an institution's own.

* :func:`config_folder`: ``COLORIZER_CONFIG``, else ``$XDG_CONFIG_HOME/colorization-studio``, else
  ``~/.config/colorization-studio``; the keys live in its ``credentials/`` folder.
* :func:`own_key`: that folder's certificate chain and private key, made on first use: a small certificate
  authority (CA) and a signing certificate it issued (ES256, P-256). C2PA refuses a self-signed signing
  certificate, so the signer is issued by a CA: ``digitalSignature`` key usage and the ``emailProtection``
  extended key usage, as the C2PA specification asks of a signer. Remade when it has expired.
* :class:`Signing`: how results are signed (on or off, whose certificate), from the command line's
  ``--sign-cert/--sign-key/--no-credentials`` or the app's ``STUDIO_SIGN_CERT``, ``STUDIO_SIGN_KEY`` and
  ``STUDIO_CREDENTIALS=off``; picklable, so batch workers get it as it is.
* :func:`signer_pems`: the PEM chain, PEM key and C2PA algorithm of a :class:`Signing`, checked (the key must
  belong to the certificate) and cached per file version.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

FOLDER = "credentials"
CHAIN_FILE, KEY_FILE, CA_FILE = "signer-chain.pem", "signer-key.pem", "ca.pem"
MAX_PEM_BYTES = 1 << 20               # a certificate chain or key file larger than this is refused
CA_YEARS, SIGNER_YEARS = 20, 10
ENV_CERT, ENV_KEY, ENV_SWITCH = "STUDIO_SIGN_CERT", "STUDIO_SIGN_KEY", "STUDIO_CREDENTIALS"
OFF = ("0", "off", "no", "false")
README = """These files sign the results of Colorization Studio with Content Credentials (C2PA).

signer-chain.pem  the signing certificate and the certificate authority that issued it (made here, on
                  first use: a verifier calls such credentials valid but untrusted, as no public
                  authority vouches for them)
signer-key.pem    the private key (keep it to yourself; whoever has it can sign as you)
ca.pem            the certificate authority alone: give it to a checker as a trust anchor
                  (python -m core credentials --trust ca.pem FILE, c2patool FILE trust --trust_anchors ca.pem)

Delete this folder to make a new key. To sign with your institution's certificate instead, give
--sign-cert CHAIN.pem --sign-key KEY.pem (or the app's STUDIO_SIGN_CERT / STUDIO_SIGN_KEY).
"""


class CredentialsError(RuntimeError):
    """Signing or reading credentials failed; the message says why, in plain words."""


def config_folder() -> Path:
    """The user's config folder of this program (not created here)."""
    configured = os.environ.get("COLORIZER_CONFIG")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "colorization-studio"


@dataclass(frozen=True)
class Signing:
    """Whether and with which certificate results are signed. ``cert`` and ``key``: PEM files (a chain: the
    signing certificate first, then the CAs that issued it); None: the key made on first use (:func:`own_key`)."""

    enabled: bool = True
    cert: str | None = None
    key: str | None = None

    @classmethod
    def from_env(cls) -> Signing:
        """The app's setting: ``STUDIO_CREDENTIALS=off`` signs nothing; ``STUDIO_SIGN_CERT`` and
        ``STUDIO_SIGN_KEY`` name an institution's certificate chain and key."""
        if os.environ.get(ENV_SWITCH, "").strip().lower() in OFF:
            return cls(False)
        return cls(True, os.environ.get(ENV_CERT) or None, os.environ.get(ENV_KEY) or None)

    @classmethod
    def from_options(cls, no_credentials: bool = False, cert: str | None = None, key: str | None = None) -> Signing:
        """The command line's ``--no-credentials``, ``--sign-cert``, ``--sign-key`` (each falls back to the
        environment of :meth:`from_env`)."""
        env = cls.from_env()
        if no_credentials:
            return cls(False)
        if cert or key:
            return cls(True, cert, key)
        return env

    def describe(self) -> str:
        """Load (and on first use make) the key; return one line on who signs. CredentialsError when the files
        cannot be used (:func:`core.credentials.check` also tries them)."""
        if not self.enabled:
            return "no Content Credentials (--no-credentials)"
        chain, _, alg = signer_pems(self)
        who = _subject(chain)
        return f"signed with {'your own certificate' if self.cert else 'the key made on this computer'} ({who}, {alg})"


def _folder_files(folder: Path) -> tuple[Path, Path]:
    return folder / CHAIN_FILE, folder / KEY_FILE


def own_key(folder: Path | None = None) -> tuple[Path, Path]:
    """(chain, key) of this user's own signer, made on first use in ``config_folder()/credentials`` (the key
    readable by the user alone). Several processes may start at once: each makes a candidate folder and
    renames it into place; the first one wins, the others use it. A key that has expired is moved aside to
    ``credentials.expired-<date>`` and a new one made."""
    folder = Path(folder) if folder else config_folder() / FOLDER
    chain, key = _folder_files(folder)
    if chain.is_file() and key.is_file():
        if not _expired(chain.read_bytes()):
            return chain, key
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        try:
            os.replace(folder, folder.with_name(f"{folder.name}.expired-{stamp}"))
        except OSError as e:
            raise CredentialsError(f"cannot renew the expired key in {folder}: {e.strerror or e}") from None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.part")
        tmp.mkdir(mode=0o700)
        try:
            _write_new_key(tmp)
            try:
                os.rename(tmp, folder)             # fails when another process was first: its key is used
            except OSError:
                if not (chain.is_file() and key.is_file()):
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as e:
        raise CredentialsError(f"cannot make a signing key in {folder}: {e.strerror or e}") from None
    return chain, key


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Colorization Studio user (self-issued)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_new_key(folder: Path) -> None:
    """A CA and a signer it issued, into ``folder``. The names hold a random id, nothing about the user or
    the computer (they travel inside every signed file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ident = secrets.token_hex(4)
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)     # a clock a little behind still accepts it
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    usage = {k: False for k in ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                                "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")}

    def cert(subject, issuer, public, signer_key, years, ca: bool):
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public)
             .serial_number(x509.random_serial_number()).not_valid_before(now)
             .not_valid_after(now + dt.timedelta(days=365 * years))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
             .add_extension(x509.KeyUsage(**{**usage, **({"key_cert_sign": True, "crl_sign": True} if ca else
                                                         {"digital_signature": True})}), critical=True)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
        if not ca:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        return b.sign(ca_key, hashes.SHA256())

    ca = cert(_name(f"Colorization Studio CA {ident}"), _name(f"Colorization Studio CA {ident}"),
              ca_key.public_key(), ca_key, CA_YEARS, True)
    leaf = cert(_name(f"Colorization Studio signer {ident}"), ca.subject, key.public_key(), ca_key, SIGNER_YEARS, False)
    pem = serialization.Encoding.PEM
    chain, key_file = _folder_files(folder)
    chain.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / CA_FILE).write_bytes(ca.public_bytes(pem))
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "README.txt").write_text(README, encoding="utf-8")


def _certs(chain: bytes) -> list:
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(chain)
    except ValueError as e:
        raise CredentialsError(f"the certificate file is not a PEM certificate chain ({e})") from None
    return certs


def _expired(chain: bytes) -> bool:
    try:
        leaf = _certs(chain)[0]
    except (CredentialsError, IndexError):
        return True
    return leaf.not_valid_after_utc <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)


def _subject(chain: bytes) -> str:
    from cryptography.x509.oid import NameOID

    leaf = _certs(chain)[0]
    names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else leaf.subject.rfc4514_string()


def _read_pem(path: str | os.PathLike, what: str) -> bytes:
    p = Path(path)
    try:
        if not p.is_file():
            raise CredentialsError(f"{what} {p}: no such file")
        if p.stat().st_size > MAX_PEM_BYTES:
            raise CredentialsError(f"{what} {p}: too large to be a PEM file")
        return p.read_bytes()
    except OSError as e:
        raise CredentialsError(f"{what} {p}: cannot read it ({e.strerror or e})") from None


def _algorithm(private_key) -> str:
    """The C2PA signing algorithm of a private key (ES256/384/512, Ed25519, PS256 for RSA)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        alg = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(private_key.curve.name)
        if alg:
            return alg
        raise CredentialsError(f"the key's curve {private_key.curve.name} cannot sign C2PA (use P-256, P-384 or P-521)")
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "ps256"
    raise CredentialsError(f"a {type(private_key).__name__} cannot sign C2PA (use an EC, Ed25519 or RSA key)")


@functools.lru_cache(maxsize=8)
def _loaded(cert: str, key: str, stamp: tuple) -> tuple[bytes, bytes, str]:
    from cryptography.hazmat.primitives import serialization

    chain, key_pem = _read_pem(cert, "the certificate"), _read_pem(key, "the key")
    certs = _certs(chain)
    if not certs:
        raise CredentialsError(f"the certificate {cert}: holds no certificate")
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as e:
        raise CredentialsError(f"the key {key}: not an unencrypted PEM private key ({e})") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if private.public_key().public_bytes(der, public) != certs[0].public_key().public_bytes(der, public):
        raise CredentialsError(f"the key {key} does not belong to the first certificate of {cert}")
    pkcs8 = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    return chain, pkcs8, _algorithm(private)


def signer_pems(signing: Signing) -> tuple[bytes, bytes, str]:
    """(PEM chain, PEM PKCS#8 key, C2PA algorithm name) of ``signing``; the own key is made on first use."""
    if bool(signing.cert) != bool(signing.key):
        raise CredentialsError("give both a certificate (--sign-cert) and its key (--sign-key), or neither")
    cert, key = (signing.cert, signing.key) if signing.cert else own_key()
    stamp = tuple(_version(p) for p in (cert, key))
    return _loaded(str(cert), str(key), stamp)


def _version(path) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def own_serial() -> int | None:
    """The serial number of this computer's own signing certificate (None when none was made yet)."""
    chain = (config_folder() / FOLDER / CHAIN_FILE)
    try:
        return _certs(chain.read_bytes())[0].serial_number if chain.is_file() else None
    except (OSError, CredentialsError, IndexError):
        return None
