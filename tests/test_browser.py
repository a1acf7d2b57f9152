"""The app in a real browser: Chromium (``/usr/bin/chromium``) driven by Playwright against ``streamlit run``.

One server for the module (empty ``COLORIZER_HOME``, so the Zhang et al. model shows its "not downloaded"
notice), one browser, a new browser context (= a new visitor) per test. Every test fails on a browser
console error, an uncaught page error, or any request to a host other than this computer.

Screenshots of every page go to ``test-artifacts/screenshots/`` (git-ignored).
Without Chromium the module is skipped; with ``COLORIZER_REQUIRE_BROWSER=1`` (CI) that is a failure.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import numpy as np
import pytest
from browser_util import (
    ARTIFACTS,
    LAUNCH,
    NAV_LINK,
    SLIDER,
    UPLOAD_INPUT,
    VIEWPORT,
    AppServer,
    Watch,
    assert_no_exception,
    require_browser,
    screenshot,
    server_env,
    settle,
)
from PIL import Image

from core.colorizers.autoencoder import AutoencoderColorizer
from core.figures.samples import SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]   # one app server, one worker

OURS = "Autoencoder (ours)"
ZHANG = "Zhang et al. 2016 (Caffe)"
CANVAS = '[data-testid="hint-canvas"]'
TIMEOUT_MS = 180_000          # model loading and colouring are slow on a busy 2-core machine

# (screenshot number, slug, URL path, title in the sidebar and the page heading)
PAGES = [
    (1, "colorize", "/", "Colorize"),
    (2, "compare", "/compare", "Compare"),
    (3, "channels", "/channels", "Channels"),
    (4, "metrics", "/metrics", "Metrics"),
    (5, "how_it_works", "/how-it-works", "How it works"),
    (6, "guide", "/guide", "Guide the colours"),
    (7, "old_film", "/old-film", "Old film"),
    (8, "train", "/train", "Train your own"),
    (9, "false_colour", "/false-colour", "False colour"),
    (10, "specialise", "/specialise", "Teach it your world"),
]
NAV_ORDER = ["Colorize", "Guide the colours", "Old film", "Compare", "Channels", "Metrics", "How it works",
             "Train your own", "Teach it your world", "False colour"]       # the sidebar's order (ui/navigation.py)
UPLOAD_SIZE = (240, 160)      # width, height of the uploaded test photo
# the download's name carries the default render factor of our model
EXPECTED_PNG = f"coffee_cup_autoencoder_rf{AutoencoderColorizer.default_render_factor}.png"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, request):
    require_browser()
    autoencoder_path = request.getfixturevalue("autoencoder_path")   # after the skip: it may build a model
    home = tmp_path_factory.mktemp("browser_home")          # empty: no eccv16 weights
    server = AppServer(tmp_path_factory.mktemp("browser_log") / "streamlit.log", server_env(home, autoencoder_path))
    try:
        server.wait_healthy(timeout=90)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(**LAUNCH)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@dataclass
class Tab:
    page: object
    watch: Watch
    url: str


@pytest.fixture(scope="module")
def warm_server(browser, app_server):
    """One visit to the entry page first, so that no page test pays for the server's first imports. (It was also
    a workaround: before ui/navigation.py's guard a fresh server's first deep link showed the files of ``pages/``;
    test_a_fresh_servers_first_visit_by_a_deep_link checks that on a server of its own.)"""
    context = browser.new_context(viewport=VIEWPORT, base_url=app_server.url)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("heading", level=1, name="Colorize", exact=True).wait_for(timeout=TIMEOUT_MS)
    finally:
        context.close()
    return app_server


@pytest.fixture
def tab(browser, warm_server):
    app_server = warm_server
    """A new visitor: a fresh browser context with one page, watched for errors and external requests."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=app_server.url)
    context.set_default_timeout(60_000)
    watch = Watch()
    watch.attach(context)
    page = context.new_page()
    try:
        yield Tab(page, watch, app_server.url)
    finally:
        context.close()
    assert app_server.alive(), "the app died during the test:\n" + app_server.log_tail()


@pytest.fixture(scope="module")
def upload_photo(tmp_path_factory):
    """A small colour JPEG (scikit-image's coffee cup, 240 x 160)."""
    from skimage import data

    rgb = Image.fromarray(np.asarray(data.coffee())[..., :3]).resize(UPLOAD_SIZE, Image.LANCZOS)
    path = tmp_path_factory.mktemp("upload") / "coffee cup.jpg"
    rgb.save(path, format="JPEG", quality=92)
    return path


# --------------------------------------------------------------------------- helpers


def heading(page, title: str):
    return page.get_by_role("heading", level=1, name=title, exact=True)


def open_app(page, path: str = "/", title: str = "Colorize") -> None:
    page.goto(path)
    heading(page, title).wait_for(timeout=TIMEOUT_MS)
    settle(page)


def go_to(page, title: str) -> None:
    """Move to another page through the sidebar (the same session, like a visitor)."""
    page.locator(NAV_LINK, has_text=title).click()
    heading(page, title).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert_no_exception(page)


def image_with_caption(page, caption: str):
    return page.locator('[data-testid="stImage"]').filter(
        has=page.locator('[data-testid="stImageCaption"]', has_text=re.compile(f"^{re.escape(caption)}$")))


def wait_loaded(img_locator) -> tuple[int, int]:
    """Wait until the <img> has decoded; return its natural (width, height)."""
    img = img_locator.locator("img").first
    img.wait_for(timeout=TIMEOUT_MS)
    img.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(),
                               timeout=TIMEOUT_MS)
    return tuple(img.evaluate("img => [img.naturalWidth, img.naturalHeight]"))


def wait_for_result(page) -> None:
    result = image_with_caption(page, OURS)
    result.first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert_no_exception(page)
    assert result.count() >= 1
    wait_loaded(result.first)


def upload(page, path) -> None:
    page.locator(UPLOAD_INPUT).set_input_files(str(path))
    wait_for_result(page)


def split_of(slider) -> float:
    return float(slider.get_attribute("data-split"))


def drag(page, slider, to_fraction: float) -> None:
    """Press on the handle, move the mouse in steps to ``to_fraction`` of the width, release."""
    box = slider.bounding_box()
    handle = slider.get_by_role("slider").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + to_fraction * box["width"], y, steps=12)
    page.mouse.up()


