"""Build of fcviz's optional compiled k-means core; everything else is in pyproject.toml.

``fcviz._ckmeans`` is optional: where it does not build, fcviz runs the pure-numpy path.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("fcviz._ckmeans", ["fcviz/_ckmeans.c"], optional=True, extra_compile_args=["-O3"])])
