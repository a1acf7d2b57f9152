"""Content Credentials in the app (issue 32), driven with AppTest: the Colorize page's downloads (PNG and ZIP) carry
them, with the repair said right; an upload's own credentials are shown and kept as the ingredient's; the Guide
page's documented colour travels into its download; the palette of documented colours (keep, use, export,
import); STUDIO_CREDENTIALS=off. The documented-colours palette file: core.guide.palette (tests at the end)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from app_util import assert_clean, encode, grey_of, open_page, photo, texts, upload
from test_app_guide import GUIDE, draw, hints

from core import credentials
from core.credentials import keys
from core.guide import HintError
from core.guide.palette import MAX_COLOURS, documented, palette_from_json, palette_to_json

pytestmark = pytest.mark.usefixtures("app_env")


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_CONFIG", str(tmp_path / "config"))
    for name in (keys.ENV_CERT, keys.ENV_KEY, keys.ENV_SWITCH):
        monkeypatch.delenv(name, raising=False)


def downloads(at) -> dict:
    """The encoded downloads of the session by their cache key."""
    cache = at.session_state["downloads_cache"]
    return {k: cache.get(k) for k in cache.keys()}


def steps(report) -> list:
    return [a.get("parameters", {}).get("org.colorization-studio.step") for a in report["actions"]]


@pytest.mark.slow              # loads the scratch and dust detector
def test_the_colorize_downloads_carry_credentials_and_the_repair():
    scratched = grey_of(photo("coffee", 128)).copy()
    scratched[10:70, 40], scratched[30, 20:90], scratched[50:52, 100:102] = 250, 245, 0     # a scratch, a speck
    at = open_page()
    upload(at, [("scratched.png", encode(scratched))])
    assert_clean(at)
    [png] = [v for k, v in downloads(at).items() if k[1] == "png"]
    report = credentials.read(png)
    assert report["valid"] and steps(report) == [None, "colour"] and report["signer"]["this_computer"]
    assert report["ingredients"][0]["title"] == "scratched.png"
    assert report["decisions"]["summary"] == "every colour guessed by the model (autoencoder)"
    [zipped] = [v for k, v in downloads(at).items() if k[0] == "zip"]
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        assert [credentials.read(z.read(n))["valid"] for n in z.namelist() if n.endswith(".png")] == [True]
    assert "signed **Content Credentials**" in texts(at.caption)
    at.toggle(key="restore_first").set_value(True).run()                    # issue 32: the repair was said "no"
    assert_clean(at)
    repaired = [credentials.read(v) for k, v in downloads(at).items() if k[1] == "png" and v != png]
    assert [steps(r) for r in repaired] == [[None, "repair", "colour"]]
    share = float(repaired[0]["actions"][1]["parameters"]["share_of_pixels"])
    assert 0 < share < 0.01
    from PIL import Image

    from core.metadata import read_xmp

    [data] = [v for k, v in downloads(at).items() if k[1] == "png" and v != png]
    assert read_xmp(Image.open(io.BytesIO(data)).info["xmp"])["cs:Repair"] == "yes"


def test_an_uploads_own_credentials_are_shown_and_kept():
    theirs = credentials.sign(encode(grey_of(photo("astronaut", 80))), "png", {"model": "a camera"})
    at = open_page()
    upload(at, [("signed_scan.png", theirs), ("plain.png", encode(grey_of(photo("coffee", 80))))])
    assert_clean(at)
    said = texts(at.caption)
    assert "The upload carries **Content Credentials** (valid" in said and said.count("The upload carries") == 1
    assert "Colorization Studio signer" not in said                           # the file's own words: not markdown
    at.toggle(key=next(t.key for t in at.toggle if str(t.key).startswith("credentials_show_"))).set_value(True).run()
    assert "colour decisions" in texts(at.code)
    reports = [credentials.read(v) for k, v in downloads(at).items() if k[1] == "png"]
    by_title = {r["ingredients"][0]["title"]: r for r in reports}
    assert by_title["signed_scan.png"]["manifests"] == 2 and "its own, valid" in by_title["signed_scan.png"][
        "ingredients"][0]["credentials"]
    assert by_title["plain.png"]["manifests"] == 1


def test_a_hostile_manifest_in_an_upload_is_only_a_line():
    from test_credentials import HOSTILE

    scan = encode(grey_of(photo("coffee", 64)))
    hostile = scan[:33] + HOSTILE[0][33:-12] + scan[33:]                   # a broken caBX chunk after the IHDR
    at = open_page()
    upload(at, [("odd.png", hostile)])
    assert_clean(at)
    assert "The upload's Content Credentials cannot be read" in texts(at.caption)
    assert texts(at.text).startswith("unreadable (")                           # the file's words: plain text
    assert all(credentials.read(v)["valid"] for k, v in downloads(at).items() if k[1] == "png")


def test_a_documented_hint_travels_into_the_guided_download():
    at = open_page(GUIDE, sample=True)
    at.color_picker(key="guide_colour").set_value("#8b1a1a").run()
    at.text_input(key="guide_source").set_value("Regimental archive, pattern 1911, plate 4").run()
    draw(at, [(0.3, 0.5)])
    at.text_input(key="guide_source").set_value("").run()
    draw(at, [(0.7, 0.5)])
    assert_clean(at)
    first, second = hints(at)
    assert first.source == "Regimental archive, pattern 1911, plate 4" and second.source is None
    assert "documented: Regimental archive" in texts(at.markdown)
    guided = [credentials.read(v) for k, v in downloads(at).items() if k[2] == "guided" and not k[3].endswith("-base")]
    [report] = [r for r in guided if r["decisions"]["hints_total"] == 2]      # the latest (one per result made)
    assert report["valid"] and steps(report)[-1] == "hints"
    decisions = report["decisions"]
    assert [h["decision"] for h in decisions["hints"]] == ["documented", "chosen by a person"]
    assert decisions["hints"][0]["source"] == first.source
    assert decisions["summary"] == ("1 colour documented; 1 colour chosen by a person; the rest guessed by the "
                                    "model (autoencoder)")


def test_the_palette_keeps_uses_exports_and_imports_documented_colours():
    at = open_page(GUIDE, sample=True)
    assert at.button(key="guide_palette_keep").disabled                     # nothing to keep without a source
    at.color_picker(key="guide_colour").set_value("#204080").run()
    at.text_input(key="guide_source").set_value("Car maker's colour card, 1937: 'Royal blue'").run()
    at.button(key="guide_palette_keep").click().run()
    assert_clean(at)
    [kept] = at.session_state["guide_palette"]
    assert (kept.color, kept.source) == ("#204080", "Car maker's colour card, 1937: 'Royal blue'")
    at.color_picker(key="guide_colour").set_value("#000000").run()
    at.text_input(key="guide_source").set_value("").run()
    at.button(key="guide_palette_use_0").click().run()
    assert at.session_state["guide_colour"] == "#204080" and at.session_state["guide_source"] == kept.source
    other = palette_to_json([documented("#aa0000", "Flag in the museum, inv. 55"), kept])
    at.file_uploader(key="guide_palette_import").set_value([("p.json", other.encode(), "application/json")]).run()
    assert_clean(at)
    assert [p.color for p in at.session_state["guide_palette"]] == ["#aa0000", "#204080"]       # merged once
    at.file_uploader(key="guide_palette_import").set_value([("bad.json", b"{\"colours\": 5}", "application/json")])
    at.run()
    assert "bad.json could not be used" in texts(at.error)
    at.button(key="guide_palette_del_0").click().run()
    assert [p.color for p in at.session_state["guide_palette"]] == ["#204080"]


def test_credentials_can_be_switched_off_for_the_app(monkeypatch):
    monkeypatch.setenv("STUDIO_CREDENTIALS", "off")
    at = open_page(sample="try")
    assert all(credentials.read(v)["credentials"] is False for k, v in downloads(at).items() if k[1] == "png")
    assert "no Content Credentials on this server" in texts(at.caption)


def test_a_server_certificate_that_cannot_sign_keeps_the_downloads_and_says_so(monkeypatch, tmp_path):
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate")
    monkeypatch.setenv(keys.ENV_CERT, str(broken))
    monkeypatch.setenv(keys.ENV_KEY, str(broken))
    at = open_page(sample="try")
    pngs = [v for k, v in downloads(at).items() if k[1] == "png"]
    assert pngs and all(credentials.read(v)["credentials"] is False for v in pngs)     # made, unsigned
    said = texts(at.warning)
    assert "Downloads carry no Content Credentials on this server: the certificate" in said, said


# --------------------------------------------------------------------------- the palette file (no app)


def test_palette_files_round_trip_and_bad_ones_are_refused():
    items = [documented("#8B1A1A", "Regimental archive\u0007, plate 4"), documented([32, 64, 128], "a letter")]
    assert [p.color for p in items] == ["#8b1a1a", "#204080"] and items[0].source == "Regimental archive , plate 4"
    assert palette_from_json(palette_to_json(items).encode()) == items
    bad = {"not JSON": b"{", "no format": b"{\"colours\": []}", "no source": json.dumps(
        {"format": "colorization-studio-palette", "colours": [{"color": "#ffffff"}]}),
        "too many": palette_to_json([documented("#ffffff", str(i)) for i in range(MAX_COLOURS)]).replace(
            "]", ", {\"color\": \"#000000\", \"source\": \"x\"}]", 1),
        "long source": palette_to_json([documented("#ffffff", "x")]).replace("\"x\"", json.dumps("y" * 501)),
        "huge": b"[" + b" " * (300 * 1024) + b"]"}
    for what, data in bad.items():
        with pytest.raises(HintError):
            palette_from_json(data)
        assert what


def test_the_app_download_is_outputs_encode_with_a_request():
    """ui.results.png_file (the Colorize and Guide downloads) signs through outputs.encode: the stamp is said."""
    from ui.results import png_file

    report = credentials.read(png_file(photo("coffee", 48), "autoencoder", 12, stamp=True))
    assert report["valid"] and steps(report) == [None, "colour", "stamp"]
    assert report["actions"][0]["action"] == "c2pa.created"                 # a sample: no source file
