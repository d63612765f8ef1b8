"""Teaching with fcviz: the lessons' self-checks, their student versions and their gallery.

- :mod:`fcviz.teach.checks`: the check functions the exercises of the notebooks call. Each compares
  a student's answer with what fcviz computes itself, prints ``✓ <what>: True`` when it is right and
  raises :class:`AssertionError` saying what is off, with a hint, when it is not.
- :mod:`fcviz.teach.assign`: the student versions of the notebooks with nbgrader (``make student``,
  ``python -m fcviz student``) and their autograding (the ``teach`` extra).
- :mod:`fcviz.teach.gallery`: the notebooks executed into HTML pages with their run time and peak
  memory (``make gallery``); ``benchmarks/bench_notebooks.py`` measures with the same code.

``import fcviz`` does not import this package, and this package imports its modules only when one
is asked for: the checks need numpy and fcviz only, the other two need nbgrader or nbconvert.
"""

from importlib import import_module

__all__ = ["assign", "checks", "gallery"]


def __getattr__(name):
    if name in __all__:
        module = import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'fcviz.teach' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
