"""The class app (issue 20): ``python -m fcviz app``'s checks and the dashboard in app mode.

The command's refusals (unknown data set, no Voilà, a port in use) are one line on stderr and exit
code 2, checked in-process before Voilà would start. :class:`AppDashboard` is driven kernel-side:
Export by name only (an absolute path, ``..``, a symbolic link are refused and nothing is written
outside the app's folder), the classroom preset with its caps (an oversized request is refused), and
one build at a time per server (a second build waits with a message). The real browser run is
tests/browser/test_app_in_voila.py.
"""

import fcntl
import html
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import fcviz.app
from fcviz.__main__ import main
from fcviz.viz.widgets.app import LOCK_NAME, MAX_EPOCHS, MAX_NETWORKS, AppDashboard, app_dashboard, check_export_name

ROOT = Path(__file__).resolve().parent.parent
TINY = {"n_networks": 2, "epochs": 2, "n_stimuli": 60, "strategies": ("vanilla", "l2")}


def _refused(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fcviz app: "), err
    return lines[0]


# ------------------------------------------------------------------------------------------ the command

def test_unknown_dataset_is_one_line_and_exit_2(capsys):
    line = _refused(capsys, ["app", "--dataset", "imagenet", "--no-browser"])
    assert "unknown dataset 'imagenet'" in line and "digits" in line and "fashion-mnist" in line


def test_missing_voila_says_the_install_command(capsys, monkeypatch):
    monkeypatch.setattr(fcviz.app, "voila_installed", lambda: False)
    line = _refused(capsys, ["app", "--no-browser"])
    assert "not installed" in line and 'python -m pip install "fcviz[app]"' in line


def test_port_in_use_is_one_line_and_exit_2(capsys, monkeypatch):
    monkeypatch.setattr(fcviz.app, "voila_installed", lambda: True)  # the port is checked after Voila
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _refused(capsys, ["app", "--port", str(port), "--no-browser"])
    assert f"port {port} on 127.0.0.1 is already in use" in line and "--port" in line


def test_local_app_has_no_token_and_other_ips_require_one():
    local = fcviz.app.voila_command(8866, "127.0.0.1")
    assert "--Voila.ip=127.0.0.1" in local and "--no-browser" in local
    assert not any(a.startswith("--token") for a in local)
    assert "--template=fcviz" in local and "--show_tracebacks=False" in local
    assert "--VoilaConfiguration.allow_template_override=NO" in local
    shared = fcviz.app.voila_command(8866, "0.0.0.0", token="secret", open_browser=True)
    assert "--token=secret" in shared and "--no-browser" not in shared


def test_serve_binds_localhost_by_default_and_says_when_the_token_is_needed(monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setattr(fcviz.app.os, "execve", lambda *args: calls.append(args))
    monkeypatch.setattr(fcviz.app, "check_request", lambda dataset, ip, port: dataset)
    main(["app", "--no-browser", "--output", str(tmp_path)])
    (_, command, env), = calls
    assert "--Voila.ip=127.0.0.1" in command and not any(a.startswith("--token") for a in command)
    assert env["FCVIZ_APP_OUTPUT"] == str(tmp_path.resolve()) and env["FCVIZ_APP_DATASET"] == "digits"
    assert "this machine only" in capsys.readouterr().out
    main(["app", "--no-browser", "--ip", "0.0.0.0"])
    token = next(a for a in calls[1][1] if a.startswith("--token="))[len("--token="):]
    out = capsys.readouterr().out
    assert len(token) >= 24 and f"?token={token}" in out and "token is required" in out


def _no_redirect_status(url):
    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(Stop).open(url, timeout=5) as reply:
            return reply.status, reply.headers.get("Location")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location")


def test_an_ip_other_than_localhost_requires_the_printed_token(tmp_path):
    """A real Voila on 127.0.0.2 (loopback, but not 127.0.0.1): without the token it asks for a login."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TMPDIR": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    log = tmp_path / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "fcviz", "app", "--no-browser", "--ip", "127.0.0.2", "--port",
                                 str(port), "--output", str(tmp_path / "out")], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = None
        for _ in range(240):
            try:
                status, location = _no_redirect_status(f"http://127.0.0.2:{port}/")
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.25)
        assert status == 302 and "/login" in location, (status, log.read_text())
        text = log.read_text()
        assert "the token is required" in text and f"http://127.0.0.2:{port}/?token=" in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def test_app_environment_points_at_the_template_and_the_config(tmp_path):
    env = fcviz.app.app_environment("mnist", tmp_path, env={"JUPYTER_PATH": "/x"})
    data, rest = env["JUPYTER_PATH"].split(":", 1)
    assert rest == "/x" and (Path(data) / "voila" / "templates" / "fcviz" / "index.html.j2").is_file()
    config = Path(env["JUPYTER_CONFIG_PATH"].split(":")[0])
    page = json.loads((config / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"@jupyterlab/apputils-extension:announcements": True}
    server = json.loads((config / "jupyter_server_config.json").read_text())
    assert server["VoilaConfiguration"]["template"] == "fcviz"


def test_loading_template_says_what_happens_in_words():
    template = (fcviz.app.DATA_DIR / "voila" / "templates" / "fcviz" / "index.html.j2").read_text()
    assert "Starting fcviz… loading the classroom zoo" in template
    assert "voila_process" in template  # the words follow the cells that run
    notebook = json.loads(fcviz.app.NOTEBOOK.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code == ["from fcviz.viz.widgets.app import app_dashboard\n\napp_dashboard()"]


def test_app_files_are_package_data_and_voila_is_in_the_extras():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["fcviz.app"]
    files = [p for p in fcviz.app.APP_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and p.suffix != ".py"]
    assert files and all(any(p.relative_to(fcviz.app.APP_DIR).match(pat) or
                             str(p.relative_to(fcviz.app.APP_DIR)).startswith(pat.split("*")[0].rstrip("/") + "/")
                             for pat in patterns) for p in files), files
    extras = pyproject["project"]["optional-dependencies"]
    assert any(r.startswith("voila") for r in extras["app"]) and any(r.startswith("voila") for r in extras["browser"])


def test_binder_badge_opens_the_app_with_its_template_and_config():
    readme = (ROOT / "README.md").read_text()
    assert "urlpath=voila%2Frender%2Ffcviz%2Fapp%2Fdashboard.ipynb" in readme
    start = (ROOT / "binder" / "start").read_text()
    assert '/fcviz/app/jupyter/config${JUPYTER_CONFIG_PATH' in start and '/fcviz/app/jupyter/data${JUPYTER_PATH' in start
    assert "voila" in (ROOT / "binder" / "environment.yml").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "\napp: " in makefile and "-m fcviz app" in makefile


# ------------------------------------------------------------------------------------------ app mode

@pytest.mark.parametrize("name, says", [
    ("/tmp/escaped", "absolute path"),
    ("~/escaped", "absolute path"),
    ("../escaped", "not a path"),
    ("..", "'..'"),
    ("a/../../b", "not a path"),
    ("a\\b", "not a path"),
    (".hidden", "not a usable name"),
    ("", "Type a name"),
    ("x" * 65, "not a usable name"),
])
def test_export_name_refusals(name, says):
    with pytest.raises(ValueError) as info:
        check_export_name(name)
    assert says in str(info.value)


def test_oversized_requests_are_refused(tmp_path):
    with pytest.raises(ValueError, match=f"at most {MAX_NETWORKS} networks per strategy; 100 was asked for"):
        AppDashboard(output_dir=tmp_path, n_networks=100)
    with pytest.raises(ValueError, match=f"at most {MAX_EPOCHS} training epochs; 1000 was asked for"):
        AppDashboard(output_dir=tmp_path, epochs=1000)
    with pytest.raises(ValueError, match="classroom preset only"):
        AppDashboard(output_dir=tmp_path, preset="paper")
    dash = AppDashboard(output_dir=tmp_path, cache=False, **TINY)
    assert dash.preset == "classroom" and dash.n_networks.max == MAX_NETWORKS
    dash.n_networks.value = 500  # what a front end may send: the slider keeps it within the cap
    assert dash.n_networks.value == MAX_NETWORKS
    dash.zoo_kwargs["epochs"] = 10_000  # whatever changed the settings, the build checks again
    assert dash.build() is None and not dash.building_
    assert "at most 15 training epochs" in dash.last_refusal_ and "at most 15" in html.unescape(dash.status.value)


def test_a_second_build_waits_for_the_servers_lock_with_a_message(tmp_path):
    dash = AppDashboard(output_dir=tmp_path, cache=False, **TINY)
    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / LOCK_NAME, "a") as other_kernel:  # another kernel of the server builds
        fcntl.flock(other_kernel, fcntl.LOCK_EX)
        dash.build()
        for _ in range(200):
            if "Another build is running" in dash.status.value:
                break
            dash.wait(0.05)
        assert "Another build is running on this server" in dash.status.value and dash.building_
        dash.cancel()
        assert dash.wait(10)
    assert "Cancelled while waiting" in dash.status.value and not dash.building_
    assert not dash.build_button.disabled and dash.zoo_ is None


@pytest.fixture(scope="module")
def built_app(tmp_path_factory):
    output = tmp_path_factory.mktemp("app-output")
    dash = app_dashboard(output_dir=output, cache_dir=str(tmp_path_factory.mktemp("app-cache")), **TINY)
    dash.build_button.click()
    assert dash.wait(300) and dash.zoo_ is not None, dash.last_error_
    return dash


def test_export_takes_a_name_and_writes_only_under_the_apps_folder(built_app, tmp_path):
    dash, root = built_app, built_app.output_root
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "a-file").write_text("not a folder")
    before = sorted(p for p in Path(tmp_path).rglob("*"))
    for name, says in ((str(outside), "absolute path"), ("../escaped", "not a path"), ("..", "'..'"),
                       ("link", "is a link"), ("a-file", "is a file")):
        dash.export_dir.value = name
        dash.export_button.click()
        assert dash.last_refusal_ and says in dash.last_refusal_, (name, dash.last_refusal_)
        assert says in html.unescape(dash.status.value)
    assert sorted(p for p in Path(tmp_path).rglob("*")) == before and not list(outside.iterdir())
    assert not (root.parent / "escaped").exists()

    dash.export_dir.value = "my-zoo"
    dash.export_button.click()
    assert dash.last_refusal_ is None, dash.last_refusal_
    folder = root / "my-zoo"
    files = sorted(p.name for p in folder.iterdir())
    assert any(f.endswith(".png") for f in files) and any(f.endswith(".csv") for f in files)
    assert f"Exported {len(files)} files to {folder.resolve()}" in html.unescape(dash.status.value)
    written = [p for p in root.rglob("*") if p.is_file() and p.name not in (LOCK_NAME, "a-file")]
    assert all(folder.resolve() in p.resolve().parents for p in written)


def test_the_output_root_itself_may_not_be_a_link(built_app, tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    (tmp_path / "root-link").symlink_to(target, target_is_directory=True)
    dash = AppDashboard(output_dir=tmp_path / "root-link", cache=False, **TINY)
    dash.zoo_ = built_app.zoo_  # as if built: only the export's checks are under test
    assert dash.export("fine") == [] and "is a link" in dash.last_refusal_
    assert not list(target.iterdir())


def test_the_jupyterlab_dashboard_is_unchanged():
    from fcviz.viz.widgets.dashboard import Dashboard

    dash = Dashboard(cache=False, **TINY)
    assert dash.export_dir.description == "Folder" and dash.n_networks.max == 40
    assert not isinstance(dash, AppDashboard) and not hasattr(dash, "output_root")
