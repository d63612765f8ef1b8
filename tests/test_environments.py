"""pyproject.toml, environment.yml and binder/environment.yml agree on packages and minimum versions."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
# conda-forge names of the PyPI packages that are called differently there.
CONDA_NAMES = {"torch": "pytorch-cpu"}
# "==" only for exact pins of tools outside the conda environments (the browser extra's playwright).
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:(?:>=|==)\s*([0-9][0-9A-Za-z.]*))?\s*$")


def _parse(requirement):
    match = REQUIREMENT.match(requirement)
    assert match, f"cannot read the requirement {requirement!r}; write it as 'name>=version' or 'name'"
    return match.group(1).lower(), match.group(2)


def _pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"core": project["dependencies"], **project["optional-dependencies"]}
    return {group: dict(_parse(r) for r in reqs) for group, reqs in groups.items()}


def _conda_env(path):
    """Packages of a conda environment file: {name: minimum version or None}, conda and pip parts together."""
    packages = {}
    for line in path.read_text().splitlines():
        item = re.match(r"^\s*-\s+([^#]+?)\s*(#.*)?$", line)
        if not item or item.group(1).endswith(":"):
            continue
        spec = item.group(1).replace(" ", "")
        if "=" in spec and ">=" not in spec:  # an exact pin such as python=3.11
            name, version = spec.split("=", 1)
            packages[name.lower()] = version
            continue
        name, version = _parse(spec)
        packages[name] = version
    return packages


def _expected(groups):
    wanted = {}
    for group in groups:
        for name, version in _pyproject()[group].items():
            wanted[CONDA_NAMES.get(name, name)] = version
    return wanted


@pytest.mark.parametrize("path, groups", [
    ("environment.yml", ("core", "baselines", "test", "lab", "app", "distributed")),
    ("binder/environment.yml", ("core", "baselines", "lab", "app", "distributed")),
])
def test_conda_environments_match_pyproject(path, groups):
    env = _conda_env(ROOT / path)
    wanted = _expected(groups)
    missing = sorted(set(wanted) - set(env))
    assert not missing, f"{path} lacks {missing}, which pyproject.toml requires"
    different = {name: (env[name], version) for name, version in wanted.items() if env[name] != version}
    assert not different, f"{path} and pyproject.toml disagree on minimum versions (env, pyproject): {different}"
    assert env.get("python") == "3.11", f"{path} must pin python=3.11 (Binder's default is older)"


def test_binder_scripts_are_strict_and_executable():
    post_build = (ROOT / "binder/postBuild").read_text()
    start = (ROOT / "binder/start").read_text()
    assert "set -e" in post_build, "postBuild must stop at the first error (set -e), or Binder hides it"
    assert start.rstrip().endswith('exec "$@"'), "binder/start must end with exec \"$@\""
    for script in ("binder/postBuild", "binder/start"):
        subprocess.run(["bash", "-n", str(ROOT / script)], check=True)
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} must be executable"


def test_widget_runtime_needs_are_base_dependencies():
    """The widgets update views from background threads, which needs ipykernel >= 7.1 in every install."""
    core = _pyproject()["core"]
    for name, minimum in (("ipywidgets", "8.1"), ("ipykernel", "7.1")):
        assert name in core, f"{name} is needed by every widget at run time: list it in [project] dependencies"
        assert tuple(map(int, core[name].split("."))) >= tuple(map(int, minimum.split("."))), \
            f"{name}>={minimum} is the oldest the widgets work with; pyproject.toml asks for >={core[name]}"
