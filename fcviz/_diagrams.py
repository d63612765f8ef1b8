"""Persistence diagrams to numbers: the distances, kernels and images of the baselines.

The diagram side of :mod:`fcviz.baselines` (which re-exports every public name here): the
sliced-Wasserstein distance and kernel, the heat kernel, persistence images, and the bottleneck and
Wasserstein distances of ``persim``; plus the import of the optional packages of the
``fcviz[baselines]`` extra, which both modules share.
"""

from __future__ import annotations

import importlib
import math

import numpy as np

from ._linalg import squared_euclidean
from ._validation import check_int, check_option, check_real
from .registry import BASELINE_METHODS

__all__ = ["EXTRA", "require", "check_method", "check_diagrams", "sliced_wasserstein_distance", "heat_kernel",
           "diagram_kernel", "persistence_images", "diagram_distances", "diagram_distance"]

#: How to install what the baselines need.
EXTRA = 'pip install "fcviz[baselines]"'


def require(module):
    """Import an optional dependency, or raise an ImportError that names the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"The persistence-diagram baselines need the optional package {module!r}, which could not "
            f"be imported ({exc}). Install fcviz's baselines extra: {EXTRA}"
        ) from exc


def check_method(method, allowed=BASELINE_METHODS):
    """``method`` if it is one of ``allowed`` (the baselines), else a ValueError listing them."""
    return check_option(method, "method", allowed)


def _check_diagram(dgm, name="diagram"):
    arr = np.asarray(dgm, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"A {name} must be an array of shape (k, 2) of (birth, death) pairs; got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError(
            f"A {name} must have finite births and deaths; drop points that never die first "
            "(persistence_diagrams does)."
        )
    return arr


def check_diagrams(diagrams):
    """A list of diagrams as float arrays of shape (k, 2), each checked; a ValueError naming a bad one."""
    if isinstance(diagrams, np.ndarray) and diagrams.ndim == 2:
        raise ValueError(
            "Expected a list of diagrams; got one array of shape "
            f"{diagrams.shape}. Wrap a single diagram in a list."
        )
    out = [_check_diagram(d, name=f"diagram {i}") for i, d in enumerate(diagrams)]
    if not out:
        raise ValueError("Got no diagrams; pass a list of (k, 2) arrays.")
    return out


def _diagonal_projection(dgm):
    """Orthogonal projections of diagram points on the diagonal, shape (k, 2)."""
    mid = dgm.sum(axis=1) / 2.0
    return np.stack([mid, mid], axis=1)


def sliced_wasserstein_distance(dgm1, dgm2, *, n_directions=50):
    """Sliced-Wasserstein distance between two diagrams (Carrière, Cuturi & Oudot, 2017).

    The average over ``n_directions`` lines through the origin, at angles ``pi/2 + pi i / M``, of the
    1-D 1-Wasserstein distance between the projections of ``dgm1 ∪ Δ(dgm2)`` and ``dgm2 ∪ Δ(dgm1)``,
    where ``Δ`` projects points on the diagonal. Same quantity and directions as
    ``persim.sliced_wasserstein``, vectorised.

    Parameters
    ----------
    dgm1, dgm2 : array-like of shape (k1, 2), (k2, 2)
        Persistence diagrams with finite points.
    n_directions : int, default=50
        Number of directions M.

    Returns
    -------
    float
    """
    a, b = _check_diagram(dgm1), _check_diagram(dgm2)
    return float(sw(a, b, sw_directions(n_directions)))


def sw_directions(n_directions):
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    theta = np.pi * (0.5 + np.arange(n_directions) / n_directions)
    return np.stack([np.cos(theta), np.sin(theta)])  # (2, M)


def sw(a, b, directions):
    if len(a) == 0 and len(b) == 0:
        return 0.0
    left = np.concatenate([a, _diagonal_projection(b)]) @ directions
    right = np.concatenate([b, _diagonal_projection(a)]) @ directions
    left.sort(axis=0)
    right.sort(axis=0)
    return np.abs(left - right).sum(axis=0).mean()


def pss(a, b, sigma):
    """Persistence scale-space (heat) kernel value between two diagrams."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    diff = a[:, None, :] - b[None, :, :]
    mirrored = a[:, None, :] - b[None, :, ::-1]
    scale = 8.0 * sigma
    k = np.exp(-(diff**2).sum(-1) / scale) - np.exp(-(mirrored**2).sum(-1) / scale)
    return float(k.sum() / (np.pi * scale))


