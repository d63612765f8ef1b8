"""A class of N students opening notebook 00 at once on a real JupyterHub, measured.

    python benchmarks/bench_classroom.py --students 30

What it does, all on 127.0.0.1 and all under one temporary folder that it removes at the end:

1. builds one shared classroom cache (``python -m fcviz prefetch`` when the command exists, else the
   dashboard's own ``connectome_zoo`` call) and makes it read-only; ``--cache-dir`` reuses a built one;
2. starts JupyterHub (the ``jupyterhub`` package, configurable-http-proxy from ``make chp``) with a
   dummy authenticator and a random shared password, the simple local process spawner (every server
   runs as this unix user, with a throwaway home per student) and a service whose API token may
   create users and tokens;
3. creates the N users, then logs every student in at once through the Hub's REST API (a token
   requested with the username and the shared password), starts their servers, and in each server
   starts a kernel and runs notebook 00's first code cells through the kernel websocket, up to the
   cell that builds the dashboard's zoo (``FCVIZ_NOTEBOOK_AUTOBUILD=1``: here it loads the cache);
4. watches every process with psutil (twice a second): per student the peak RSS of the single-user
   server plus its kernel, the Hub's and the proxy's own peaks, and the machine's free memory;
5. prints a row per student and a summary: seconds from login to the first figure (the first PNG
   that the dashboard sends to the page) and from "all logged in" to it, median and maximum, peak
   memory per student, failures, and the Hub's memory; then stops every process it started (the
   Hub's process group, each server's session and every process seen under them).

Exit status: 1 when a student failed or a process outlived the run; with ``--strict`` also when a
target is missed (every first figure <= 90 s after all logged in, <= 400 MB per student).
``make test-classroom`` runs it with three students.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"
PROXY = ROOT / ".cache" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts" / "classroom"
SERVICE = "classroom-bench"
MiB = 2 ** 20
TARGET_SECONDS, TARGET_MB = 90.0, 400.0


# ----------------------------------------------------------------------------- setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_cells(notebook=NOTEBOOK) -> list[str]:
    """Notebook 00's code cells up to the one that builds the zoo when FCVIZ_NOTEBOOK_AUTOBUILD=1."""
    cells = [c for c in json.loads(Path(notebook).read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    for i, source in enumerate(sources):
        if "FCVIZ_NOTEBOOK_AUTOBUILD" in source:
            return sources[: i + 1]
    raise SystemExit(f"{notebook}: no cell reads FCVIZ_NOTEBOOK_AUTOBUILD, the benchmark cannot build its zoo")


def build_cache(cache: Path, env: dict) -> float:
    """The classroom zoo the dashboard opens first, built once into ``cache``; returns the seconds."""
    tic = time.perf_counter()
    env = {**env, "FCVIZ_CACHE_DIR": str(cache)}
    commands = subprocess.run([sys.executable, "-m", "fcviz", "--help"], env=env, capture_output=True, text=True)
    if "prefetch" in commands.stdout:
        command = [sys.executable, "-m", "fcviz", "prefetch", "--datasets", "digits", "--no-notebooks",
                   "--cache-dir", str(cache)]
    else:  # the dashboard's own call, with its default classroom settings (binder/postBuild does the same)
        command = [sys.executable, "-c", "import fcviz; d = fcviz.dashboard(); "
                   "fcviz.connectome_zoo(**d.zoo_arguments(), progress=False)"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - tic


def read_only(folder: Path, writable=False):
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


def hub_config(work: Path, *, port, password, admin_token, cache, students, timeout) -> Path:
    environment = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "FCVIZ_CACHE_DIR": str(cache),
        "FCVIZ_DATA_DIR": str(work / "data"),
        "FCVIZ_NOTEBOOK_AUTOBUILD": "1",
        # thirty kernels on two cores: one thread each, as the Binder start script sets from the quota
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    settings = {
        "JupyterHub.bind_url": f"http://127.0.0.1:{port}",
        "JupyterHub.hub_bind_url": f"http://127.0.0.1:{free_port()}",
        "JupyterHub.db_url": f"sqlite:///{work / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(work / "jupyterhub_cookie_secret"),
        "JupyterHub.pid_file": str(work / "jupyterhub.pid"),
        "JupyterHub.authenticator_class": "dummy",
        "JupyterHub.spawner_class": "simple",
        "JupyterHub.concurrent_spawn_limit": max(students, 1),
        "JupyterHub.cleanup_servers": True,
        "JupyterHub.services": [{"name": SERVICE, "api_token": admin_token}],
        "JupyterHub.load_roles": [{"name": SERVICE, "services": [SERVICE],
                                   "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]}],
        "ConfigurableHTTPProxy.command": [str(PROXY)],
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{free_port()}",
        "ConfigurableHTTPProxy.pid_file": str(work / "proxy.pid"),
        "DummyAuthenticator.password": password,
        "Authenticator.allow_all": True,
        "SimpleLocalProcessSpawner.home_dir_template": str(work / "homes" / "{username}"),
        "Spawner.cmd": [str(BIN / "jupyterhub-singleuser")],
        # as root the single-user server refuses to start without it
        "Spawner.args": ["--allow-root"] if os.geteuid() == 0 else [],
        "Spawner.environment": environment,
        # the defaults (60 s, 30 s) are too short for thirty servers starting on two cores
        "Spawner.start_timeout": int(timeout),
        "Spawner.http_timeout": int(timeout),
    }
    lines = ["c = get_config()  # noqa: F821 -- written by benchmarks/bench_classroom.py"]
    lines += [f"c.{key} = {value!r}" for key, value in settings.items()]
    path = work / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


# ----------------------------------------------------------------------------- watching processes


@dataclass
class Student:
    name: str
    login_start: float = 0.0
    logged_in: float | None = None
    server_ready: float | None = None
    first_figure: float | None = None
    done: float | None = None
    peak_mb: float = 0.0
    cpu_s: float = 0.0  # CPU seconds of the server and its kernel, what a core spends on one student
    error: str | None = None
    retries: list = field(default_factory=list)  # answers before the server took its first kernel


class Watcher(threading.Thread):
    """Samples the Hub's process tree twice a second: peaks per student, the Hub's, the proxy's."""

    def __init__(self, hub: psutil.Process, students: dict[str, Student], min_free_mb: float):
        super().__init__(daemon=True)
        self.hub, self.students, self.min_free_mb = hub, students, min_free_mb
        self.seen: dict[int, float] = {}  # pid -> create time: everything to stop at the end
        self.hub_peak_mb = self.proxy_peak_mb = 0.0
        self.lowest_free_mb = psutil.virtual_memory().available / MiB
        self.owner: dict[int, str] = {}
        self.out_of_memory = False
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            try:
                self.sample()
            except psutil.Error:
                continue

    def note(self, process):
        try:
            self.seen.setdefault(process.pid, process.create_time())
        except psutil.Error:
            pass

    def sample(self):
        self.note(self.hub)
        hub_rss = self.hub.memory_info().rss / MiB
        self.hub_peak_mb = max(self.hub_peak_mb, hub_rss)
        for child in self.hub.children():
            self.note(child)
            try:
                cmdline = " ".join(child.cmdline())
                if "configurable-http-proxy" in cmdline:
                    self.proxy_peak_mb = max(self.proxy_peak_mb, child.memory_info().rss / MiB)
                    continue
                if "jupyterhub-singleuser" not in cmdline:
                    continue
                name = self.owner.get(child.pid) or child.environ().get("JUPYTERHUB_USER")
                self.owner[child.pid] = name
                tree = [child, *child.children(recursive=True)]
                for process in tree:
                    self.note(process)
                rss = sum(p.memory_info().rss for p in tree if p.is_running()) / MiB
                cpu = sum(sum(p.cpu_times()[:2]) for p in tree if p.is_running())
            except psutil.Error:
                continue
            if name in self.students:
                student = self.students[name]
                student.peak_mb, student.cpu_s = max(student.peak_mb, rss), max(student.cpu_s, cpu)
        free = psutil.virtual_memory().available / MiB
        self.lowest_free_mb = min(self.lowest_free_mb, free)
        if free < self.min_free_mb:
            self.out_of_memory = True


def stop_everything(hub: subprocess.Popen | None, watcher: Watcher | None, work: Path) -> list[int]:
    """SIGTERM the Hub (it stops the servers it spawned), then SIGKILL whatever is still alive."""
    seen = dict(watcher.seen) if watcher else {}
    if hub is not None:
        try:
            for child in psutil.Process(hub.pid).children(recursive=True):
                seen.setdefault(child.pid, child.create_time())
        except psutil.Error:
            pass
        if hub.poll() is None:
            os.killpg(hub.pid, signal.SIGTERM)
            try:
                hub.wait(30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(hub.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        hub.wait()
    proxy_pid = work / "proxy.pid"
    if proxy_pid.exists():
        try:
            pid = int(proxy_pid.read_text().strip())
            seen.setdefault(pid, psutil.Process(pid).create_time())
        except (ValueError, psutil.Error):
            pass

    def alive():
        left = []
        for pid, created in seen.items():
            try:
                if pid != os.getpid() and psutil.Process(pid).create_time() == created:
                    left.append(pid)
            except psutil.Error:
                pass
        return left

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in alive():
            try:
                group = os.getpgid(pid)
                if group != os.getpgid(0):  # its own group (a server's session, the Hub's): all of it
                    os.killpg(group, sig)
                else:  # never our own process group
                    os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 5
        while alive() and time.monotonic() < deadline:
            time.sleep(0.2)
    return alive()


# ----------------------------------------------------------------------------- one student


class HTTPFailure(RuntimeError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Hub:
    def __init__(self, url, admin_token, timeout):
        self.url, self.admin_token, self.timeout = url, admin_token, timeout
        self.http = AsyncHTTPClient(max_clients=1000)

    async def call(self, method, path, token=None, body=None, allow=()):
        headers = {"Authorization": f"token {token}"} if token else {}
        request = HTTPRequest(self.url + path, method=method, headers=headers, request_timeout=self.timeout,
                              connect_timeout=self.timeout,
                              body=json.dumps(body or {}) if method == "POST" else None)
        try:
            response = await self.http.fetch(request)
        except HTTPClientError as exc:
            if exc.code in allow:
                return exc.code, None
            detail = exc.response.body.decode(errors="replace") if exc.response is not None else ""
            raise HTTPFailure(exc.code, f"{method} {path}: HTTP {exc.code} {' '.join(detail.split())[:200]}") from None
        text = response.body.decode()
        return response.code, (json.loads(text) if text else None)


async def run_cells(hub: Hub, student: Student, token: str, cells: list[str], timeout: float):
    """Start a kernel in the student's server, run ``cells``, note when the first PNG comes back."""
    base = f"/user/{student.name}/api"
    ready = time.monotonic()
    while True:  # a server the Hub calls ready may not be behind the proxy yet: the Hub answers, not it
        try:
            _, kernel = await hub.call("POST", f"{base}/kernels", token, {"name": "python3"})
            break
        except HTTPFailure as exc:
            if exc.code not in (403, 404, 424, 502, 503) or time.monotonic() - ready > 60:
                raise
            student.retries.append(str(exc)[:120])
            await asyncio.sleep(1.0)
    ws_url = hub.url.replace("http", "ws", 1) + f"{base}/kernels/{kernel['id']}/channels?session_id={uuid.uuid4()}"
    # tornado's default 20 s for the handshake is too short when thirty servers share two cores
    ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"},
                                             connect_timeout=timeout, request_timeout=timeout),
                                 max_message_size=256 * MiB)
    try:
        pending = {}
        for source in cells:
            msg_id = uuid.uuid4().hex
            pending[msg_id] = source.splitlines()[0] if source else ""
            ws.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": student.name,
                           "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True},
            }))
        deadline = time.monotonic() + timeout
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the cells did not finish within {timeout:.0f} s")
            message = await asyncio.wait_for(ws.read_message(), left)
            if message is None:
                raise RuntimeError("the kernel websocket closed")
            if isinstance(message, bytes):  # a message with binary buffers: the widgets' PNG bytes
                if student.first_figure is None and b"\x89PNG\r\n" in message:
                    student.first_figure = time.monotonic()
                continue
            msg = json.loads(message)
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "execute_reply" and msg["parent_header"].get("msg_id") in pending:
                if content["status"] != "ok":
                    raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}"[:300])
                pending.pop(msg["parent_header"]["msg_id"])
            elif kind == "error":
                raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}"[:300])
        if student.first_figure is None:
            raise RuntimeError("the cells ran but no figure came back")
    finally:
        ws.close()
        await hub.call("DELETE", f"{base}/kernels/{kernel['id']}", token, allow=(404,))


async def one_student(hub: Hub, student: Student, password, cells, timeout, watcher: Watcher, logins):
    try:
        student.login_start = time.monotonic()
        _, answer = await hub.call("POST", f"/hub/api/users/{student.name}/tokens", body={
            "auth": {"username": student.name, "password": password}, "note": "classroom benchmark"})
        token = answer["token"]
        student.logged_in = time.monotonic()
        logins.append(student.logged_in)
        await hub.call("POST", f"/hub/api/users/{student.name}/server", token)
        deadline = time.monotonic() + timeout
        while True:
            _, user = await hub.call("GET", f"/hub/api/users/{student.name}", token)
            server = (user.get("servers") or {}).get("")
            if server and server.get("ready"):
                break
            if server is None and not user.get("pending"):
                raise RuntimeError("the server stopped while starting (see the Hub's log)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server was not ready within {timeout:.0f} s")
            if watcher.out_of_memory:
                raise MemoryError("stopped: the machine ran low on memory")
            await asyncio.sleep(0.5)
        student.server_ready = time.monotonic()
        await run_cells(hub, student, token, cells, max(deadline - time.monotonic(), 1.0))
        student.done = time.monotonic()
        print(f"  {student.name}: first figure {student.first_figure - student.login_start:.1f} s after login",
              flush=True)
    except Exception as exc:  # noqa: BLE001 -- every failure is one line of the report
        student.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        print(f"  {student.name}: failed ({student.error})", flush=True)


async def classroom(hub: Hub, students, password, cells, timeout, watcher):
    await hub.call("POST", "/hub/api/users", hub.admin_token, {"usernames": [s.name for s in students]})
    logins: list[float] = []
    await asyncio.gather(*(one_student(hub, s, password, cells, timeout, watcher, logins) for s in students))
    return max(logins) if logins else None


async def wait_for_hub(url, process, timeout=90):
    http = AsyncHTTPClient()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited with status {process.returncode}")
        try:
            await http.fetch(url + "/hub/api/", request_timeout=5)
            return
        except Exception:  # noqa: BLE001 -- not up yet
            await asyncio.sleep(0.5)
    raise TimeoutError(f"JupyterHub did not answer within {timeout} s")


# ----------------------------------------------------------------------------- report


def report(students, all_logged_in, watcher, started, cache_seconds, left_behind, args) -> bool:
    def sec(t, since):
        return f"{t - since:7.1f}" if t is not None and since is not None else "      -"

    print(f"\n{'student':<12}{'login s':>8}{'server s':>9}{'figure s':>9}{'after all':>10}{'peak MB':>9}"
          f"{'CPU s':>7}  result")
    for s in students:
        print(f"{s.name:<12}{sec(s.logged_in, s.login_start)} {sec(s.server_ready, s.login_start)} "
              f"{sec(s.first_figure, s.login_start)}  {sec(s.first_figure, all_logged_in)} "
              f"{s.peak_mb:8.0f} {s.cpu_s:6.1f}  {s.error or 'ok'}")
    ok = [s for s in students if s.error is None]
    to_figure = [s.first_figure - s.login_start for s in ok]
    after_all = [s.first_figure - all_logged_in for s in ok]
    peaks = [s.peak_mb for s in students if s.peak_mb]
    failures = len(students) - len(ok)
    print(f"\n{len(students)} students on {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2 ** 30:.0f} GB; cache built in {cache_seconds:.1f} s")
    if to_figure:
        print(f"login -> first figure:      median {statistics.median(to_figure):.1f} s, max {max(to_figure):.1f} s")
        print(f"all logged in -> figure:    median {statistics.median(after_all):.1f} s, max {max(after_all):.1f} s"
              f" (target <= {TARGET_SECONDS:.0f} s)")
    if peaks:
        print(f"peak per student (server + kernel RSS): median {statistics.median(peaks):.0f} MB, "
              f"max {max(peaks):.0f} MB (target <= {TARGET_MB:.0f} MB)")
    cpu = [s.cpu_s for s in students if s.cpu_s]
    if cpu:
        print(f"CPU per student (server + kernel, to the last cell): median {statistics.median(cpu):.1f} s, "
              f"max {max(cpu):.1f} s")
    print(f"Hub: peak {watcher.hub_peak_mb:.0f} MB; proxy: peak {watcher.proxy_peak_mb:.0f} MB; "
          f"machine's lowest available memory {watcher.lowest_free_mb / 1024:.1f} GB")
    retried = [s for s in students if s.retries]
    if retried:
        print(f"{len(retried)} students' first kernel request was answered before their server was reachable "
              f"({sum(len(s.retries) for s in retried)} retries, first: {retried[0].retries[0]})")
    print(f"failures: {failures} of {len(students)}; whole run {time.monotonic() - started:.1f} s; "
          f"processes left behind: {len(left_behind)}")
    met = (failures == 0 and bool(after_all) and max(after_all) <= TARGET_SECONDS
           and bool(peaks) and max(peaks) <= TARGET_MB)
    print("targets:", "met" if met else "MISSED")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "students": [vars(s) | {"to_figure": None if s.first_figure is None else s.first_figure - s.login_start}
                         for s in students],
            "all_logged_in": all_logged_in, "hub_peak_mb": watcher.hub_peak_mb,
            "proxy_peak_mb": watcher.proxy_peak_mb, "failures": failures, "left_behind": left_behind,
        }, indent=1))
    return met


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--cache-dir", type=Path, help="a prebuilt shared cache to use (default: build one)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per student (default 300)")
    parser.add_argument("--min-free-mb", type=float, default=1024,
                        help="stop starting servers when the machine has less memory available (default 1024)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed, too")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")
    if not PROXY.exists():
        parser.error(f"{PROXY} is missing: run `make chp` (npm install of configurable-http-proxy)")
    if not (BIN / "jupyterhub").exists():
        parser.error(f"jupyterhub is not installed in {BIN}: pip install -e '.[classroom]'")

    def interrupted(signum, _frame):  # `timeout`, a closed terminal: still stop every process below
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fcviz-classroom-"))
    hub_process = watcher = None
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    students = [Student(f"student{i + 1:02d}") for i in range(args.students)]
    cache, cache_seconds, all_logged_in = args.cache_dir, 0.0, None
    try:
        if cache is None:
            cache = work / "cache"
            cache_seconds = build_cache(cache, env)
            read_only(cache)
        port, password, admin_token = free_port(), secrets.token_urlsafe(16), secrets.token_hex(32)
        config = hub_config(work, port=port, password=password, admin_token=admin_token, cache=cache.resolve(),
                            students=args.students, timeout=args.timeout)
        with open(work / "jupyterhub.log", "wb") as log:
            hub_process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=work, env=env,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        watcher = Watcher(psutil.Process(hub_process.pid), {s.name: s for s in students}, args.min_free_mb)
        watcher.start()
        hub = Hub(f"http://127.0.0.1:{port}", admin_token, args.timeout)
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(wait_for_hub(hub.url, hub_process))
            print(f"JupyterHub {subprocess.run([str(BIN / 'jupyterhub'), '--version'], capture_output=True, text=True).stdout.strip()}"
                  f" up at {hub.url} in {time.monotonic() - started:.1f} s; {args.students} students log in now")
            all_logged_in = loop.run_until_complete(classroom(hub, students, password, first_cells(),
                                                              args.timeout, watcher))
        finally:
            loop.close()
        time.sleep(1.0)  # one more sample after the last kernel finished
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            print("interrupted: stopping every process", file=sys.stderr)
        for s in students:
            s.error = s.error or f"not run: {type(exc).__name__}: {exc}"[:200]
        if not isinstance(exc, (Exception, KeyboardInterrupt)):
            raise
    finally:
        if watcher is not None:
            watcher.stop.set()
            watcher.join()
        left_behind = stop_everything(hub_process, watcher, work)
        if (work / "jupyterhub.log").exists():  # kept for reading after the run (gitignored)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / "jupyterhub.log", ARTIFACTS / "jupyterhub.log")
            if any(s.error for s in students):
                print(f"--- end of the Hub's log (all of it in {ARTIFACTS / 'jupyterhub.log'}) ---\n" + "\n".join(
                    (ARTIFACTS / "jupyterhub.log").read_text(errors="replace").splitlines()[-25:]))
        if args.cache_dir is None and (work / "cache").exists():
            read_only(work / "cache", writable=True)
        shutil.rmtree(work, ignore_errors=True)
    met = report(students, all_logged_in, watcher or Watcher(psutil.Process(), {}, 0), started,
                 cache_seconds, left_behind, args)
    failed = any(s.error for s in students) or bool(left_behind)
    return 1 if failed or (args.strict and not met) else 0


if __name__ == "__main__":
    sys.exit(main())