def assert_split_consistent(slider) -> float:
    """data-split, --split and aria-valuenow all tell the same position."""
    split = split_of(slider)
    css = slider.evaluate("e => e.style.getPropertyValue('--split')")
    now = slider.get_by_role("slider").get_attribute("aria-valuenow")
    assert css == f"{split:g}%", (css, split)
    assert int(now) == round(split), (now, split)
    return split


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("number,slug,path,title", PAGES, ids=[p[1] for p in PAGES])
def test_page_opens(tab, number, slug, path, title):
    """Each page opened by its URL in a fresh session: heading, its first content, no exception."""
    page = tab.page
    if path != "/":
        tab.watch.allow_deep_link_probe(tab.url, path)
    open_app(page, path, title)
    assert "Colorization Studio" in page.title() or title in page.title(), page.title()
    assert_no_exception(page)
    # the sidebar lists every page, the current one marked
    links = page.locator(NAV_LINK)
    assert links.count() == len(PAGES)
    assert page.locator(f'{NAV_LINK}[aria-current="page"]', has_text=title).count() == 1
    if slug == "colorize":
        assert page.get_by_role("button", name="Try a sample photo").is_visible()
        assert page.locator(UPLOAD_INPUT).count() == 1
        assert page.get_by_text("No photo yet: press").is_visible()
    elif slug == "train":
        assert page.get_by_role("button", name="Train", exact=True).is_visible()
        assert page.get_by_text("Press Train to start").is_visible()
    elif slug == "how_it_works":
        page.get_by_role("heading", name="5 · Honest limits").wait_for()
        # COLORIZER_HOME is empty: the Zhang et al. notice with its download button, and our own pipeline
        assert page.get_by_text(f"{ZHANG} is not downloaded yet").is_visible()
        fetch = re.compile(r"Download the Zhang et al\. 2016 \(Caffe\) weights")
        assert page.get_by_role("button", name=fetch).count() == 1
        wait_loaded(image_with_caption(page, "⑤ Joined with the full-size L → RGB"))
    elif slug == "old_film":
        assert page.get_by_role("button", name="Use the sample clip").is_visible()
        assert page.get_by_text("No clip yet: press").is_visible()
    elif slug == "false_colour":
        assert page.get_by_text("No channels yet: press a sample").is_visible()
        assert page.locator(UPLOAD_INPUT).count() == 1
    elif slug == "specialise":
        assert page.get_by_text("Nothing yet: when it has learned").is_visible()
        assert page.get_by_role("button", name="Learn").is_disabled()
    else:
        assert page.get_by_text("No photo yet. Pick a sample").is_visible()
        assert page.get_by_role("button", name="Try a sample photo").is_visible()
    tab.watch.assert_clean()


def test_a_fresh_servers_first_visit_by_a_deep_link(browser, autoencoder_path, tmp_path):
    """Issue 24: on a server nobody had visited yet, a page's address with ``?samples=`` (a reload or a bookmark
    after a restart) showed Streamlit's list of the files in ``pages/`` and ignored ``?samples=``: Streamlit 1.67
    ran ``pages/2_compare.py`` without ``streamlit_app.py`` (see ui/navigation.py). Its own server, never warmed."""
    (tmp_path / "home").mkdir()
    server = AppServer(tmp_path / "streamlit.log", server_env(tmp_path / "home", autoencoder_path))
    context = None
    try:
        server.wait_healthy(timeout=90)
        context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
        context.set_default_timeout(60_000)
        watch = Watch()
        watch.attach(context)
        watch.allow_deep_link_probe(server.url, "/compare")
        page = context.new_page()
        page.goto("/compare?samples=camera")
        heading(page, "Compare").wait_for(timeout=TIMEOUT_MS)
        page.get_by_text(re.compile(r"^Models: .* render factor")).wait_for(timeout=TIMEOUT_MS)   # a photo is there
        settle(page)
        assert page.get_by_text("No photo yet").count() == 0                                    # ?samples= taken
        titles = [t.split("\n")[-1] for t in page.locator(NAV_LINK).all_inner_texts()]
        assert titles == NAV_ORDER, titles                 # not "streamlit app", "colorize", "compare", …
        page.get_by_role("switch", name="Presentation mode").wait_for()                        # the app's sidebar
        assert "samples=camera" in page.url, page.url
        assert_no_exception(page)
        watch.assert_clean()
    finally:
        if context is not None:
            context.close()
        server.stop()


def test_upload_colorize_and_download(tab, upload_photo, tmp_path):
    """Upload a JPEG through the file input, see the result, download its PNG and the ZIP."""
    page = tab.page
    open_app(page)
    upload(page, upload_photo)

    captions = page.locator('[data-testid="stImageCaption"]').all_inner_texts()
    assert ["Grey input", OURS, "Original"] == [c for c in captions if c in ("Grey input", OURS, "Original")]
    assert page.get_by_text(re.compile(r"Coloured 1 image in [\d.]+ s")).is_visible()
    assert page.get_by_text("coffee cup.jpg").count() >= 1              # the expander of the photo
    assert wait_loaded(image_with_caption(page, OURS)) == UPLOAD_SIZE   # shown at its own size (< 1024)
    assert page.get_by_text("Treated as a colour test").is_visible()

    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Download PNG").click()
    dl = info.value
    assert dl.failure() is None
    assert dl.suggested_filename == EXPECTED_PNG
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert png.size == UPLOAD_SIZE
        assert png.mode == "RGB"

    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Download it as ZIP").click()
    zdl = info.value
    assert zdl.suggested_filename == "colorized.zip"
    zpath = tmp_path / "colorized.zip"
    zdl.save_as(zpath)
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
        assert EXPECTED_PNG in names, names
        assert zf.read(EXPECTED_PNG) == raw        # the same picture as the PNG button
        assert any(n.lower().startswith("readme") for n in names), names
    with Image.open(io.BytesIO(raw)) as png:
        assert png.size == UPLOAD_SIZE
    assert_no_exception(page)
    tab.watch.assert_clean()


