"""core.video and ``python -m core video``: tiny clips made here go through the engine and the command line."""

from __future__ import annotations

import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, cli_env
from video_util import decode, frame_times, make_clip, pan_frames, write_frames

from core import get_colorizer, lab
from core.cli.video import main as video_main
from core.colorizers.base import Colorizer
from core.video import (
    Cancelled,
    VideoError,
    colorize_frames,
    colorize_video,
    make_smoother,
    preview,
    probe,
    read_frame,
    sample_clip,
)
from core.video.flicker import flicker


def leftovers(folder, keep=()):
    """Files in ``folder`` other than ``keep`` (a partial ``.part`` file included)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.fixture
def clip(tmp_path):
    return make_clip(tmp_path / "in.mp4", frames=12, width=64, height=48, fps=12)


# --------------------------------------------------------------------------- the engine


def test_frames_fps_and_size_are_kept_and_the_output_plays_in_browsers(clip, tmp_path):
    out = tmp_path / "out.mp4"
    result = colorize_video(clip, out, model="grayscale")
    assert (result.frames, result.fps, result.width, result.height) == (12, 12.0, 64, 48)
    assert not result.padded and result.audio is None and result.path == out
    facts, frames = decode(out)
    assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p" and facts["format"].startswith("mov")
    assert (facts["width"], facts["height"], facts["fps"], len(frames)) == (64, 48, 12, 12)
    assert frame_times(out) == pytest.approx([i / 12 for i in range(12)], abs=1e-3)      # a constant rate stays
    assert result.duration == pytest.approx(1.0, abs=1e-3)
    with open(out, "rb") as f:                                # +faststart: the index (moov) comes before the data
        head = f.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    # the grey model's output is the input's lightness: the same pictures, up to H.264's losses
    _, source = decode(clip)
    assert np.mean([np.abs(a.astype(int) - b).mean() for a, b in zip(frames, source, strict=True)]) < 3
    assert leftovers(tmp_path) == ["in.mp4", "out.mp4"]


@pytest.mark.parametrize("ext", [".webm", ".avi", ".mov", ".mkv", ".gif"])
def test_other_formats(tmp_path, ext):
    src = make_clip(tmp_path / f"in{ext}", frames=10, width=64, height=48, fps=10)
    info = probe(src)
    result = colorize_video(src, tmp_path / "out.mp4", model="grayscale", smoothing="none")
    facts, frames = decode(result.path)
    assert len(frames) == 10 and (facts["width"], facts["height"]) == (64, 48)
    assert facts["fps"] == info.fps


def test_sound_is_copied(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=12, fps=12, audio="aac")
    result = colorize_video(src, tmp_path / "out.mp4", model="grayscale")
    assert result.audio == "copied"
    facts, frames = decode(result.path)
    assert facts["audio"] == "aac" and len(frames) == 12
    assert facts["audio_seconds"] == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("ext", [".mkv", ".mp4"])
def test_a_variable_frame_rate_clip_keeps_each_frames_time_and_its_sound(tmp_path, ext):
    # frames 1/24 s and 1/8 s apart, as a phone or a screen recorder writes them: 12 frames in 0.917 s
    gaps = [1 / 24 if i % 2 == 0 else 1 / 8 for i in range(11)]
    times = [0.0, *np.cumsum(gaps)]
    src = write_frames(tmp_path / f"vfr{ext}", pan_frames(12), fps=24, audio="aac", audio_seconds=0.9, times=times)
    result = colorize_video(src, tmp_path / "out.mp4", model="grayscale", smoothing="none")
    assert frame_times(result.path) == pytest.approx(times, abs=2e-3)
    end = times[-1] + gaps[-1]
    assert result.frames == 12 and result.duration == pytest.approx(end, abs=2e-3)
    assert result.fps == pytest.approx(12 / end, rel=0.01)
    facts, frames = decode(result.path)
    assert len(frames) == 12 and facts["audio"] == "aac"
    assert facts["audio_seconds"] == pytest.approx(0.9, abs=0.05)        # the sound is all there, from 0 as before
    assert probe(result.path).duration == pytest.approx(end, abs=0.05)


def test_sound_an_mp4_cannot_carry_is_re_encoded_to_aac(tmp_path):
    src = make_clip(tmp_path / "in.avi", frames=10, fps=10, audio="pcm_s16le")
    result = colorize_video(src, tmp_path / "out.mp4", model="grayscale")
    assert result.audio == "re-encoded to AAC"
    facts, _ = decode(result.path)
    assert facts["audio"] == "aac" and facts["audio_seconds"] == pytest.approx(1.0, abs=0.1)


def test_an_odd_size_is_padded_by_one_pixel_and_said(tmp_path):
    src = write_frames(tmp_path / "odd.gif", pan_frames(6, 41, 30), fps=10)
    result = colorize_video(src, tmp_path / "out.mp4", model="grayscale")
    assert result.source_size == (41, 30) and (result.width, result.height) == (42, 30) and result.padded
    assert "41 × 30" in result.describe() and "last column was repeated" in result.describe()
    facts, frames = decode(result.path)
    assert (facts["width"], facts["height"], len(frames)) == (42, 30, 6)
    assert np.abs(frames[0][:, -1].astype(int) - frames[0][:, -2]).mean() < 4      # the repeated column


def test_a_phone_clip_with_a_display_rotation_comes_out_upright(tmp_path):
    """Stored 64 x 48 with "turn 90° counter-clockwise to show": Chromium shows it 48 x 64 with the stored
    top-left corner at the bottom left (checked once by hand in Chromium); so does the result, unrotated."""
    frame = np.zeros((48, 64, 3), np.uint8)
    frame[:12, :20] = 255
    src = write_frames(tmp_path / "phone.mp4", [frame] * 6, fps=6, rotation=90)
    info = probe(src)
    assert (info.rotation, info.width, info.height) == (90, 48, 64)
    result = colorize_video(src, tmp_path / "out.mp4", model="grayscale", smoothing="none")
    _, frames = decode(result.path)
    assert frames[0].shape == (64, 48, 3)
    ys, xs = np.nonzero(frames[0][..., 0] > 128)
    assert ys.min() >= 40 and ys.max() == 63 and xs.min() == 0 and xs.max() <= 13


def test_the_autoencoder_colours_a_clip(clip, tmp_path, autoencoder):
    result = colorize_video(clip, tmp_path / "out.mp4", model=autoencoder, render_factor=4)
    assert (result.frames, result.model, result.render_factor, result.smoothing) == (12, "autoencoder", 4, "flow")
    _, frames = decode(result.path)
    assert len(frames) == 12 and frames[0].shape == (48, 64, 3)


def test_ab_for_lightness_is_colorize_before_the_join(autoencoder, photos):
    for col in (autoencoder, get_colorizer("grayscale")):
        grey = lab.to_grey_rgb(photos["coffee"])
        L = lab.lightness(grey)
        ab = col.ab_for_lightness(L, 4 if col is autoencoder else None)
        assert ab.ndim == 3 and ab.shape[2] == 2 and ab.shape[:2] != L.shape
        assert np.array_equal(col.colorize(grey, 4 if col is autoencoder else None), lab.join_l_ab(L, ab))
    with pytest.raises(ValueError, match="render_factor"):
        autoencoder.ab_for_lightness(L, 1000)


# --------------------------------------------------------------------------- bad clips, limits, cancel


def test_a_truncated_clip_gets_a_friendly_message_and_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=24, width=96, height=64)        # index (moov) at the end
    whole = colorize_video(src, tmp_path / "whole.mp4", model="grayscale").path   # index first (+faststart)
    for name, source, message in (("cut.mp4", src, "not a video that can be read: it is damaged"),
                                  ("cut2.mp4", whole, "cut2.mp4 ends early: only .* of its 24 frames .* cut off")):
        data = source.read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) * 85 // 100])
        with pytest.raises(VideoError, match=message):
            colorize_video(tmp_path / name, tmp_path / "out.mp4", model="grayscale")
    assert leftovers(tmp_path) == ["cut.mp4", "cut2.mp4", "in.mp4", "whole.mp4"]


@pytest.mark.parametrize("content, message", [
    (b"this is a text file, not a video\n" * 20, "not a video"),
    (b"", "empty"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "not a video"),
])
def test_non_video_files_get_a_friendly_message(tmp_path, content, message):
    bad = tmp_path / "film.mp4"
    bad.write_bytes(content)
    with pytest.raises(VideoError, match=message) as e:
        colorize_video(bad, tmp_path / "out.mp4", model="grayscale")
    assert "film.mp4" in str(e.value) and str(tmp_path) not in str(e.value)
    assert leftovers(tmp_path) == ["film.mp4"]


def test_a_still_picture_and_a_missing_file(tmp_path, photos):
    from PIL import Image

    Image.fromarray(photos["coffee"]).save(tmp_path / "photo.png")
    with pytest.raises(VideoError, match="still picture"):
        probe(tmp_path / "photo.png")
    with pytest.raises(VideoError, match="no file"):
        probe(tmp_path / "nothing.mp4")


def test_cancel_leaves_no_file_and_keeps_an_earlier_result(clip, tmp_path):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"an earlier result")
    cancel = threading.Event()

    def progress(done, total):
        assert total == 12
        if done == 3:
            cancel.set()

    with pytest.raises(Cancelled):
        colorize_video(clip, out, model="grayscale", progress=progress, cancel=cancel)
    assert out.read_bytes() == b"an earlier result"
    assert leftovers(tmp_path) == ["in.mp4", "out.mp4"]
    with pytest.raises(Cancelled):               # a function works as well as an Event
        colorize_video(clip, tmp_path / "new.mp4", model="grayscale", cancel=lambda: True)
    assert leftovers(tmp_path) == ["in.mp4", "out.mp4"]


def test_the_cap_on_duration_times_resolution(clip, tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_MAX_VIDEO_MPS", "0.003")     # 64 x 48 x 1 s = 0.0031 megapixel-seconds
    with pytest.raises(VideoError, match="too long for its size.*up to 0.9 s"):
        colorize_video(clip, tmp_path / "out.mp4", model="grayscale")
    assert leftovers(tmp_path) == ["in.mp4"]
    monkeypatch.setenv("COLORIZER_MAX_VIDEO_MPS", "0.004")
    assert colorize_video(clip, tmp_path / "out.mp4", model="grayscale").frames == 12


def test_a_bad_render_factor_or_smoothing_is_a_value_error(clip, tmp_path):
    with pytest.raises(ValueError, match="render_factor"):
        colorize_video(clip, tmp_path / "out.mp4", model="grayscale", render_factor=0)
    with pytest.raises(ValueError, match="smoothing"):
        colorize_video(clip, tmp_path / "out.mp4", model="grayscale", smoothing="wobbly")
    assert leftovers(tmp_path) == ["in.mp4"]


def test_the_join_and_write_stage_hands_errors_back_and_stops():
    from core.video.stages import JoinAndWrite

    L, ab = np.full((8, 8), 50.0, np.float32), np.zeros((4, 4, 2), np.float32)
    written = []
    stage = JoinAndWrite(written.append)
    for _ in range(5):
        stage.put(L, ab)
    stage.finish()
    assert len(written) == 5 and written[0].shape == (8, 8, 3) and not stage.thread.is_alive()

    def broken(rgb):
        raise OSError("disk full")

    stage = JoinAndWrite(broken)
    stage.put(L, ab)
    with pytest.raises(OSError, match="disk full"):
        for _ in range(50):
            stage.put(L, ab)
        stage.finish()
    stage.stop()
    assert not stage.thread.is_alive()


def test_memory_does_not_grow_with_the_clip(tmp_path):
    """Python's allocations peak about the same for 40 and 240 frames (measured: +0.3 MB, garbage collection
    timing); keeping even the decoded frames would add 200 x 37 KB = 7 MB."""
    clips = {n: make_clip(tmp_path / f"in{n}.mp4", frames=n, width=128, height=96) for n in (40, 240)}
    colorize_video(clips[40], tmp_path / "warm.mp4", model="grayscale")          # caches and imports
    peaks = {}
    for n, src in clips.items():
        tracemalloc.start()
        colorize_video(src, tmp_path / f"out{n}.mp4", model="grayscale")
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[240] - peaks[40] < 1_500_000, peaks


# --------------------------------------------------------------------------- smoothing


class Jittery(Colorizer):
    """A model whose colour follows L (a = 0.6 (L - 50), b = 25) plus a new random tint at every frame, smooth
    over the picture: per-frame colouring at its worst, with a known truth."""

    name = "jittery"
    render_factor_range = (1, 64)

    def __init__(self, amount=6.0, seed=0):
        super().__init__()
        self.amount, self.rng = amount, np.random.default_rng(seed)

    @staticmethod
    def truth(L):
        return np.stack([0.6 * (L - 50.0), np.full_like(L, 25.0)], -1).astype(np.float32)

    def predict_ab(self, L_small):
        noise = lab.resize_ab(self.rng.normal(0, self.amount, (3, 4, 2)).astype(np.float32), *L_small.shape)
        return self.truth(L_small) + noise


def test_flow_smoothing_cuts_the_flicker_of_a_pan(photos):
    step = 2
    greys = pan_frames(16, 96, 64, step=step)
    motions = [None] + [np.array([[1, 0, step], [0, 1, 0]], np.float32)] * 15     # pixel x was at x + 2 before
    truth = [lab.join_l_ab(lab.lightness(g), Jittery.truth(lab.lightness(g))) for g in greys]
    scores = {}
    for smoothing in ("none", "flow"):
        outs = list(colorize_frames(greys, Jittery(), 16, smoothing))
        scores[smoothing] = flicker(outs, motions), np.mean([np.abs(lab.rgb_to_lab(o)[..., 1:] -
                                                                    lab.rgb_to_lab(t)[..., 1:]).mean()
                                                             for o, t in zip(outs, truth, strict=True)])
    (flick_none, err_none), (flick_flow, err_flow) = scores["none"], scores["flow"]
    assert flick_none > 2.0                          # the jitter does flicker ...
    assert flick_flow < 0.45 * flick_none, scores    # ... and flow smoothing removes most of it
    assert err_flow < err_none, scores               # averaging the noise away brings the colour closer to the truth


def test_a_scene_cut_starts_the_smoothing_afresh(photos):
    shot_a = pan_frames(6, 96, 64, photo="coffee")
    shot_b = [np.ascontiguousarray(255 - f) for f in pan_frames(6, 96, 64, photo="astronaut")]
    frames = shot_a + shot_b
    col = Jittery(amount=0.0)
    flow, average = make_smoother("flow"), make_smoother("average")
    out_flow = list(colorize_frames(frames, col, 16, flow))
    out_avg = list(colorize_frames(frames, col, 16, average))
    out_none = list(colorize_frames(frames, col, 16, "none"))
    assert flow.cuts == [6] and average.cuts == []

    def diff(a, b):
        return float(np.abs(lab.rgb_to_lab(a)[..., 1:] - lab.rgb_to_lab(b)[..., 1:]).mean())

    assert diff(out_flow[6], out_none[6]) < 0.5         # right after the cut: the new shot's own colours
    assert diff(out_avg[6], out_none[6]) > 5.0          # the running average carries the old shot's colours over


def test_what_a_moving_object_uncovers_takes_the_new_colour():
    """A bright square slides right over a textured grey background: where it has just left, flow smoothing
    takes the background's own colour (the warped history does not match L there), not the square's (up to
    the 5 x 5 pixels over which the match is judged)."""
    rng = np.random.default_rng(1)
    background = np.clip(50 + rng.normal(0, 6, (64, 96)), 0, 100).astype(np.float32)
    background = lab.resize_l(lab.resize_l(background, 16, 24), 64, 96)            # smooth texture, L ~ 50
    frames = []
    for t in range(8):
        L = background.copy()
        L[20:44, 10 + 6 * t: 34 + 6 * t] = 92.0
        frames.append(lab.join_l_ab(L, np.zeros((64, 96, 2), np.float32)))
    a = {name: lab.rgb_to_lab(list(colorize_frames(frames, Jittery(amount=0.0), 16, name))[-1])[..., 1]
         for name in ("none", "flow", "average")}
    # the square is at x = 52 ... 75 in the last frame; x = 36 ... 47 were under it in earlier frames
    square, uncovered = (slice(24, 40), slice(54, 62)), (slice(24, 40), slice(36, 48))
    assert abs(a["none"][square].mean() - a["none"][uncovered].mean()) > 5      # the two colours differ
    for where in (square, uncovered):                  # flow: each place has its own colour, as if per frame
        assert np.abs(a["flow"][where] - a["none"][where]).mean() < 1.5, where
    assert np.abs(a["average"][uncovered] - a["none"][uncovered]).mean() > 3    # the average drags a trail


def test_unknown_smoothing():
    with pytest.raises(ValueError, match="flow, none, average"):
        make_smoother("blur")


# --------------------------------------------------------------------------- preview, sample clip


def test_read_frame_and_preview(tmp_path):
    frames = pan_frames(12, 64, 48, step=4)
    src = write_frames(tmp_path / "in.mp4", frames, fps=12)
    first, last = read_frame(src, 0.0), read_frame(src, 1.0)
    assert first.shape == (48, 64, 3)
    assert np.abs(first.astype(int) - frames[0]).mean() < np.abs(first.astype(int) - frames[-1]).mean()
    assert np.abs(last.astype(int) - frames[-1]).mean() < np.abs(last.astype(int) - frames[0]).mean()
    grey, coloured = preview(src, "grayscale", position=0.5)
    assert grey.shape == coloured.shape == (48, 64, 3)


def test_the_sample_clip_is_made_once(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_CACHE", str(tmp_path))
    path = sample_clip()
    info = probe(path)
    assert (info.width, info.height, info.frames, info.fps, info.has_audio) == (480, 270, 96, 24, False)
    stamp = path.stat().st_mtime_ns
    assert sample_clip() == path and path.stat().st_mtime_ns == stamp
    frame = read_frame(path, 0.5)
    assert np.array_equal(frame[..., 0], frame[..., 1]) or np.abs(frame[..., 0].astype(int) - frame[..., 2]).max() < 3


# --------------------------------------------------------------------------- the command line


def run_cli(args, **env):
    """A real ``python -m core video`` process: the command's one subprocess test (the rest run in-process)."""
    return subprocess.run([sys.executable, "-m", "core", "video", *map(str, args)], cwd=ROOT, env=cli_env(**env),
                          capture_output=True, text=True, timeout=300)