def heat_kernel(dgm1, dgm2, *, sigma=None):
    """Heat (persistence scale-space) kernel between two diagrams (Reininghaus et al., 2015).

    ``k(F, G) = 1 / (8 pi sigma) * sum_{p in F, q in G} exp(-|p - q|^2 / (8 sigma))
    - exp(-|p - q'|^2 / (8 sigma))`` with ``q'`` the mirror image of ``q`` in the diagonal; the
    closed form that ``persim.heat`` uses, vectorised. ``persim.heat`` returns the induced distance.

    Parameters
    ----------
    dgm1, dgm2 : array-like of shape (k1, 2), (k2, 2)
        Persistence diagrams with finite points.
    sigma : float or None
        Diffusion time; None picks it from the diagrams (see :func:`diagram_kernel`).

    Returns
    -------
    float
    """
    a, b = _check_diagram(dgm1), _check_diagram(dgm2)
    sigma = heat_sigma([a, b]) if sigma is None else positive(sigma, "sigma")
    return pss(a, b, sigma)


def positive(value, name):
    return check_real(value, name, low=0, closed="neither")


def heat_sigma(diagrams):
    """Default heat-kernel sigma: the kernel's spread 2 sqrt(sigma) equals the median point
    distance to the diagonal over all diagrams (1.0 if all diagrams are empty or on the diagonal)."""
    pts = np.concatenate([d for d in diagrams if len(d)] or [np.zeros((0, 2))])
    to_diag = (pts[:, 1] - pts[:, 0]) / math.sqrt(2.0)
    scale = float(np.median(to_diag)) if to_diag.size and np.median(to_diag) > 0 else 1.0
    return (scale / 2.0) ** 2


def swk_sigma(diagrams, directions):
    """Default SWK sigma: ``2 sigma^2`` is the median sliced-Wasserstein distance of a diagram to the
    empty diagram, a scale computed per diagram (1.0 if all diagrams are empty or on the diagonal)."""
    empty = np.zeros((0, 2))
    sizes = np.array([sw(d, empty, directions) for d in diagrams])
    scale = float(np.median(sizes))
    return math.sqrt(scale / 2.0) if scale > 0 else 1.0


def _sw_matrix(diagrams, n_directions):
    """Symmetric (N, N) matrix of sliced-Wasserstein distances."""
    directions = sw_directions(n_directions)
    S = np.zeros((len(diagrams), len(diagrams)))
    for i, a in enumerate(diagrams):
        for j in range(i + 1, len(diagrams)):
            S[i, j] = S[j, i] = sw(a, diagrams[j], directions)
    return S


def diagram_kernel(diagrams, *, method="SWK", sigma=None, n_directions=50):
    """Kernel (Gram) matrix between persistence diagrams.

    Parameters
    ----------
    diagrams : list of array-like of shape (k_i, 2)
        N persistence diagrams with finite points.
    method : {"SWK", "HK"}, default="SWK"
        ``"SWK"``: sliced-Wasserstein kernel ``exp(-SW / (2 sigma^2))``; sigma None sets
        ``2 sigma^2`` to the median sliced-Wasserstein distance of a diagram to the empty diagram.
        ``"HK"``: heat kernel (:func:`heat_kernel`); sigma None makes the kernel's spread
        ``2 sqrt(sigma)`` equal to the median distance of a point to the diagonal.
        The default sigmas depend on the set of diagrams given: pass a number for values that do not.
    sigma : float or None
        Kernel bandwidth, see ``method``.
    n_directions : int, default=50
        Directions of the sliced-Wasserstein approximation (SWK only).

    Returns
    -------
    ndarray of shape (N, N)
        Symmetric positive semi-definite kernel matrix.
    """
    check_method(method, ("SWK", "HK"))
    dgms = check_diagrams(diagrams)
    if method == "SWK":
        S = _sw_matrix(dgms, n_directions)
        sigma = swk_sigma(dgms, sw_directions(n_directions)) if sigma is None else positive(sigma, "sigma")
        return np.exp(-S / (2.0 * sigma**2))
    sigma = heat_sigma(dgms) if sigma is None else positive(sigma, "sigma")
    K = np.zeros((len(dgms), len(dgms)))
    for i, a in enumerate(dgms):
        for j in range(i, len(dgms)):
            K[i, j] = K[j, i] = pss(a, dgms[j], sigma)
    return K


