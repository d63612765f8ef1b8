"""A network's hyperparameters checked and filled in, without torch.

:func:`fcviz.make_model` builds a network from :func:`model_settings`; the zoo's cache key checks its
hyperparameters with the same function, so that a cache hit never needs torch.
"""

from __future__ import annotations

from ._validation import check_option, check_real
from .registry import REGULARIZER_PARAMS, REGULARIZERS, canonical_dataset_name

__all__ = ["model_settings", "DEFAULT_HIDDEN", "DEFAULT_CHANNELS", "DEFAULTS"]

#: Default hidden-layer widths per data set (for ``cifar10``: the fully connected part).
DEFAULT_HIDDEN = {"digits": (32, 16), "mnist": (128, 64), "fashion-mnist": (256, 128), "cifar10": (256, 128)}

#: Default output channels of the three VGG blocks of the ``cifar10`` network.
DEFAULT_CHANNELS = (32, 64, 128)

#: Defaults of the scalar hyperparameters.
DEFAULTS = {"negative_slope": 0.01, "weight_decay": 1e-3, "p": 0.2}


def _check_positive_ints(value, name: str) -> tuple[int, ...]:
    if isinstance(value, (int,)) and not isinstance(value, bool):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        out = None
    if not out or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in out):
        raise ValueError(f"{name} must be a non-empty sequence of positive ints, e.g. (32, 16); got {value!r}.")
    return out


def model_settings(dataset: str, regularizer: str, hyperparameters: dict) -> tuple[str, dict]:
    """The canonical data set name and the checked hyperparameters of a network, defaults filled in.

    Parameters
    ----------
    dataset, regularizer, hyperparameters
        As the arguments of :func:`fcviz.make_model`.

    Returns
    -------
    name : str
        The canonical data set name.
    settings : dict
        ``hidden`` and ``negative_slope``; ``channels`` for ``cifar10``; ``weight_decay`` for ``"l2"``;
        ``p`` for ``"dropout"`` (what becomes ``model.hyperparameters``).

    Raises
    ------
    ValueError
        For an unknown data set, regulariser or hyperparameter, or an invalid hyperparameter value.
    """
    name = canonical_dataset_name(dataset)
    check_option(regularizer, "regularizer", REGULARIZERS)
    allowed = {"hidden", "negative_slope", *REGULARIZER_PARAMS[regularizer]}
    if name == "cifar10":
        allowed.add("channels")
    unknown = sorted(set(hyperparameters) - allowed)
    if unknown:
        raise ValueError(
            f"Unknown hyperparameter(s) {unknown} for dataset={name!r}, regularizer={regularizer!r}. "
            f"Valid ones: {sorted(allowed)} (weight_decay goes with 'l2', p with 'dropout')."
        )
    hidden = _check_positive_ints(hyperparameters.get("hidden", DEFAULT_HIDDEN[name]), "hidden")
    slope = check_real(hyperparameters.get("negative_slope", DEFAULTS["negative_slope"]), "negative_slope",
                       low=0, high=1)
    extra = {}
    if regularizer == "l2":
        extra["weight_decay"] = check_real(hyperparameters.get("weight_decay", DEFAULTS["weight_decay"]),
                                           "weight_decay", low=0)
    if regularizer == "dropout":
        extra["p"] = check_real(hyperparameters.get("p", DEFAULTS["p"]), "p", low=0, high=1, closed="left")
    settings = {"hidden": hidden, "negative_slope": slope}
    if name == "cifar10":
        channels = _check_positive_ints(hyperparameters.get("channels", DEFAULT_CHANNELS), "channels")
        if len(channels) != 3:
            raise ValueError(f"channels must hold 3 ints (one per VGG block); got {channels!r}.")
        settings["channels"] = channels
    settings.update(extra)
    return name, settings