def repair_shown(tab, path, lines):
    """Colorize with the camera man at 256 px, ``lines`` ((from, to, grey value, width), ...) drawn on him, saved
    as ``path`` and uploaded; then "Repair scratches and dust first" on and "Show what was repaired" opened."""
    import cv2
    from skimage import data

    grey = np.ascontiguousarray(data.camera()[::2, ::2])
    for start, end, value, width in lines:
        cv2.line(grey, start, end, value, width)
    Image.fromarray(grey).save(path)
    page = tab.page
    open_app(page)
    upload(page, path)
    assert page.get_by_text("Repaired pixels in magenta").count() == 0
    page.get_by_text("Repair scratches and dust first", exact=True).click()
    settle(page)
    page.get_by_text("Show what was repaired", exact=True).first.click()
    return page


def test_repair_toggle_and_what_was_repaired(tab, tmp_path):
    """Colorize: a scratched print, "Repair scratches and dust first" on, then "Show what was repaired"
    paints the repaired pixels over the photo (issue 20)."""
    page = repair_shown(tab, tmp_path / "scratched print.png", [((10, 30), (245, 200), 250, 2),
                                                                ((200, 15), (60, 250), 10, 2)])
    shown = page.get_by_text(re.compile(r"Repaired pixels in magenta: [\d,]+ \([\d.]+ % of the photo\)"))
    shown.first.wait_for(timeout=TIMEOUT_MS)
    assert shown.first.is_visible()
    assert image_with_caption(page, OURS).first.is_visible()
    shown.first.scroll_into_view_if_needed()                   # the repaired pixels in the picture
    screenshot(page, "1_colorize_repair")
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_paint_over_a_wide_scratch_the_repair_missed(tab, tmp_path):
    """Colorize (issue 34): a 7 px dark band across the sky is taken for real structure by the detector; a stroke
    along it with the repair brush, on the picture under "Show what was repaired", repairs it too, and
    "Undo stroke" takes it back."""
    page = repair_shown(tab, tmp_path / "gouged print.png", [((0, 40), (255, 40), 5, 7)])
    said = re.compile(r"Repaired pixels in magenta: ([\d,]+) ")
    shown = page.get_by_text(said)
    shown.first.wait_for(timeout=TIMEOUT_MS)
    before = int(said.search(shown.first.inner_text()).group(1).replace(",", ""))
    picture = page.locator(f"{CANVAS} canvas").first
    picture.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    area = picture.bounding_box()
    y = area["y"] + (40.5 / 256) * area["height"]
    page.mouse.move(area["x"] + 0.01 * area["width"], y)
    page.mouse.down()
    for f in np.linspace(0.01, 0.99, 25):
        page.mouse.move(area["x"] + f * area["width"], y)
    page.mouse.up()
    painted = page.get_by_text("1 stroke painted by you")
    painted.first.wait_for(timeout=TIMEOUT_MS)
    after = int(said.search(painted.first.inner_text()).group(1).replace(",", ""))
    assert after >= before + 0.8 * 7 * 256, (before, after)           # the whole band, not only what was found
    assert page.locator(CANVAS).first.get_attribute("data-hints") == "1"
    picture.evaluate("e => e.scrollIntoView({block: 'center'})")
    screenshot(page, "1_colorize_repair_paint")
    page.get_by_role("button", name="Undo stroke").click()
    settle(page)
    back = page.get_by_text(said).first
    assert int(said.search(back.inner_text()).group(1).replace(",", "")) == before
    assert_no_exception(page)
    tab.watch.assert_clean()


def coloured_count(page) -> int:
    caption = page.get_by_text(re.compile(r"Coloured \d+ images? in [\d.]+ s")).first
    caption.wait_for(timeout=TIMEOUT_MS)
    return int(re.search(r"Coloured (\d+) image", caption.inner_text()).group(1))


def download_name(page, photo_name: str, tmp_path) -> tuple[str, bytes]:
    """The name and bytes of the "Download PNG" of the photo ``photo_name`` (its expander on Colorize)."""
    box = page.locator('[data-testid="stExpander"]').filter(has_text=photo_name).first
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        box.get_by_role("button", name="Download PNG").click()
    dl = info.value
    assert dl.failure() is None
    dl.save_as(tmp_path / "dl.png")
    return dl.suggested_filename, (tmp_path / "dl.png").read_bytes()


def test_repair_downloads_are_named_apart_and_counted(tab, tmp_path):
    """Colorize with two photos, then "Repair scratches and dust first": the scratched one is repaired and coloured
    again, the clean one (nothing in it looks like a scratch) is not. The caption must count both photos, and the
    repaired result's download must not take the unrepaired one's file name."""
    import cv2
    from skimage import data

    scratched = np.ascontiguousarray(data.camera()[::2, ::2])
    cv2.line(scratched, (10, 30), (245, 200), 250, 2)
    cv2.line(scratched, (200, 15), (60, 250), 10, 2)
    clean = np.asarray(Image.fromarray(data.chelsea()).convert("L").resize((240, 159), Image.LANCZOS))
    paths = [tmp_path / "scratched print.png", tmp_path / "clean print.png"]
    for path, grey in zip(paths, (scratched, clean), strict=True):
        Image.fromarray(grey).save(path)
    page = tab.page
    open_app(page)
    page.locator(UPLOAD_INPUT).set_input_files([str(p) for p in paths])
    wait_for_result(page)
    assert image_with_caption(page, OURS).count() == 2
    assert coloured_count(page) == 2
    name_before, png_before = download_name(page, "scratched print.png", tmp_path)

    page.get_by_text("Repair scratches and dust first", exact=True).click()
    settle(page)
    wait_for_result(page)
    assert image_with_caption(page, OURS).count() == 2
    assert page.get_by_text("Show what was repaired", exact=True).count() == 2          # both may be painted on ...
    assert page.get_by_text(re.compile("nothing looked like a scratch or dust")).count() == 1   # ... one was clean
    assert page.get_by_text("Repair: nothing looked like a scratch or dust in this photo").count() == 1
    assert page.get_by_role("button", name="Download all 2 as ZIP").is_visible()
    name_after, png_after = download_name(page, "scratched print.png", tmp_path)
    assert png_after != png_before                                   # the repaired result is what is downloaded
    page.get_by_text(re.compile(r"Coloured \d+ images? in")).first.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    screenshot(page, "1_colorize_repair_two_photos")
    assert_no_exception(page)
    tab.watch.assert_clean()

    assert coloured_count(page) == 2, "the caption counts every photo shown, those kept from before too"
    assert page.get_by_text(re.compile(r"\(repair included\), 1 of them kept from before")).count() == 1
    assert name_after == name_before.replace(".png", "_repaired.png"), (name_before, name_after)