def test_cli_colours_a_clip_with_sound(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=12, fps=12, audio="aac")
    out = tmp_path / "result" / "out.mp4"
    r = run_cli([src, "--out", out, "--model", "grayscale", "--smoothing", "flow"])
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "12/12" in r.stderr and f"-> {out}" in r.stderr
    facts, frames = decode(out)
    assert (len(frames), facts["fps"], facts["width"], facts["height"], facts["audio"]) == (12, 12, 64, 48, "aac")


def test_cli_default_out_is_beside_the_clip(tmp_path, monkeypatch, cli):
    """Without --out the result goes beside the clip, not into the folder the command ran in (issue 30)."""
    (tmp_path / "films").mkdir()
    src = make_clip(tmp_path / "films" / "reel.mp4", frames=4, fps=8)
    monkeypatch.chdir(tmp_path)
    r = cli(["video", src, "--model", "grayscale", "--smoothing", "none"])
    assert r.returncode == 0, r.stderr
    assert f"-> {tmp_path / 'films' / 'reel_grayscale.mp4'}" in r.stderr, r.stderr
    assert probe(tmp_path / "films" / "reel_grayscale.mp4").frames == 4 and not (tmp_path / "colorized").exists()


def test_cli_messages_and_exit_codes(clip, tmp_path, capsys):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    assert video_main([str(bad), "--out", str(tmp_path / "x.mp4")]) == 1
    assert "error: notes.mp4 is not a video" in capsys.readouterr().err
    assert video_main([str(clip), "--out", str(tmp_path / "x.mp4"), "--model", "nope"]) == 2
    assert "unknown model 'nope'" in capsys.readouterr().err
    assert video_main([str(clip), "--out", str(tmp_path / "x.avi"), "--model", "grayscale"]) == 2
    assert "must end in .mp4" in capsys.readouterr().err
    assert video_main([str(clip), "--out", str(clip), "--model", "grayscale"]) == 2
    assert "input clip itself" in capsys.readouterr().err
    assert video_main([]) == 2
    (tmp_path / "x.mp4").write_bytes(b"old")
    assert video_main([str(clip), "--out", str(tmp_path / "x.mp4"), "--model", "grayscale"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert video_main([str(clip), "--out", str(tmp_path / "x.mp4"), "--model", "grayscale", "--overwrite",
                       "--render-factor", "999"]) == 2
    assert "render_factor" in capsys.readouterr().err
    assert (tmp_path / "x.mp4").read_bytes() == b"old"


def test_cli_sample_clip(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLORIZER_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    assert video_main(["--sample", "--model", "grayscale", "--smoothing", "none"]) == 0
    out = tmp_path / "colorized" / "sample_grayscale.mp4"                 # the default --out
    assert f"-> {Path('colorized') / 'sample_grayscale.mp4'}" in capsys.readouterr().err
    assert probe(out).frames == 96
    assert video_main(["--sample", str(out)]) == 2                       # a clip or --sample, not both


def test_cli_help(cli):
    r = cli(["video", "--help"])
    assert r.returncode == 0 and "python -m core video" in r.stdout and "--smoothing" in r.stdout
    assert "video" in cli(["--help"]).stdout
