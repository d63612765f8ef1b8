"""The module paths of fcviz.viz before the split into ``displays/`` and ``widgets/`` keep working.

``import fcviz.viz.explorers``, ``from fcviz.viz.dashboard import Dashboard`` and
``monkeypatch.setattr("fcviz.viz.dashboard.X", ...)`` still work: each old name is an alias module
(made on import by a finder on ``sys.meta_path``, no file) whose attributes are those of the module(s)
now holding the code; setting an attribute on the alias sets it where the code reads it. New code
imports the new paths.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from importlib import import_module

__all__ = ["MOVED", "install"]

#: Old module -> the modules now holding its names (the first that has a name answers for it).
MOVED = {
    "fcviz.viz.base": ("fcviz.viz.displays.base",),
    "fcviz.viz.curves": ("fcviz.viz.displays.curves",),
    "fcviz.viz.matrices": ("fcviz.viz.displays.matrices",),
    "fcviz.viz.network": ("fcviz.viz.displays.network",),
    "fcviz.viz.scores": ("fcviz.viz.displays.scores", "fcviz.viz.displays.runtime"),
    "fcviz.viz.reports": ("fcviz.viz.displays.reports",),
    "fcviz.viz.explorers": ("fcviz.viz.widgets.explorers", "fcviz.viz.widgets.connectome",
                            "fcviz.viz.widgets.clustering"),
    "fcviz.viz.dynamics_explorer": ("fcviz.viz.widgets.dynamics",),
    "fcviz.viz.lessons": ("fcviz.viz.widgets.lessons",),
    "fcviz.viz.dashboard": ("fcviz.viz.widgets.dashboard",),
}


class _Alias(types.ModuleType):
    """An old module path: reads, writes and deletions of names go to the modules now holding them."""

    def _targets(self):
        return [import_module(name) for name in MOVED[self.__name__]]

    @property
    def __dict__(self):
        """The names of the modules now holding the code (read-only; the first module wins), so that
        tools reading ``vars(alias)`` (pytest's monkeypatch among them) see what attribute access sees."""
        names = {}
        for module in reversed(self._targets()):
            names.update(vars(module))
        return types.MappingProxyType(names)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        for module in self._targets():
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {self.__name__!r} (now {MOVED[self.__name__][0]}) has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name.startswith("__"):
            return super().__setattr__(name, value)
        targets = self._targets()
        holders = [module for module in targets if name in vars(module)] or targets[:1]
        for module in holders:  # e.g. a function that two of the new modules import
            setattr(module, name, value)

    def __delattr__(self, name):
        for module in self._targets():
            if name in vars(module):
                delattr(module, name)

    def __dir__(self):
        return sorted({name for module in self._targets() for name in dir(module)})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return _Alias(spec.name, f"Old path of {MOVED[spec.name][0]} (see fcviz.viz._moved).")

    def exec_module(self, module):
        module._targets()  # import the new modules now: errors surface at the import, as before


def install():
    """Put the finder of the old paths on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
