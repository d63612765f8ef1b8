"""Names of a package that import their module on first use (``import fcviz.viz`` stays light).

:func:`lazy_names` gives a package's ``__getattr__`` and ``__dir__`` for a table ``name -> submodule``:
the submodule is imported when the name is first read, and the value is kept in the package.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["lazy_names"]


def lazy_names(package, table):
    """``(__getattr__, __dir__)`` for ``package`` (its ``__name__``) whose ``table`` maps names to submodules."""
    namespace = import_module(package).__dict__

    def __getattr__(name):
        if name in table:
            value = getattr(import_module(f"{package}.{table[name]}"), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
