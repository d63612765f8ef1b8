"""Shared fixtures: a non-interactive matplotlib backend, figures closed after each test, seeded RNG."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Zoo caches of the tests go to a temporary folder, never to the user's cache."""
    monkeypatch.setenv("FCVIZ_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "fcviz-cache"))


@pytest.fixture
def rng():
    return np.random.default_rng(20221125)


def symmetric(weights):
    """A symmetric graph with zero diagonal from the upper triangle of ``weights`` (..., n, n)."""
    upper = np.triu(weights, 1)
    return upper + np.swapaxes(upper, -1, -2)
