"""Writing the coloured clip with PyAV: H.264 / yuv420p MP4 with +faststart, the source's sound, and nothing
left behind unless the whole clip was written (a temporary file is renamed at the very end)."""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from core.pipeline import temp_name
from core.video.limits import VideoError
from core.video.reader import VideoInfo, open_container

CRF = 18                     # x264 quality (lower = better, bigger); 18 is "visually lossless" for most material
PRESET = "veryfast"          # x264 speed/size trade-off: encoding stays a small share of the time per frame
COPY_AUDIO = {"aac", "mp3", "opus"}        # codecs an MP4 carries and Chromium plays: copied as they are
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
AUDIO_LEAD = 0.5             # seconds of sound muxed ahead of the pictures (keeps the file interleaved)
BT709 = 1                    # the colour tags of the output (matrix, primaries, transfer): ITU-R BT.709
MPEG_RANGE = 1               # limited ("TV") range, what players expect of yuv420p
FINE_TIME_BASE = Fraction(1, 90000)     # for timestamps whose own unit is coarser than a frame (MPEG's clock)


def time_base_for(info: VideoInfo) -> Fraction:
    """The unit of the output's timestamps: the source's own (so every frame keeps its exact time) when it
    can tell one frame from the next, 1/fps when there is no source (frames numbered 0, 1, 2, ...), else a
    90 kHz clock."""
    fps = Fraction(info.fps)
    tb = info.time_base
    if tb is None:
        return 1 / fps
    return tb if 0 < tb <= 1 / fps and tb.denominator <= 10_000_000 else FINE_TIME_BASE


def even_size(width: int, height: int) -> tuple[int, int]:
    """The size an H.264 yuv420p stream can have: each side rounded up to an even number (4:2:0 colour is
    stored for 2 x 2 pixel blocks, and players need whole blocks)."""
    return width + width % 2, height + height % 2


def pad_to_even(rgb: np.ndarray) -> np.ndarray:
    """An odd-sized frame with its last column and/or row repeated once (nothing of the picture is lost)."""
    h, w = rgb.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return rgb
    return np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


class _Sound:
    """The source's sound track, fed into the output a little ahead of the pictures as they are written:
    copied packet by packet when an MP4 can carry it (AAC, MP3, Opus), otherwise decoded and re-encoded to
    AAC. Kept in step with the pictures: the video's first timestamp becomes 0 for both."""

    def __init__(self, src, info: VideoInfo, out):
        import av

        self.av = av
        self.out = out
        self.input = open_container(src)
        self.stream = self.input.streams.audio[0]
        self.offset = info.start
        cc = self.stream.codec_context
        if cc.name in COPY_AUDIO:
            self.mode = "copied"
            self.ostream = out.add_stream_from_template(self.stream)
            self.resampler = None
        else:
            self.mode = "re-encoded to AAC"
            layout = "mono" if cc.channels == 1 else "stereo"           # more channels are mixed down to two
            rate = cc.sample_rate if cc.sample_rate in AAC_RATES else 48000
            self.ostream = out.add_stream("aac", rate=rate, layout=layout, format="fltp")
            self.ostream.bit_rate = 96_000 if layout == "mono" else 160_000
            self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=1024)
        self.packets = self.input.demux(self.stream)
        self.pending = None            # a packet read ahead whose time has not come yet
        self.done = False

    def _shifted(self, packet):
        """The packet with the video's start taken off its timestamps; None if it lies before the start."""
        tb = packet.time_base or self.stream.time_base
        shift = int(round(self.offset / tb)) if tb else 0
        if packet.pts is not None:
            if packet.pts - shift < 0:
                return None
            packet.pts -= shift
        if packet.dts is not None:
            packet.dts = max(packet.dts - shift, 0)
        return packet

    def _emit(self, packet) -> None:
        if self.resampler is None:
            packet = self._shifted(packet)
            if packet is not None:
                packet.stream = self.ostream
                self.out.mux(packet)
            return
        for frame in packet.decode():
            if frame.time is not None and frame.time < self.offset:
                continue
            frame.pts = None
            for f in self.resampler.resample(frame):
                self.out.mux(self.ostream.encode(f))

    def until(self, seconds: float | None) -> None:
        """Mux every packet that starts before ``seconds`` (output time); all that is left when None."""
        if self.done:
            return
        try:
            while True:
                packet = self.pending if self.pending is not None else next(self.packets, None)
                self.pending = None
                if packet is None:
                    self.done = True
                    return
                if packet.dts is None and packet.pts is None:       # the demuxer's empty flush packet
                    continue
                t = float(packet.pts * packet.time_base) - self.offset if packet.pts is not None else None
                if seconds is not None and t is not None and t > seconds:
                    self.pending = packet
                    return
                self._emit(packet)
        except self.av.FFmpegError:
            self.done = True            # damaged sound: the pictures matter more; what was read is kept

    def finish(self) -> None:
        self.until(None)
        if self.resampler is not None:
            with contextlib.suppress(self.av.FFmpegError):
                for f in self.resampler.resample(None):
                    self.out.mux(self.ostream.encode(f))
                self.out.mux(self.ostream.encode(None))

    def close(self) -> None:
        self.input.close()