def kernel_to_distance(K):
    D = np.sqrt(squared_euclidean(inner=K, x_norms=np.diag(K)))
    np.fill_diagonal(D, 0.0)
    return D


def persistence_images(diagrams, *, resolution=20, pixel_size=None, spread=1.0):
    """Persistence images of diagrams as vectors, on one common grid.

    The grid is fitted to all diagrams (``persim.PersistenceImager.fit``) in birth–persistence
    coordinates, with linear persistence weighting and a Gaussian kernel.

    Parameters
    ----------
    diagrams : list of array-like of shape (k_i, 2)
        N persistence diagrams with finite points.
    resolution : int, default=20
        Pixels along the longer side of the grid (when ``pixel_size`` is None).
    pixel_size : float or None
        Side of a square pixel; None gives ``resolution`` pixels along the longer side.
    spread : float, default=1.0
        Standard deviation of the Gaussian kernel, in pixels.

    Returns
    -------
    ndarray of shape (N, n_pixels)
        One flattened image per diagram.
    """
    persim = require("persim")
    dgms = check_diagrams(diagrams)
    pts = np.concatenate([d for d in dgms if len(d)] or [np.zeros((1, 2))])
    if pixel_size is None:
        check_int(resolution, "resolution", minimum=1)
        births, pers = pts[:, 0], pts[:, 1] - pts[:, 0]
        extent = max(np.ptp(births), np.ptp(pers))
        pixel_size = extent / resolution if extent > 0 else 1.0
    pixel_size = positive(pixel_size, "pixel_size")
    sd = positive(spread, "spread") * pixel_size
    imager = persim.PersistenceImager(pixel_size=pixel_size, kernel_params={"sigma": [[sd**2, 0.0], [0.0, sd**2]]})
    imager.fit([d for d in dgms if len(d)] or [np.zeros((1, 2))], skew=True)
    shape = imager.resolution
    images = [np.zeros(shape) if len(d) == 0 else imager.transform(d, skew=True) for d in dgms]
    return np.stack([np.asarray(im, dtype=np.float64).ravel() for im in images])


def diagram_distances(diagrams, *, method="WD", sigma=None, n_directions=50, resolution=20):
    """Pairwise distance matrix between persistence diagrams for one baseline.

    Parameters
    ----------
    diagrams : list of array-like of shape (k_i, 2)
        N persistence diagrams with finite points.
    method : {"BD", "WD", "SWK", "HK", "PI"}, default="WD"
        BD: bottleneck distance; WD: 1-Wasserstein distance (Euclidean ground cost);
        SWK, HK: the kernel-induced distance ``sqrt(k(x, x) + k(y, y) - 2 k(x, y))`` of
        :func:`diagram_kernel`; PI: Euclidean distance between :func:`persistence_images`.
    sigma : float or None
        Kernel bandwidth for SWK and HK (see :func:`diagram_kernel`).
    n_directions : int, default=50
        Directions for SWK.
    resolution : int, default=20
        Persistence-image resolution for PI.

    Returns
    -------
    ndarray of shape (N, N)
        Symmetric, zero diagonal.
    """
    check_method(method)
    dgms = check_diagrams(diagrams)
    if method in ("SWK", "HK"):
        return kernel_to_distance(diagram_kernel(dgms, method=method, sigma=sigma, n_directions=n_directions))
    if method == "PI":
        X = persistence_images(dgms, resolution=resolution)
        D = np.sqrt(squared_euclidean(X))
        np.fill_diagonal(D, 0.0)
        return D
    persim = require("persim")
    func = persim.bottleneck if method == "BD" else persim.wasserstein
    N = len(dgms)
    D = np.zeros((N, N))
    for i in range(N):
        for j in range(i + 1, N):
            D[i, j] = D[j, i] = persim_distance(func, dgms[i], dgms[j])
    return D


def persim_distance(func, a, b):
    if len(a) == 0 and len(b) == 0:
        return 0.0
    return float(func(a, b))


def diagram_distance(dgm1, dgm2, *, method="WD", sigma=None, n_directions=50, resolution=20):
    """Distance between two persistence diagrams for one baseline.

    Same as ``diagram_distances([dgm1, dgm2], ...)[0, 1]``; data-driven defaults (sigma None, the
    persistence-image grid) are then computed from these two diagrams only.

    Returns
    -------
    float
    """
    return float(
        diagram_distances(
            [dgm1, dgm2], method=method, sigma=sigma, n_directions=n_directions, resolution=resolution
        )[0, 1]
    )