def test_compare_slider_drag(tab, upload_photo):
    """Compare page: drag the handle with the mouse both ways, then nudge it with the keyboard."""
    page = tab.page
    open_app(page)
    upload(page, upload_photo)
    go_to(page, "Compare")

    slider = page.locator(SLIDER)
    slider.wait_for(timeout=TIMEOUT_MS)
    assert slider.get_attribute("data-left-label") == "Grey input"
    assert slider.get_attribute("data-right-label") == OURS
    for side in ("cs-left", "cs-right"):
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=slider.locator(f"img.{side}").element_handle(), timeout=TIMEOUT_MS)
    start = assert_split_consistent(slider)
    assert start == 50

    drag(page, slider, 0.25)
    left = assert_split_consistent(slider)
    assert left < start and abs(left - 25) <= 2, left

    drag(page, slider, 0.80)
    right = assert_split_consistent(slider)
    assert right > left and abs(right - 80) <= 2, right

    # the handle keeps the focus after a drag: arrow keys move it by 1 %, End to 100 %
    page.keyboard.press("ArrowLeft")
    assert assert_split_consistent(slider) == pytest.approx(right - 1, abs=0.05)
    page.keyboard.press("End")
    assert assert_split_consistent(slider) == 100
    assert slider.get_by_role("slider").get_attribute("aria-valuetext") == "100% Grey input"

    assert_no_exception(page)
    tab.watch.assert_clean()


def test_tour_of_every_page_with_screenshots(tab):
    """"Use all samples" (real black-and-white photos first, then colour tests), then every page through
    the sidebar, a screenshot of each."""
    page = tab.page
    open_app(page)
    page.get_by_role("button", name="Use all samples").click()
    wait_for_result(page)
    assert image_with_caption(page, OURS).count() == len(SAMPLES)
    page.get_by_text("1. Photographer with a camera").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    screenshot(page, "1_colorize")

    go_to(page, "Compare")
    page.locator(SLIDER).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=compare-slider] img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)", timeout=TIMEOUT_MS)
    screenshot(page, "2_compare")

    go_to(page, "Channels")
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.nth(1).locator(".main-svg").first.wait_for(timeout=TIMEOUT_MS)
    assert charts.count() == 2
    # issue 34: the sure/unsure bar beside a and b stays inside its column (a fixed 12 em ran to x = 1340 of 1366)
    bar = page.locator("span[style*=gradient]").first
    bar.wait_for(timeout=TIMEOUT_MS)
    column = bar.locator("xpath=ancestor::*[@data-testid='stColumn'][1]").bounding_box()
    box = bar.bounding_box()
    assert box["x"] + box["width"] <= column["x"] + column["width"] + 1, (box, column)
    assert bar.evaluate("e => e.parentElement.scrollWidth <= e.parentElement.clientWidth + 1")   # "unsure" too
    screenshot(page, "3_channels")

    go_to(page, "Metrics")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text(f"{OURS}: ΔE2000").count() == 1
    assert page.get_by_text("Scores: mean of 5 photos").count() == 1           # the colour samples
    assert page.get_by_text("No score is possible for Photographer with a camera").count() == 1
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=TIMEOUT_MS)
    screenshot(page, "4_metrics")

    go_to(page, "How it works")
    page.get_by_role("heading", name="5 · Honest limits").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text(f"{ZHANG} is not downloaded yet").is_visible()
    screenshot(page, "5_how_it_works")

    assert_no_exception(page)
    tab.watch.assert_clean()


def canvas_pixel(page, fx: float, fy: float) -> list[int]:
    """The RGB of the hint canvas's picture at (fx, fy), fractions of its size (read from the <img> itself)."""
    return page.evaluate("""([fx, fy]) => {
        const img = document.querySelector('[data-testid=hint-canvas] img');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        return Array.from(g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data).slice(0, 3);
    }""", [fx, fy])


def wait_canvas(page, hints: int, image_id: str | None = None) -> str:
    """Wait until the canvas shows ``hints`` hints and (if given) a picture other than ``image_id``, decoded."""
    page.wait_for_function(
        """([n, old]) => { const r = document.querySelector('[data-testid=hint-canvas]');
            const img = r && r.querySelector('img');
            return r && r.dataset.hints === String(n) && r.dataset.pending === '0'
                && (!old || r.dataset.imageId !== old)
                && img.complete && img.naturalWidth > 0; }""", arg=[hints, image_id], timeout=TIMEOUT_MS)
    settle(page)
    return page.locator(CANVAS).get_attribute("data-image-id")


def open_guide_with_sample(page) -> str:
    """A sample photo coloured on Colorize, then the Guide page with its picture drawn: the picture's id."""
    open_app(page)
    page.get_by_role("button", name="Try a sample photo").click()
    wait_for_result(page)
    go_to(page, "Guide the colours")
    page.locator(CANVAS).wait_for(timeout=TIMEOUT_MS)
    return wait_canvas(page, 0)


