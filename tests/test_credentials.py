"""Content Credentials (issue 32): every output kind read back with c2pa.Reader (the actions and the colour
decisions are there), a changed pixel is a hash mismatch, the key persists between runs, a custom certificate is
used when given, --no-credentials writes none, a signing failure keeps the result, hostile manifests are read
within limits. The app's downloads: tests/test_app_credentials.py."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import threading
import zlib
from pathlib import Path

import c2pa
import numpy as np
import pytest

from core import credentials, outputs
from core.credentials import keys, manifest
from core.credentials.embed import SETTINGS
from core.guide import Hint

FACTS = {"model": "autoencoder", "render_factor": 12, "restore": True, "repaired_share": 0.0125, "vibrance": 1.25,
         "reference": True, "reference_strength": 0.6, "stamp": True}
HINTS = (Hint(((3.0, 4.0),), (200, 30, 20), 3.0, "Regimental archive, uniform pattern 1911, plate 4"),
         Hint(((1.0, 2.0), (5.0, 6.0)), (20, 90, 200), 2.0))
TRAINED = "trainedAlgorithmicMedia"


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch) -> Path:
    """Each test its own config folder (so its own key made on first use)."""
    monkeypatch.setenv("COLORIZER_CONFIG", str(tmp_path / "config"))
    for name in (keys.ENV_CERT, keys.ENV_KEY, keys.ENV_SWITCH):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "config"


def picture(h=48, w=64, bits=8) -> np.ndarray:
    rgb = (np.random.default_rng(0).random((h, w, 3)) * 255).astype(np.uint8)
    return outputs.to_bits(rgb, 16) if bits == 16 else rgb


def c2pa_read(data: bytes, mime: str) -> tuple[dict, str, list[str]]:
    """(the active manifest, the validation state, the failure codes), straight from c2pa.Reader."""
    with c2pa.Context.from_dict(SETTINGS) as ctx, c2pa.Reader(mime, io.BytesIO(data), None, ctx) as r:
        store = json.loads(r.json())
        codes = [f["code"] for f in r.get_validation_results()["activeManifest"].get("failure", [])]
        return store["manifests"][store["active_manifest"]], r.get_validation_state(), codes


def assertion(active: dict, label: str):
    return next(a["data"] for a in active["assertions"] if a["label"] == label)


@pytest.fixture
def source(tmp_path) -> credentials.Source:
    path = tmp_path / "scan.png"
    path.write_bytes(outputs.encode(picture(), "png"))
    return credentials.Source.from_path(path)


@pytest.mark.parametrize("fmt, bits", [("png", 8), ("png16", 16), ("tiff", 8), ("tiff", 16), ("jpeg", 8)])
def test_every_image_format_carries_the_actions_and_the_colour_decisions(fmt, bits, source):
    request = credentials.Request(credentials.Signing(), source, HINTS)
    data = outputs.encode(picture(bits=bits), fmt, facts=FACTS, credentials=request)
    assert request.signed and request.problem == ""
    active, state, failures = c2pa_read(data, outputs.MIME[fmt])
    assert state == "Valid" and failures == ["signingCredential.untrusted"]           # the key made here
    actions = assertion(active, "c2pa.actions.v2")["actions"]
    steps = [a.get("parameters", {}).get(manifest.STEP) for a in actions]
    assert [a["action"] for a in actions][0] == "c2pa.opened"
    assert steps[1:] == ["repair", "colour", "reference", "vibrance", "hints", "stamp"]
    colour = actions[2]
    assert colour["digitalSourceType"].endswith("compositeWithTrainedAlgorithmicMedia")
    assert colour["parameters"]["model"] == "autoencoder" and colour["parameters"]["render_factor"] == 12
    assert actions[1]["parameters"]["share_of_pixels"] == 0.0125
    [parent] = active["ingredients"]
    assert parent["relationship"] == "parentOf" and parent["title"] == "scan.png"
    assert parent["metadata"]["org.colorization-studio.sha256"] == source.sha256
    ours = assertion(active, manifest.DECISIONS)
    assert [h["decision"] for h in ours["hints"]] == ["documented", "chosen by a person"]
    assert ours["hints"][0]["source"] == HINTS[0].source and ours["rest"] == "guessed by the model"
    assert ours["hints"][0]["at"] == {"x": 3.0, "y": 4.0}                   # where: kept as numbers
    assert ours["hints"][1]["stroke"] == {"points": 2, "from": {"x": 1.0, "y": 2.0}, "to": {"x": 5.0, "y": 6.0}}
    assert ours["summary"].startswith("1 colour documented; 1 colour chosen by a person")
    # the XMP mark and the facts are still there after signing
    from PIL import Image

    from core.metadata import read_xmp_facts

    with Image.open(io.BytesIO(data)) as img:
        xmp = img.info.get("xmp") or img.tag_v2.get(700)
        assert read_xmp_facts(xmp)["model"] == "autoencoder"
        assert np.asarray(img).shape[:2] == (48, 64)


def _png_chunks(data: bytes):
    pos, out = 8, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        out.append((kind, data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def test_a_changed_pixel_is_a_hash_mismatch():
    data = credentials.sign(outputs.encode(picture(), "png"), "png", FACTS)
    assert credentials.read(data)["valid"]
    chunks = _png_chunks(data)
    raw = bytearray(zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT")))
    raw[1 + 3 * 10] ^= 0x40                                   # row 0, pixel 10, red (after the filter byte)
    kept = [c for c in chunks if c[0] not in (b"IDAT", b"IEND")]
    changed = b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(k, b) for k, b in kept) + \
        _chunk(b"IDAT", zlib.compress(bytes(raw))) + _chunk(b"IEND", b"")
    from PIL import Image

    assert (np.asarray(Image.open(io.BytesIO(changed))) != picture()).sum() >= 1      # a real pixel changed
    report = credentials.read(changed)
    assert report["credentials"] and not report["valid"] and report["changed"]
    assert "assertion.dataHash.mismatch" in report["failures"]
    assert "CHANGED after signing" in "\n".join(credentials.describe(report))


@pytest.mark.parametrize("fmt", ["jpeg", "tiff"])
def test_a_changed_byte_of_the_picture_is_a_hash_mismatch(fmt):
    data = bytearray(outputs.encode(picture(), fmt, facts=FACTS, credentials=credentials.Request()))
    if fmt == "tiff":
        import tifffile

        with tifffile.TiffFile(io.BytesIO(bytes(data))) as tif:
            at = tif.pages[0].dataoffsets[0] + tif.pages[0].databytecounts[0] // 2       # the middle of a strip
    else:
        at = data.rindex(b"\xff\xd9") - 100                     # in the entropy-coded scan, before its end
    data[at] ^= 0x01
    report = credentials.read(bytes(data))
    assert report["changed"] and not report["valid"], report["failures"]


def test_the_key_is_made_once_and_persists_between_runs(config, cli):
    chain, key = credentials.own_key()
    assert chain.parent == config / "credentials" and oct(key.stat().st_mode & 0o777) == "0o600"
    first = chain.read_bytes()
    one = credentials.read(credentials.sign(outputs.encode(picture(), "png"), "png", FACTS))
    r = cli(["credentials", "--key"])                         # another run: the same files, the same signer
    assert r.returncode == 0 and str(chain) in r.stdout, r.stderr
    assert chain.read_bytes() == first
    two = credentials.read(credentials.sign(outputs.encode(picture(), "png"), "png", FACTS))
    assert one["signer"] == two["signer"] and two["signer"]["this_computer"]
    assert "Colorization Studio signer" in two["signer"]["common_name"]


def test_the_installed_command_runs_in_a_real_process(config, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT, cli_env

    good = tmp_path / "good.jpg"
    good.write_bytes(credentials.sign(outputs.encode(picture(), "jpeg"), "jpeg", FACTS))
    r = subprocess.run([sys.executable, "-m", "core", "credentials", str(good)], cwd=ROOT, capture_output=True,
                       text=True, env=cli_env(COLORIZER_CONFIG=config), timeout=120)
    assert r.returncode == 0 and "(the key made on this computer)" in r.stdout, r.stderr


def test_processes_starting_at_once_share_one_key(config):
    made = []
    threads = [threading.Thread(target=lambda: made.append(credentials.own_key()[0].read_bytes())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 4 and len(set(made)) == 1
    assert [p.name for p in (config / "credentials").iterdir()] != [] and not list(config.glob(".credentials.*"))


def test_sessions_sign_at_once(config):
    """The app's sessions are threads: eight signing at once all give valid credentials of their own facts."""
    credentials.own_key()
    out: dict[int, dict] = {}

    def one(i: int) -> None:
        out[i] = credentials.read(credentials.sign(outputs.encode(picture(), "png"), "png", {"model": f"m{i}"}))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == list(range(8)) and all(r["valid"] for r in out.values())
    assert [out[i]["actions"][1]["parameters"]["model"] for i in range(8)] == [f"m{i}" for i in range(8)]


