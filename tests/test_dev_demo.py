"""`python3 dev.py demo`: the LAN switch, the port, and stopping by signal (dev.py is plain Python)."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import dev
from tests.conftest import asgi_server_start

ROOT = Path(dev.__file__).resolve().parent


def test_lan_env_allows_the_machines_addresses_and_trusts_their_origins():
    env = dev.demo_env(base={"PATH": "/bin"}, lan=True, port="8123", addresses=["192.168.1.20", "10.0.0.5"])
    assert env["ALLOWED_HOSTS"].split(",") == ["localhost", "127.0.0.1", "[::1]", "192.168.1.20", "10.0.0.5"]
    assert env["CSRF_TRUSTED_ORIGINS"] == "http://192.168.1.20:8123,http://10.0.0.5:8123"
    assert env["SITE_URL"] == "http://192.168.1.20:8123" and env["PATH"] == "/bin"
    # Without --lan nothing changes: localhost only, as before.
    local = dev.demo_env(
        base={"PATH": "/bin", "DATA_DIR": "/srv/dlip"}, lan=False, port="8000", addresses=["192.168.1.20"]
    )
    assert local == {
        "PATH": "/bin",
        "DATA_DIR": "/srv/dlip",
        # The demo teams' repositories: local bare repositories the demo seeds under DATA_DIR.
        "PROJECT_GIT_SOURCES": "https://github.com/dlip-demo/=file:///srv/dlip/demo-git/",
    }


def test_lan_addresses_leave_out_loopback():
    assert all(not a.startswith("127.") and a != "0.0.0.0" for a in dev.lan_addresses())


def test_demo_arguments_choose_lan_and_port_and_refuse_the_rest():
    assert dev.demo_args([], {}) == (False, "8000")
    assert dev.demo_args(["--lan", "--port", "8080"], {}) == (True, "8080")
    assert dev.demo_args(["--port=9000"], {"HOST": "0.0.0.0"}) == (True, "9000")
    assert dev.demo_args([], {"PORT": "8001"}) == (False, "8001")
    with pytest.raises(SystemExit, match="unknown option"):
        dev.demo_args(["--lna"], {})
    with pytest.raises(SystemExit, match="1 to 65535"):
        dev.demo_args(["--port", "http"], {})


@pytest.mark.integration
def test_a_phone_on_the_lan_reaches_the_server_only_with_the_lan_env(transactional_db, tmp_path):
    """Django answers 400 to a Host it does not allow: what phones in the room got from the demo."""
    lan_host = "192.168.77.5"
    plain = asgi_server_start(tmp_path)
    lan = asgi_server_start(tmp_path, **{
        k: v for k, v in dev.demo_env(base={}, lan=True, port="8000", addresses=[lan_host]).items()
    })  # fmt: skip
    try:
        for server, expected in ((plain, 400), (lan, 200)):
            headers = {"Host": f"{lan_host}:8000"}
            request = urllib.request.Request(server.url + "/quizzes/play/", headers=headers)
            try:
                status = urllib.request.urlopen(request, timeout=10).status
            except urllib.error.HTTPError as error:
                status = error.code
            assert status == expected
    finally:
        plain.process.kill(signal.SIGTERM)
        lan.process.kill(signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.integration
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stopping_dev_py_by_signal_stops_its_server_and_worker_with_their_children(signum):
    """supervise() is what `dev.py demo` waits in; each child here forks a grandchild, as uvicorn and
    Celery do, and every one of them must be gone after dev.py is told to stop."""
    script = (
        "import subprocess, sys, dev\n"
        "children = [subprocess.Popen(['sh', '-c', 'sleep 300 & echo $! ; wait'], stdout=subprocess.PIPE,\n"
        "                             text=True, start_new_session=True) for _ in range(2)]\n"
        "print(' '.join(str(c.pid) + ' ' + c.stdout.readline().strip() for c in children), flush=True)\n"
        "dev.supervise(children)\n"
        "print('stopped', flush=True)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 4 and all(_alive(pid) for pid in pids)
        time.sleep(0.3)
        parent.send_signal(signum)
        assert parent.wait(timeout=30) == 0 and parent.stdout.read().strip() == "stopped"
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in pids)
    finally:
        if parent.poll() is None:
            parent.kill()