def test_guide_click_and_stroke_change_the_colour(tab):
    """Guide page: a click on the photo adds a hint in the picker's colour and the picture turns that colour
    there; a drag draws a stroke; Undo takes it back; the keyboard can click too."""
    page = tab.page
    first = open_guide_with_sample(page)
    picture = page.locator(f"{CANVAS} canvas")
    picture.scroll_into_view_if_needed()       # a tall (portrait or square) photo can reach below the window
    area = picture.bounding_box()
    at = (0.3, 0.55)
    before = canvas_pixel(page, *at)
    page.mouse.click(area["x"] + at[0] * area["width"], area["y"] + at[1] * area["height"])
    second = wait_canvas(page, 1, first)
    after = canvas_pixel(page, *at)
    # the default hint colour is a blue (#2e86de): blue rises against red where the click was
    assert after[2] - after[0] > before[2] - before[0] + 40, (before, after)
    assert page.get_by_text(re.compile(r"Updated in [\d.]+ s")).is_visible()
    assert page.get_by_text(re.compile(r"click at \(\d+, \d+\)")).count() == 1

    picture.scroll_into_view_if_needed()
    area = picture.bounding_box()
    page.mouse.move(area["x"] + 0.6 * area["width"], area["y"] + 0.2 * area["height"])
    page.mouse.down()
    page.mouse.move(area["x"] + 0.8 * area["width"], area["y"] + 0.3 * area["height"], steps=10)
    page.mouse.up()
    wait_canvas(page, 2, second)
    assert page.get_by_text("stroke of").count() == 1
    screenshot(page, "6_guide")
    page.get_by_role("button", name="Undo the last hint").click()
    wait_canvas(page, 1)
    assert page.get_by_text("stroke of").count() == 0
    # without a mouse: focus the picture, move the crosshair with the arrow keys, Enter clicks
    page.locator(f"{CANVAS} canvas").focus()
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Enter")
    wait_canvas(page, 2)
    assert page.get_by_text(re.compile(r"click at \(\d+, \d+\)")).count() == 2
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_guide_uncertainty_map_and_suggested_swatches(tab):
    """Guide page: "Where is the model unsure?" puts the map over the photo with its legend; "Suggest 3 clicks"
    marks numbered spots and shows their candidate colours as swatches; a swatch adds a hint (issue 23)."""
    page = tab.page
    plain = open_guide_with_sample(page)
    page.get_by_text("Where is the model unsure?", exact=True).click()
    mapped = wait_canvas(page, 0, plain)
    assert mapped.endswith("-map")
    assert page.locator(f"{CANVAS} img").is_visible()
    assert page.get_by_text("unsure", exact=False).filter(has=page.locator("span[style*=gradient]")).count() >= 1
    page.get_by_text("Suggest 3 clicks", exact=True).click()
    suggested = wait_canvas(page, 0, mapped)
    assert "-map-s" in suggested
    first = page.locator(".st-key-guide_suggest_0_0 button").first
    first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert first.is_visible() and re.fullmatch(r"#[0-9a-f]{6}", first.inner_text().strip())
    assert page.locator("[class*=st-key-guide_suggest_] button").count() >= 3
    assert page.locator(".uncertainty-swatch").count() >= 3 and page.locator(".uncertainty-swatch").first.is_visible()
    page.locator(CANVAS).evaluate("e => e.scrollIntoView({block: 'start'})")     # the map, not the settings above it
    page.wait_for_timeout(500)
    screenshot(page, "6_guide_uncertainty")
    first.click()
    wait_canvas(page, 1)
    assert page.get_by_text(re.compile(r"click at \(\d+, \d+\)")).count() == 1
    assert_no_exception(page)
    tab.watch.assert_clean()


SKY = [(0.15, 0.12), (0.05, 0.05), (0.35, 0.06)]     # the camera man's sky: the first hint and two points of its region
GRASS = (0.88, 0.80)                                  # the grass at the lower right, far from the sky
BRICK = "#b5452f"
SCRATCH = ((340, 300), (500, 250))                     # a thin white scratch across the grass, in pixels


def canvas_mean(page, fx: float, fy: float, r: int = 3) -> list[float]:
    """The mean RGB of a (2r+1)² patch of the hint canvas's picture around (fx, fy) (a JPEG: one pixel is noisy)."""
    return page.evaluate("""([fx, fy, r]) => {
        const img = document.querySelector('[data-testid=hint-canvas] img');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const x = Math.floor(fx * c.width) - r, y = Math.floor(fy * c.height) - r, n = 2 * r + 1;
        const d = g.getImageData(x, y, n, n).data, s = [0, 0, 0];
        for (let i = 0; i < d.length; i += 4) { s[0] += d[i]; s[1] += d[i + 1]; s[2] += d[i + 2]; }
        return s.map(v => v / (n * n));
    }""", [fx, fy, r])


def click_canvas(page, at: tuple[float, float]) -> None:
    picture = page.locator(f"{CANVAS} canvas")
    picture.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    area = picture.bounding_box()
    x, y = area["x"] + at[0] * area["width"], area["y"] + at[1] * area["height"]
    assert 0 <= y <= page.viewport_size["height"], (area, at)          # the point is on screen
    page.mouse.click(x, y)


def set_hint_colour(page, hex_colour: str) -> None:
    """The Guide page's colour picker set by typing into its hex field, as a visitor would."""
    picker = page.locator('[data-testid="stColorPicker"]').filter(has_text="Hint colour")
    page.get_by_role("button", name="Hint colour color picker").click()       # (not its help icon)
    field = page.locator('[data-testid="stColorPickerPopover"] input').first
    field.fill(hex_colour)
    field.press("Enter")
    page.keyboard.press("Escape")                     # closing the popover sends the colour to the app
    settle(page)
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    block = picker.locator('[data-testid="stColorPickerBlock"]')
    assert block.evaluate("e => getComputedStyle(e).backgroundColor") == f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def grey16_scan(tmp_path_factory):
    """A 16-bit grey TIFF (scikit-image's camera man, 512 x 512, with levels between the 8-bit ones) with a thin
    white scratch across the grass: (path, its uint16 pixels, the scratch's mask)."""
    import cv2
    from skimage import data

    rng = np.random.default_rng(0)
    grey16 = (data.camera().astype(np.uint32) * 257 + rng.integers(0, 257, (512, 512))).clip(0, 65535)
    grey16 = grey16.astype(np.uint16)
    scratch = np.zeros(grey16.shape, np.uint8)
    cv2.line(scratch, *SCRATCH, 1, 2)
    grey16[scratch > 0] = 64000
    path = tmp_path_factory.mktemp("scan16") / "camera man 16-bit.tif"
    Image.fromarray(grey16).save(path, format="TIFF")
    with Image.open(path) as check:
        assert check.mode == "I;16"                    # what core.images.load_master reads as 16-bit
    return path, grey16, scratch > 0