def test_an_expired_key_is_renewed(config, monkeypatch):
    chain, _ = credentials.own_key()
    old = chain.read_bytes()
    monkeypatch.setattr(keys, "_expired", lambda pem: pem == old)
    new_chain, _ = credentials.own_key()
    assert new_chain.read_bytes() != old and len(list(config.glob("credentials.expired-*"))) == 1


def _institution(tmp_path, ed25519: bool = False, name: str = "institution") -> tuple[Path, Path, str]:
    """A certificate chain and key like an institution's (made here: a CA and a signer it issued)."""
    folder = tmp_path / name
    folder.mkdir()
    if not ed25519:
        keys._write_new_key(folder)
        chain, key = folder / keys.CHAIN_FILE, folder / keys.KEY_FILE
        return chain, key, keys._subject(chain.read_bytes())
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519 as ed
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key, leaf_key = ed.Ed25519PrivateKey.generate(), ed.Ed25519PrivateKey.generate()
    usage = dict.fromkeys(("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
                           "encipher_only", "decipher_only"), False)
    ca = (x509.CertificateBuilder().subject_name(name("Archive CA")).issuer_name(name("Archive CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now)
          .not_valid_after(now + dt.timedelta(days=30)).add_extension(x509.BasicConstraints(True, 0), True)
          .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage), True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
          .sign(ca_key, None))
    leaf = (x509.CertificateBuilder().subject_name(name("Archive signer")).issuer_name(ca.subject)
            .public_key(leaf_key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=30)).add_extension(x509.BasicConstraints(False, None), True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
            .sign(ca_key, None))
    pem = serialization.Encoding.PEM
    chain, key = folder / "chain.pem", folder / "key.pem"
    chain.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    key.write_bytes(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return chain, key, "Archive signer"


@pytest.mark.parametrize("ed25519", [False, True])
def test_a_custom_certificate_is_used_when_given(tmp_path, config, ed25519):
    chain, key, subject = _institution(tmp_path, ed25519)
    signing = credentials.Signing(True, str(chain), str(key))
    assert subject in credentials.check(signing)
    report = credentials.read(credentials.sign(outputs.encode(picture(), "png"), "png", FACTS, signer=signing))
    assert report["valid"] and report["signer"]["common_name"] == subject
    assert report["signer"]["algorithm"].lower() == ("ed25519" if ed25519 else "es256")
    assert not report["signer"]["this_computer"] and not (config / "credentials").exists()   # no own key made


def test_certificates_that_cannot_sign_are_refused_with_a_reason(tmp_path):
    chain, key, _ = _institution(tmp_path)
    _, other_key, _ = _institution(tmp_path, name="another")
    cases = {"does not belong": credentials.Signing(True, str(chain), str(other_key)),
             "no such file": credentials.Signing(True, str(tmp_path / "nope.pem"), str(key)),
             "not a PEM certificate": credentials.Signing(True, str(key), str(key)),
             "both a certificate": credentials.Signing(True, str(chain), None)}
    for words, signing in cases.items():
        with pytest.raises(credentials.CredentialsError, match=words):
            credentials.check(signing)
    # a self-signed signing certificate: C2PA refuses it, and the message says what it wants instead
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    private = serialization.load_pem_private_key(key.read_bytes(), None)
    me = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "me")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(me).issuer_name(me).public_key(private.public_key())
            .serial_number(7).not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=9))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .sign(private, hashes.SHA256()))
    selfsigned = tmp_path / "self.pem"
    selfsigned.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(credentials.CredentialsError, match="not a self-signed one"):
        credentials.check(credentials.Signing(True, str(selfsigned), str(key)))


