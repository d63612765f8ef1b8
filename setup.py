"""Compiled kernels of fcviz (everything else is in pyproject.toml).

The extensions are optional: where no C compiler is at hand, ``pip install`` still succeeds and fcviz
runs the same algorithms in numpy (slower; ``fcviz._decompose.COMPILED`` tells which is in use).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("fcviz._graphkernels", ["fcviz/_graphkernels.c"], optional=True, extra_compile_args=["-O3"]),
    ]
)