def test_two_hints_keep_their_own_regions_and_the_16_bit_download(tab, grey16_scan, tmp_path):
    """Issue 34's steps on the Guide page: a 16-bit grey TIFF, repair on, a blue click in the sky, then a brick-red
    click on the grass. The second hint must not undo the first (it did: the water lost its blue), and the
    download of the 16-bit upload is a 16-bit PNG with the upload's lightness, the scratch repaired."""
    import cv2

    from core import lab

    path, grey16, scratch = grey16_scan
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": 1100})       # the square photo whole on screen
    open_app(page)
    upload(page, path)
    go_to(page, "Guide the colours")
    page.locator(CANVAS).wait_for(timeout=TIMEOUT_MS)
    plain = wait_canvas(page, 0)

    # repair on (the page offers it): the photo the model and the hints see is the repaired one, repaired once
    page.get_by_text("Repair scratches and dust first", exact=True).click()
    repaired = wait_canvas(page, 0, plain)
    page.get_by_text("Show what was repaired", exact=True).click()
    shown = page.get_by_text(re.compile(r"Repaired pixels in magenta: [\d,]+ "))
    shown.first.wait_for(timeout=TIMEOUT_MS)
    n_repaired = int(re.search(r"magenta: ([\d,]+)", shown.first.inner_text()).group(1).replace(",", ""))
    assert n_repaired >= 0.8 * scratch.sum(), (n_repaired, int(scratch.sum()))   # the scratch, not a second pass
    page.get_by_text("Show what was repaired", exact=True).click()
    settle(page)

    sky_before, grass_before = [canvas_mean(page, *p) for p in SKY], canvas_mean(page, *GRASS)
    click_canvas(page, SKY[0])                                    # hint 1: the default blue (#2e86de)
    one = wait_canvas(page, 1, repaired)
    sky_one = [canvas_mean(page, *p) for p in SKY]
    assert sky_one[0][2] > sky_one[0][0] + 25, (sky_before[0], sky_one[0])         # blue where it was clicked

    set_hint_colour(page, BRICK)
    click_canvas(page, GRASS)                                     # hint 2: brick red, far away
    wait_canvas(page, 2, one)
    sky_two, grass_two = [canvas_mean(page, *p) for p in SKY], canvas_mean(page, *GRASS)
    redder = (grass_two[0] - grass_two[2]) - (grass_before[0] - grass_before[2])
    assert redder > 40, (grass_before, grass_two)                                   # the grass turned red
    for at, first, second in zip(SKY, sky_one, sky_two, strict=True):               # the sky kept hint 1's colour
        assert max(abs(a - b) for a, b in zip(first, second, strict=True)) <= 6, (at, first, second)
    hint_list = page.locator('[data-testid="stExpander"]', has_text="Your hints (2)")
    assert hint_list.get_by_text("#2e86de").count() == 1 and hint_list.get_by_text(BRICK).count() == 1
    page.locator(CANVAS).evaluate("e => e.scrollIntoView({block: 'center'})")      # clear of the top bar
    page.wait_for_timeout(500)
    screenshot(page, "6_guide_two_hints")

    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Download the result (PNG)").click()
    dl = info.value
    assert dl.failure() is None and dl.suggested_filename.endswith("_guided_repaired.png"), dl.suggested_filename
    saved = tmp_path / dl.suggested_filename
    dl.save_as(saved)
    raw = saved.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    assert (raw[24], raw[25]) == (16, 2), f"not a 16-bit RGB PNG: bit depth {raw[24]}, colour type {raw[25]}"
    bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_UNCHANGED)
    assert bgr.dtype == np.uint16 and bgr.shape == (512, 512, 3), (bgr.dtype, bgr.shape)
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    L, L_upload = lab.lightness(rgb), lab.lightness(np.repeat(grey16[..., None], 3, axis=2))
    near = cv2.dilate(scratch.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert float(np.median(np.abs(L - L_upload)[~near])) < 0.05        # the upload's own lightness, at 16 bits
    assert float(np.mean(rgb[~near] % 257 != 0)) > 0.5                      # levels an 8-bit file cannot hold
    assert float(np.median(L[scratch])) < float(np.median(L_upload[scratch])) - 10      # the scratch repaired
    for (fx, fy), bluer in ((SKY[0], True), (GRASS, False)):                 # the hints' colours are in the file
        r, _, b = rgb[int(fy * 512), int(fx * 512)].astype(int)
        assert (b > r + 2000) if bluer else (r > b + 2000), (fx, fy, r, b)
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_old_film_colours_the_sample_clip_and_chromium_plays_it(tab):
    """The sample clip, coloured in the background with a progress bar, then played by Chromium's <video>
    next to the original: the H.264 / yuv420p MP4 decodes at its full size."""
    page = tab.page
    tab.watch.allow_deep_link_probe(tab.url, "/old-film")
    open_app(page, "/old-film", "Old film")
    page.get_by_role("button", name="Use the sample clip").click()
    image_with_caption(page, f"Coloured ({OURS})").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Colorize the clip").click()
    page.get_by_text(re.compile(r"Frame \d+ of 96")).first.wait_for(timeout=TIMEOUT_MS)    # the progress bar
    page.get_by_text("Done: 96 frames, 480 × 270").wait_for(timeout=TIMEOUT_MS)
    videos = page.locator("video")
    assert videos.count() == 2                                                    # original | coloured
    for i in range(2):
        handle = videos.nth(i).element_handle()
        page.wait_for_function("v => v.readyState >= 2 || v.error", arg=handle, timeout=TIMEOUT_MS)
        size = videos.nth(i).evaluate("v => [v.error && v.error.code, v.videoWidth, v.videoHeight, v.duration]")
        assert size[:3] == [None, 480, 270] and abs(size[3] - 4.0) < 0.1, size
    videos.nth(1).evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 0.5", arg=videos.nth(1).element_handle(), timeout=30_000)
    videos.nth(1).evaluate("v => { v.pause(); v.currentTime = 2.0; }")
    videos.nth(0).evaluate("v => { v.currentTime = 2.0; }")
    assert page.get_by_role("button", name="Download the coloured clip (MP4)").is_visible()
    page.get_by_role("heading", name="4 · Colour the whole clip").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    screenshot(page, "7_old_film")
    for video in (videos.nth(0), videos.nth(1)):             # the last frames too: where new grass comes into view
        video.evaluate("v => { v.currentTime = 3.9; }")
    page.wait_for_function("vs => vs.every(v => !v.seeking && v.readyState >= 2)",
                           arg=[videos.nth(i).element_handle() for i in range(2)], timeout=30_000)
    page.get_by_role("heading", name="4 · Colour the whole clip").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "7_old_film_end.png"))    # (not for the docs)
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_false_colour_of_the_cells_sample_with_its_legend(tab):
    """The made-up cells: a picture in Fiji's colours with its legend beside it (nuclei red at a nucleus's centre,
    the membrane ring green), the histograms, the words that say it is false colour, both downloads."""
    page = tab.page
    tab.watch.allow_deep_link_probe(tab.url, "/false-colour")
    open_app(page, "/false-colour", "False colour")
    page.get_by_role("button", name="Made-up cells (3 channels, 16-bit)").click()
    picture = image_with_caption(page, "False colour of Made-up cells (3 channels, 16-bit): nuclei → red; "
                                       "membrane → green; spots → blue")
    picture.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    width, height = wait_loaded(picture)
    assert height == 512 and width > 512 + 200                                   # the legend panel beside it
    pixel = picture.locator("img").evaluate("""img => {
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        return Array.from(g.getImageData(Math.round(0.30 * 512), Math.round(0.28 * 512), 1, 1).data).slice(0, 3);
    }""")
    assert pixel[0] > 200 and pixel[1] < 40 and pixel[2] < 40, pixel           # a nucleus's centre: red
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("This is false colour.").is_visible()
    for name in ("Download PNG", "Download 16-bit TIFF"):
        assert page.get_by_role("button", name=name).is_visible()
    page.get_by_role("heading", name="3 · The picture").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    screenshot(page, "9_false_colour")
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_specialise_on_colour_examples_then_colorize_with_it(tab, tmp_path):
    """Issue 31's flow: five colour examples uploaded, Learn, the held-out before/after and scores, the model
    file to download, and the model ticked on Colorize. The server learns 3 passes over 32 crops."""
    from skimage import data

    page = tab.page
    tab.watch.allow_deep_link_probe(tab.url, "/specialise")
    open_app(page, "/specialise", "Teach it your world")
    files = []
    for name in ("coffee", "chelsea", "astronaut", "rocket", "immunohistochemistry"):
        path = tmp_path / f"{name}.jpg"
        Image.fromarray(np.asarray(getattr(data, name)())[::2, ::2, :3]).save(path, quality=90)
        files.append(str(path))
    page.locator(UPLOAD_INPUT).first.set_input_files(files)
    page.get_by_text("5 examples; 1 of them is held out").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Learn").click()
    page.get_by_text("joined the model choice of this session").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    summary = page.locator('[data-testid="stMarkdownContainer"] p', has_text="on 1 held-out example ΔE2000")
    assert summary.first.is_visible() and "Specialised on 5 examples" in summary.first.inner_text()
    image_with_caption(page, "specialised").first.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download the model (.keras)").click()
    saved = tmp_path / "specialised.keras"
    dl.value.save_as(saved)
    assert zipfile.is_zipfile(saved) and "classroom.json" in zipfile.ZipFile(saved).namelist()
    page.get_by_role("heading", name="3 · Your specialised model").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    screenshot(page, "10_specialise")
    assert_no_exception(page)
    tab.watch.assert_clean()


