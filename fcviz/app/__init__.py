"""The class app: the dashboard served by Voilà, widgets only (``python -m fcviz app``).

The package holds the app notebook (``dashboard.ipynb``: one cell that shows
:func:`fcviz.viz.widgets.app.app_dashboard`), fcviz's Voilà template (``jupyter/data/voila/templates/
fcviz``: the words "Starting fcviz… loading the classroom zoo" while the kernel starts) and the
Jupyter configuration of the app and of Binder (``jupyter/config``: JupyterLab's news prompt off, the
Voilà template chosen). :func:`serve` checks the request, then replaces the process with Voilà.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import sys
from pathlib import Path

__all__ = ["AppError", "APP_DIR", "NOTEBOOK", "DEFAULT_PORT", "check_request", "voila_command", "app_environment",
           "serve"]

APP_DIR = Path(__file__).resolve().parent
NOTEBOOK = APP_DIR / "dashboard.ipynb"
#: Prepended to JUPYTER_PATH: holds voila/templates/fcviz.
DATA_DIR = APP_DIR / "jupyter" / "data"
#: Prepended to JUPYTER_CONFIG_PATH: labconfig/page_config.json (no news prompt), Voilà's template for Binder.
CONFIG_DIR = APP_DIR / "jupyter" / "config"
TEMPLATE = "fcviz"
DEFAULT_PORT = 8866
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
INSTALL = 'python -m pip install "fcviz[app]"   (or: python -m pip install voila)'


class AppError(Exception):
    """A request that the app refuses; its message is the one line the command prints."""


def voila_installed() -> bool:
    return importlib.util.find_spec("voila") is not None


def check_request(dataset, ip, port):
    """The canonical data set name; AppError for an unknown data set, no Voilà, or a port in use."""
    from ..registry import DATASETS, canonical_dataset_name

    try:
        dataset = canonical_dataset_name(dataset)
    except ValueError:
        raise AppError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}.") from None
    if not voila_installed():
        raise AppError(f"Voilà (the voila package) is not installed; install it with: {INSTALL}")
    if not 1 <= int(port) <= 65535:
        raise AppError(f"--port must be from 1 to 65535; got {port}.")
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((ip, int(port)))
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise AppError(f"port {port} on {ip} is already in use; choose another with --port "
                               f"(e.g. --port {int(port) + 1}) or stop the program that uses it.") from None
            raise AppError(f"cannot listen on {ip}:{port} ({exc.strerror or exc}); check --ip and --port.") from None
    return dataset


def voila_command(port, ip, *, open_browser=False, token=None):
    """The Voilà command line that serves the app notebook."""
    command = [
        sys.executable, "-m", "voila", str(NOTEBOOK), f"--port={int(port)}", f"--Voila.ip={ip}",
        "--Voila.port_retries=0", f"--template={TEMPLATE}", "--show_tracebacks=False", "--strip_sources=True",
        "--VoilaConfiguration.allow_template_override=NO", "--VoilaConfiguration.allow_theme_override=NO",
    ]
    if not open_browser:
        command.append("--no-browser")
    if token is not None:
        command.append(f"--token={token}")
    return command


def _prepend(variable, folder, env):
    rest = env.get(variable)
    return str(folder) + (os.pathsep + rest if rest else "")


def app_environment(dataset, output, env=None):
    """The environment of Voilà and its kernels: the data set, the output folder, the template and config."""
    env = dict(os.environ if env is None else env)
    env["FCVIZ_APP_DATASET"] = dataset
    env["FCVIZ_APP_OUTPUT"] = str(Path(output).expanduser().resolve())
    env["JUPYTER_PATH"] = _prepend("JUPYTER_PATH", DATA_DIR, env)
    env["JUPYTER_CONFIG_PATH"] = _prepend("JUPYTER_CONFIG_PATH", CONFIG_DIR, env)
    return env


def serve(dataset="digits", *, port=DEFAULT_PORT, ip="127.0.0.1", open_browser=True, output="fcviz-output/app"):
    """Check the request, say where the app is, and replace this process with Voilà (never returns)."""
    dataset = check_request(dataset, ip, port)
    token = None if ip in LOCAL_HOSTS else secrets.token_urlsafe(24)
    env = app_environment(dataset, output)
    host = f"[{ip}]" if ":" in ip else ip
    print(f"fcviz app: the {dataset} dashboard on http://{host}:{port}/ (exports go to {env['FCVIZ_APP_OUTPUT']}).")
    if token is None:
        print("fcviz app: listening on this machine only (127.0.0.1); --ip ADDRESS serves other machines, with a "
              "token.")
    else:
        print(f"fcviz app: listening on {ip}, reachable from other machines, so the token is required: open "
              f"http://{host}:{port}/?token={token}")
    print("fcviz app: Ctrl-C stops it.", flush=True)
    command = voila_command(port, ip, open_browser=open_browser, token=token)
    os.execve(command[0], command, env)