class VideoWriter:
    """Frames in, an H.264 MP4 out::

        with VideoWriter("out.mp4", info, sound_from="in.mp4") as w:
            for rgb in frames:
                w.write(rgb)

    The clip is written to a hidden ``.part`` file beside ``dst`` and renamed to ``dst`` only when the block
    ends normally; on any exception (a cancel included) the partial file is removed and ``dst`` is untouched.
    Odd sizes are padded to even ones (:func:`pad_to_even`); ``size`` says what was written."""

    def __init__(self, dst, info: VideoInfo, sound_from=None, crf: int = CRF, preset: str = PRESET):
        import av

        self.av = av
        self.dst = Path(dst)
        self.fps = Fraction(info.fps)
        self.size = even_size(info.width, info.height)
        self.frames = 0
        self.time_base = time_base_for(info)
        self.step = max(1, round(1 / (self.fps * self.time_base)))     # one frame at the nominal rate, in ticks
        self.pts = -1                       # the last frame's timestamp (in time_base ticks)
        self.gap = self.step                # the last frame's distance to the one before: the last one lasts as long
        self.sound = None
        folder = self.dst.parent
        if not folder.is_dir():
            raise VideoError(f"Cannot write {self.dst.name}: its folder does not exist.")
        self.tmp = temp_name(self.dst)
        try:
            self.out = av.open(str(self.tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        except (av.FFmpegError, OSError) as e:
            self.tmp.unlink(missing_ok=True)
            raise VideoError(f"Cannot write {self.dst.name}: {getattr(e, 'strerror', None) or e}") from e
        try:
            stream = self.out.add_stream("libx264", rate=self.fps)
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            stream.time_base = stream.codec_context.time_base = self.time_base
            stream.options = {"crf": str(crf), "preset": preset}
            cc = stream.codec_context
            cc.colorspace = cc.color_primaries = cc.color_trc = BT709
            cc.color_range = MPEG_RANGE
            self.stream = stream
            if sound_from is not None and info.has_audio:
                self.sound = _Sound(sound_from, info, self.out)
        except BaseException:
            self.abort()
            raise

    @property
    def audio(self) -> str | None:
        """What happened to the sound: "copied", "re-encoded to AAC" or None (there was none)."""
        return self.sound.mode if self.sound is not None else None

    def write(self, rgb: np.ndarray, t: Fraction | float | None = None) -> None:
        """Encode one frame, shown from ``t`` seconds (its source timestamp, so a variable-frame-rate clip keeps
        its timing); None = one frame at the nominal rate after the last. Times are kept strictly increasing
        (a repeated or backward timestamp moves on by one tick)."""
        frame = self.av.VideoFrame.from_ndarray(np.ascontiguousarray(pad_to_even(rgb)), format="rgb24")
        frame = frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG",
                               dst_color_trc=BT709, dst_color_primaries=BT709)
        pts = (self.pts + self.step if self.pts >= 0 else 0) if t is None else round(Fraction(t) / self.time_base)
        pts = max(pts, self.pts + 1, 0)
        if self.pts >= 0:
            self.gap = pts - self.pts
        frame.pts, frame.time_base, self.pts = pts, self.time_base, pts
        self._mux(self.stream.encode(frame))
        self.frames += 1
        if self.sound is not None:
            self.sound.until(float(self.end) + AUDIO_LEAD)

    def _mux(self, packets) -> None:
        """Mux encoded pictures, each lasting the latest gap between frames (x264 gives no durations, and the
        muxer would take 1/fps: the last picture of a variable-rate clip would be held too long)."""
        for packet in packets:
            packet.duration = self.gap
            self.out.mux(packet)

    @property
    def end(self) -> Fraction:
        """Where the written pictures end, seconds: the last frame's time plus its duration (taken to be the
        gap before it)."""
        return (self.pts + self.gap) * self.time_base if self.pts >= 0 else Fraction(0)

    def close(self) -> Path:
        """Finish the file and move it into place; returns ``dst``."""
        try:
            self._mux(self.stream.encode(None))
            if self.sound is not None:
                self.sound.finish()
            self.out.close()
            if self.sound is not None:
                self.sound.close()
            os.replace(self.tmp, self.dst)
        except BaseException as e:
            self.abort()
            if isinstance(e, (self.av.FFmpegError, OSError)):
                raise VideoError(f"Cannot write {self.dst.name}: {getattr(e, 'strerror', None) or e}") from e
            raise
        return self.dst

    def abort(self) -> None:
        """Close without keeping anything."""
        with contextlib.suppress(Exception):
            self.out.close()
        if self.sound is not None:
            with contextlib.suppress(Exception):
                self.sound.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