@pytest.mark.training
def test_train_your_own_default_run_with_screenshot(tab):
    """Train your own: the default run (8 epochs) from the Train button to "Finished", its curves and filmstrip,
    and the model joining the session's choice; the screenshot of the README and docs/classroom.md."""
    page = tab.page
    open_app(page)
    go_to(page, "Train your own")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("button", name="Cancel").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(re.compile(r"Finished 8 epochs in [\d:]+\.|The run stopped")).first.wait_for(timeout=900_000)
    assert page.get_by_text("The run stopped").count() == 0, page.get_by_text("The run stopped").first.inner_text()
    page.get_by_text("joined the model choice of this session").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.get_by_role("button", name="Train", exact=True).is_visible()
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text(re.compile(r"Held-out colour error after epoch 8: ΔE2000 [\d.]+")).count() == 1
    page.set_viewport_size({"width": 1280, "height": 1400})           # the curves and the filmstrip together
    page.mouse.move(1270, 1390)                  # over nothing (a chart shows its toolbar, the sidebar its button)
    page.get_by_role("heading", name="2 · Watch it learn").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    screenshot(page, "8_train_your_own")
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_watch_catches_problems(tab):
    """The safety net itself: an external request is aborted and recorded, console and page errors are seen."""
    page = tab.page
    open_app(page)
    page.evaluate("""async () => {
        try { await fetch('http://example.invalid/tracker.js'); } catch (e) { /* aborted */ }
        console.error('deliberate console error');
        setTimeout(() => { throw new Error('deliberate page error'); }, 0);
    }""")
    page.wait_for_timeout(500)
    assert any("example.invalid/tracker.js" in m for m in tab.watch.external), tab.watch.external
    assert any("deliberate console error" in m for m in tab.watch.console_errors), tab.watch.console_errors
    assert any("deliberate page error" in m for m in tab.watch.page_errors), tab.watch.page_errors
    with pytest.raises(AssertionError, match="external request: GET http://example.invalid/tracker.js"):
        tab.watch.assert_clean()


# --------------------------------------------------------------------------- the projector (presentation mode)

PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
PORTRAIT_SIZE = (720, 900)    # width, height: a portrait photo taller than a projector's free height
ROOT_PX = 21                  # presentation mode's root font size (PRESENTATION_CSS)
BIG_TEXT = 1.15 * ROOT_PX     # every text a class must read: at least this many px (24 px)

def font_sizes(page, selector: str) -> list[float]:
    """Computed font sizes (px) of the text in the elements matching ``selector``: of each element (or
    descendant) with text of its own, and of each text input (a dropdown's shown value)."""
    return page.locator(selector).evaluate_all(
        "roots => roots.flatMap(r => [r, ...r.querySelectorAll('*')])"
        ".filter(e => (e.tagName === 'INPUT' && e.value) ||"
        " [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))")


def smallest(page, selector: str) -> float:
    sizes = font_sizes(page, selector)
    assert sizes, f"nothing with text matches {selector}"
    return min(sizes)


@pytest.fixture(scope="module")
def portrait_photo(tmp_path_factory):
    """A portrait colour JPEG (a crop of scikit-image's astronaut, 720 x 900)."""
    from skimage import data

    rgb = np.asarray(data.astronaut())[:, 56:466]
    path = tmp_path_factory.mktemp("portrait") / "portrait.jpg"
    Image.fromarray(rgb).resize(PORTRAIT_SIZE, Image.LANCZOS).save(path, format="JPEG", quality=92)
    return path


