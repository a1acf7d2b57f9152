"""A second thread for the last stage of a frame (join with L, encode) while the first predicts the next one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import numpy as np

from core import lab

DEPTH = 2            # frames waiting between the stages: memory stays constant whatever the clip's length


class JoinAndWrite:
    """``put(L, ab, *extra)`` hands a frame's lightness and smoothed colour over; a worker thread joins them
    (:func:`core.lab.join_l_ab`, the costliest step) and writes the frame (``write(rgb, *extra)``: e.g. its
    timestamp), so the two stages share the CPU
    cores (NumPy, OpenCV, TensorFlow and FFmpeg release the GIL while they compute).

    ``finish()`` waits for the last frame; ``stop()`` drops what is waiting and ends the worker (on an error
    or a cancel: the writer must not be touched by the worker once it is aborted). An error in the worker
    is raised again by the next ``put`` or by ``finish``."""

    def __init__(self, write: Callable[[np.ndarray], None], done: Callable[[], None] | None = None):
        self.write, self.done = write, done
        self.queue: queue.Queue = queue.Queue(maxsize=DEPTH)
        self.error: BaseException | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="video-join", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None or self.stopping.is_set():
                continue
            try:
                L, ab, extra = item
                self.write(lab.join_l_ab(L, ab), *extra)
                if self.done is not None:
                    self.done()
            except BaseException as e:  # noqa: BLE001 - handed to the other thread, which raises it
                self.error = e

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, L: np.ndarray, ab: np.ndarray, *extra) -> None:
        self._raise()
        while True:
            try:
                self.queue.put((L, ab, extra), timeout=0.1)
                return
            except queue.Full:
                self._raise()
                if not self.thread.is_alive():
                    raise RuntimeError("the video writer thread ended early") from None

    def finish(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def stop(self) -> None:
        self.stopping.set()
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        self.queue.put(None)
        self.thread.join()
