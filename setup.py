"""Compiled kernels of fcviz (everything else is in pyproject.toml).

The extensions are optional: where no C compiler is at hand, ``pip install`` still succeeds and fcviz
runs the same algorithms in numpy (slower, same results):

- ``fcviz._graphkernels`` (``fcviz/_graphkernels.c``): the kernels of ``birth_death``
  (``fcviz._compiled.ENABLED`` tells whether they run);
- ``fcviz._ckmeans`` (``fcviz/_ckmeans.c``): the k-means core of ``TopClustering`` at weight 0 or 1.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("fcviz._graphkernels", ["fcviz/_graphkernels.c"], optional=True, extra_compile_args=["-O3"]),
        Extension("fcviz._ckmeans", ["fcviz/_ckmeans.c"], optional=True, extra_compile_args=["-O3"]),
    ]
)