def slider_box(page) -> dict:
    slider = page.locator(SLIDER)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=compare-slider] img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)", timeout=TIMEOUT_MS)
    page.wait_for_timeout(400)                   # the fit runs on the next animation frame
    return slider.bounding_box()


def test_projector_presentation_mode(browser, app_server, portrait_photo):
    """1920 x 1080, opened by its bookmark (?present=1): every text grows and none shrinks (measured),
    the Compare slider shows a portrait photo whole without scrolling (also at 1366 x 768), and a
    reload keeps presentation mode and the chosen samples. Screenshots for the README."""
    context = browser.new_context(viewport=PROJECTOR, base_url=app_server.url)
    context.set_default_timeout(60_000)
    watch = Watch()
    watch.attach(context)
    page = context.new_page()
    sizes: dict[str, float] = {}
    try:
        open_app(page, "/?present=1")
        assert page.get_by_role("switch", name="Presentation mode").is_checked()
        sizes["h1"] = smallest(page, "h1 [data-heading-text]")
        sizes["paragraph"] = smallest(page, '[data-testid="stMarkdownContainer"] p')
        upload(page, portrait_photo)
        page.get_by_text("1. portrait.jpg").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        sizes["file chip"] = smallest(page, '[data-testid="stFileChips"]')
        sizes["dropdown value (models)"] = smallest(page, '[data-testid="stMultiSelectTagsContainer"]')
        sizes["slider value"] = smallest(page, '[data-testid="stSliderThumbValue"]')
        sizes["slider ends"] = smallest(page, '[data-testid="stSliderTickBar"]')
        sizes["image caption"] = smallest(page, '[data-testid="stImageCaption"]')
        screenshot(page, "p1_colorize_projector")

        go_to(page, "Compare")
        box = slider_box(page)
        sizes["dropdown value (compare)"] = smallest(page, '[data-testid="stSelectbox"] input')
        sizes["compare slider labels"] = smallest(page, f"{SLIDER} .cs-label")
        sizes["slider 1920 x 1080"] = box["height"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box     # whole, no scrolling
        assert box["height"] >= 0.55 * PROJECTOR["height"], box                            # and still big
        assert abs(box["width"] / box["height"] - PORTRAIT_SIZE[0] / PORTRAIT_SIZE[1]) < 0.03, box
        screenshot(page, "p2_compare_projector")
        page.set_viewport_size(LAPTOP)
        box = slider_box(page)
        sizes["slider 1366 x 768"] = box["height"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], box
        page.set_viewport_size(PROJECTOR)

        go_to(page, "Metrics")
        page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)
        sizes["metric value"] = smallest(page, '[data-testid="stMetricValue"]')
        sizes["metric label"] = max(font_sizes(page, '[data-testid="stMetricLabel"]'))
        chart_text = page.locator('[data-testid="stPlotlyChart"] svg text').evaluate_all(
            "els => els.filter(e => e.textContent.trim()).map(e => parseFloat(e.style.fontSize"
            " || getComputedStyle(e).fontSize))")
        sizes["chart text"] = min(chart_text)
        screenshot(page, "p4_metrics_projector")

        # a reload (or the bookmark) keeps presentation mode and the chosen samples
        go_to(page, "Colorize")
        page.get_by_role("button", name="Try a sample photo").click()
        wait_for_result(page)
        assert "present=1" in page.url and "samples=camera" in page.url, page.url
        page.reload()
        heading(page, "Colorize").wait_for(timeout=TIMEOUT_MS)
        wait_for_result(page)
        assert page.get_by_role("switch", name="Presentation mode").is_checked()
        assert page.get_by_text("Photographer with a camera").count() >= 1
        assert smallest(page, "h1 [data-heading-text]") == sizes["h1"]
        assert_no_exception(page)
        watch.assert_clean()
    finally:
        print("presentation mode, measured px:", {k: round(v, 1) for k, v in sizes.items()})
        context.close()
    for what in ("paragraph", "file chip", "dropdown value (models)", "dropdown value (compare)", "slider value",
                 "slider ends", "image caption", "chart text", "metric label", "compare slider labels"):
        assert sizes[what] >= BIG_TEXT, (what, sizes)
    assert sizes["metric value"] >= 2.5 * ROOT_PX and sizes["metric value"] > 2 * sizes["metric label"], sizes
    assert sizes["h1"] >= 3 * ROOT_PX


def test_render_factor_from_the_keyboard_waits_for_apply(tab):
    """Twelve arrow presses on the render-factor slider colour nothing; "Apply" colours once."""
    import time

    page = tab.page
    open_app(page)
    page.get_by_role("button", name="Try a sample photo").click()
    wait_for_result(page)
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    from ui.pickers import RF_MIN

    start = RF_MIN + int(thumb.input_value())            # a range input over the options, by index
    assert thumb.get_attribute("aria-valuetext").startswith(str(start))
    thumb.focus()
    t0 = time.perf_counter()
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(1000)
    presses_s = time.perf_counter() - t0
    assert RF_MIN + int(thumb.input_value()) == start + 12
    assert page.locator('[data-testid="stStatusWidget"]').count() == 0         # no run started
    assert page.get_by_text(f"{16 * start} px").count() >= 1                  # still the applied factor
    t0 = time.perf_counter()
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(f"{16 * (start + 12)} px").first.wait_for(timeout=TIMEOUT_MS)
    wait_for_result(page)
    applied_s = time.perf_counter() - t0
    print(f"12 arrow presses: {presses_s:.2f} s (1 s of it waiting), Apply to result: {applied_s:.2f} s")
    assert page.get_by_text(re.compile(r"Coloured 1 image in [\d.]+ s")).is_visible()
    assert_no_exception(page)
    tab.watch.assert_clean()


def test_the_server_terminal_shows_only_our_messages(app_server, tab):
    """After the tests above (the model loaded, photos coloured): no TensorFlow / absl / oneDNN lines and
    no Python warnings or tracebacks in the terminal that runs the app."""
    page = tab.page
    open_app(page)
    page.get_by_role("button", name="Try a sample photo").click()
    wait_for_result(page)
    log = app_server.log_tail(20_000)
    for noise in ("absl", "oneDNN", "I0000", "tensorflow", "Warning", "Traceback"):
        assert noise not in log, log
    assert "You can now view your Streamlit app in your browser" in log
