"""Progress reports and cancellation of long builds (training, connectome zoos), torch-free.

Long work in fcviz (:func:`fcviz.train_networks`, :func:`fcviz.connectome_zoo`,
:meth:`fcviz.ConnectomeZoo.recorded_over`) accepts two optional arguments beside its ``progress=``
bar flag:

* ``progress_callback``: a callable that receives one :class:`BuildProgress` per step (at least once
  per training epoch, once per training run of a zoo, and once at the end). It runs in the thread that
  does the work; a widget that draws from it should only store the report or hand it to its own loop.
  An exception raised by the callback aborts the build and propagates.
* ``cancel``: a :class:`threading.Event` (or any object with an ``is_set()`` method). The work checks
  it between training batches and between recording steps; once it is set the work stops and raises
  :class:`BuildCancelled`. A cancelled zoo build writes no cache entry.

Examples
--------
>>> import threading
>>> reports, stop = [], threading.Event()
>>> check_progress_callback(reports.append) is not None, check_cancel(stop) is stop
(True, True)
>>> BuildProgress("train", 3, 12, "epoch 3/12").fraction
0.25
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BuildProgress", "BuildCancelled", "check_progress_callback", "check_cancel", "raise_if_cancelled"]

#: The stages a :class:`BuildProgress` can report, in the order a zoo build goes through them.
STAGES = ("stimuli", "train", "record", "done")


@dataclass(frozen=True)
class BuildProgress:
    """One progress report of a long build.

    Attributes
    ----------
    stage : str
        What is running: ``"stimuli"`` (loading stimuli), ``"train"`` (a training epoch ended),
        ``"record"`` (connectomes of a group of networks were recorded) or ``"done"`` (the last report;
        then ``done == total``).
    done : int
        Units of work finished so far, ``0 <= done <= total``; never decreases within one build.
    total : int
        Units of work of the whole build; constant within one build. :func:`fcviz.train_networks`
        counts epochs (epochs × networks when training sequentially); :func:`fcviz.connectome_zoo`
        counts training epochs over all its runs (runs × epochs);
        :meth:`fcviz.ConnectomeZoo.recorded_over` counts connectomes.
    message : str
        A short human-readable line, e.g. ``"vanilla, class 3: epoch 4/15"``.
    """

    stage: str
    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        """``done / total`` as a float in [0, 1] (1.0 when ``total`` is 0)."""
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)


class BuildCancelled(RuntimeError):
    """Raised when a build stops because its ``cancel`` event was set.

    Nothing of the cancelled build is kept: a zoo writes no cache entry (and leaves no temporary file).
    """


def check_progress_callback(value, name: str = "progress_callback") -> Callable | None:
    """Validate a progress callback: None or a callable taking one :class:`BuildProgress`.

    Parameters
    ----------
    value : callable or None
        What the caller passed.
    name : str, default="progress_callback"
        The parameter's name, for the message.

    Returns
    -------
    callable or None
        ``value`` unchanged.

    Raises
    ------
    ValueError
        When ``value`` is neither None nor callable.
    """
    if value is not None and not callable(value):
        raise ValueError(
            f"{name} must be None or a callable taking one fcviz.BuildProgress; got {value!r}. "
            "Pass a function, e.g. progress_callback=reports.append."
        )
    return value


def check_cancel(value, name: str = "cancel"):
    """Validate a cancel flag: None or an object with an ``is_set()`` method (a ``threading.Event``).

    Parameters
    ----------
    value : threading.Event-like or None
        What the caller passed.
    name : str, default="cancel"
        The parameter's name, for the message.

    Returns
    -------
    threading.Event-like or None
        ``value`` unchanged.

    Raises
    ------
    ValueError
        When ``value`` is not None and has no callable ``is_set``.
    """
    if value is not None and not callable(getattr(value, "is_set", None)):
        raise ValueError(
            f"{name} must be None or an object with an is_set() method such as threading.Event(); "
            f"got {value!r}. Create stop = threading.Event(), pass cancel=stop and call stop.set() to cancel."
        )
    return value


def raise_if_cancelled(cancel, what: str = "The build") -> None:
    """Raise :class:`BuildCancelled` if ``cancel`` (None or an Event-like object) is set.

    Parameters
    ----------
    cancel : threading.Event-like or None
        The cancel flag; None never cancels.
    what : str, default="The build"
        The subject of the message.

    Raises
    ------
    BuildCancelled
        When ``cancel.is_set()`` is true.
    """
    if cancel is not None and cancel.is_set():
        raise BuildCancelled(f"{what} was cancelled (its cancel event was set).")