def test_a_signing_failure_keeps_the_result_unsigned_and_says_why(tmp_path):
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate")
    request = credentials.Request(credentials.Signing(True, str(broken), str(broken)))
    data = outputs.encode(picture(), "png", facts=FACTS, credentials=request)
    assert not request.signed and "not a PEM certificate" in request.problem
    assert data == outputs.encode(picture(), "png", facts=FACTS)                      # the result itself
    assert credentials.read(data)["credentials"] is False


def test_false_colour_says_nothing_was_guessed():
    from core.science import falsecolour
    from core.science.legend import encode

    ch = np.random.default_rng(1).random((2, 32, 40)).astype(np.float32)
    result = falsecolour(list(ch), ["red", "cyan"])
    active, state, _ = c2pa_read(encode(result, "png", credentials=credentials.Request()), "image/png")
    actions = assertion(active, "c2pa.actions.v2")["actions"]
    types = [a.get("digitalSourceType", "") for a in actions]
    assert state == "Valid" and types[0].endswith("dataDrivenMedia") and not any(TRAINED in t for t in types)
    assert assertion(active, manifest.DECISIONS)["rest"] == "measured"


def test_an_incoming_photos_own_credentials_become_the_ingredients():
    theirs = credentials.sign(outputs.encode(picture(), "jpeg"), "jpeg", {"model": "camera"})
    parent = credentials.Source.from_bytes("press_photo.jpg", theirs)
    assert parent.carries_credentials
    ours = credentials.read(credentials.sign(outputs.encode(picture(), "png"), "png", FACTS, parent=parent))
    assert ours["valid"] and ours["manifests"] == 2
    [ing] = ours["ingredients"]
    assert ing["title"] == "press_photo.jpg" and ing["credentials"].startswith("its own, valid")
    assert ing["sha256"] == hashlib.sha256(theirs).hexdigest()


