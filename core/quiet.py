"""Only our own messages: TensorFlow's native start-up lines (absl, oneDNN) are kept off the terminal.

TensorFlow's C++ libraries print "All log messages before absl::InitializeLog() ..." and "oneDNN
custom operations are on ..." straight to the process's stderr while ``import tensorflow`` runs,
before ``TF_CPP_MIN_LOG_LEVEL`` can apply. :func:`import_tensorflow` imports it once with the stderr
file descriptor pointed at the null device; errors still surface as Python exceptions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import warnings

_lock = threading.Lock()


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what native code writes to file descriptor 2 to the null device for the duration."""
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    except (AttributeError, OSError, ValueError):
        yield
        return
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            sys.stderr.flush()
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """``import tensorflow`` (and Keras) without TensorFlow's native log lines; returns the module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _lock:
        if "tensorflow" not in sys.modules:
            with native_stderr_silenced(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import keras  # noqa: F401
                import tensorflow  # noqa: F401
            logging.getLogger("absl").setLevel(logging.ERROR)
            tf_logger = logging.getLogger("tensorflow")
            tf_logger.setLevel(logging.ERROR)
    import tensorflow

    return tensorflow