HOSTILE = [
    b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _chunk(b"caBX", b"\x00\x00\x00\x10jumb" + b"\xff" * 4000) + _chunk(b"IEND", b""),          # broken JUMBF
    b"\xff\xd8\xff\xeb" + b"\xff\xff" + b"JP" + b"\x00" * 70000,                                   # a torn APP11
    b"not an image at all, just c2pa jumb text",
    b"",
]


@pytest.mark.parametrize("data", HOSTILE, ids=["broken-jumbf", "torn-app11", "text", "empty"])
def test_hostile_manifests_are_reported_not_raised(data):
    report = credentials.read(data)
    assert report["credentials"] in (None, False) and report["message"]
    parent = credentials.Source.from_bytes("upload.png", data)          # as a parent it is named and hashed alone
    signed = credentials.sign(outputs.encode(picture(), "png"), "png", FACTS, parent=parent)
    assert credentials.read(signed)["valid"]


def test_huge_credentials_are_read_within_limits(monkeypatch, tmp_path):
    from core.credentials import report as report_module

    data = credentials.sign(outputs.encode(picture(), "png"), "png", FACTS, hints=HINTS * 400)
    full = credentials.read(data)
    assert full["decisions"]["hints_total"] == 800 and len(full["decisions"]["hints"]) == report_module.MAX_ITEMS
    monkeypatch.setattr(report_module, "MAX_JSON_CHARS", 10_000)
    assert "too large to show" in credentials.read(data)["message"]
    monkeypatch.setattr(report_module, "MAX_READ_BYTES", 100)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    assert "too large" in credentials.read(path)["message"]


def test_the_command_prints_what_a_file_says_and_exits_by_its_state(tmp_path, cli):
    good = tmp_path / "good.png"
    good.write_bytes(credentials.sign(outputs.encode(picture(), "png"), "png", FACTS, hints=HINTS))
    plain = tmp_path / "plain.png"
    plain.write_bytes(outputs.encode(picture(), "png"))
    r = cli(["credentials", good])
    assert r.returncode == 0, r.stderr
    for words in ("valid (signed; the signer is not on a trust list)", "the key made on this computer",
                  "compositeWithTrainedAlgorithmicMedia", "hint 1 #c81e14: documented - source: Regimental archive",
                  "hint 2 #145ac8: chosen by a person", "the rest guessed by the model (autoencoder)"):
        assert words in r.stdout, (words, r.stdout)
    r = cli(["credentials", "--trust", good.parent / "config" / "credentials" / keys.CA_FILE, good])
    assert r.returncode == 0 and "Content Credentials: valid and trusted" in r.stdout, r.stdout   # its CA vouches
    other, _, _ = _institution(tmp_path)
    assert "valid and trusted" not in cli(["credentials", "--trust", other, good]).stdout        # another CA does not
    r = cli(["credentials", plain, "--json"])
    assert r.returncode == 1 and json.loads(r.stdout)["credentials"] is False
    r = cli(["credentials", tmp_path / "missing.png"])
    assert r.returncode == 2 and "cannot read it" in r.stdout


def test_the_repair_says_when_a_person_painted_over_damage():
    """Issue 34: strokes painted over damage the detector missed are said, apart from what it found."""
    def repair(facts):
        return next(a for a in manifest.actions(facts, parent=False)
                    if a.get("parameters", {}).get(manifest.STEP) == "repair")

    plain = repair(FACTS)
    assert "found by a small learned detector and filled" in plain["description"]
    assert "strokes_painted_by_hand" not in plain["parameters"]
    painted = repair({**FACTS, "repair_marks": 3})
    assert "painted over by a person (3 strokes)" in painted["description"]
    assert painted["parameters"]["strokes_painted_by_hand"] == 3
    assert "(1 stroke)" in repair({**FACTS, "repair_marks": 1})["description"]
