"""docs/deploy.md followed on this machine: production settings, migrate and collectstatic, an ASGI process
behind nginx with TLS (a self-signed certificate), using docs/deploy/nginx.conf itself (issue 18, item 8).

Reaches a healthy /healthz over https; a load balancer's plain-HTTP /healthz probe gets 200 (nginx and
Django both), not a 301; other plain-HTTP requests are redirected; a WebSocket passes the proxy; the pages
carry HSTS (without includeSubDomains/preload unless chosen) and the Content-Security-Policy.
"""

from __future__ import annotations

import json
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from tests.conftest import ROOT, ManagedProcess, free_port, port_open, start_process, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.services]

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SITE_CONF = ROOT / "docs" / "deploy" / "nginx.conf"
SECRET = "deploy-guide-test-" + "k" * 40
HOST = "127.0.0.1"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return subprocess_env(
        PLATFORM_MODE="production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        SITE_URL=f"https://{HOST}",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_APPLICATION_NAME="dlip-deploy-guide",
        **extra,
    )


def site_conf(*, http_port: int, https_port: int, web_port: int, cert: Path, key: Path, static: Path) -> str:
    """docs/deploy/nginx.conf with this machine's ports, certificate and folders (nothing else changed)."""
    text = SITE_CONF.read_text()
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl http2;": f"listen {HOST}:{https_port} ssl http2;",
        "server_name dl.example.edu;": f"server_name {HOST};",
        "/etc/ssl/dlip/fullchain.pem": str(cert),
        "/etc/ssl/dlip/privkey.pem": str(key),
        "alias /srv/dlip/static/;": f"alias {static}/;",
        "    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n": "",
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{web_port} ",
    }
    for old, new in replacements.items():
        assert old in text, f"docs/deploy/nginx.conf no longer has {old!r}: update the guide's test with it"
        text = text.replace(old, new)
    return text


def nginx_start(tmp_path: Path, site: str, *, http_port: int) -> ManagedProcess:
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"""daemon off;
user root;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/nginx-access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    assert NGINX is not None
    # -e: the log of nginx's start-up, before it has read error_log (not /var/log/nginx, which needs root).
    options = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "start.log")]
    check = subprocess.run([NGINX, "-t", *options], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    argv = [NGINX, *options]
    return start_process(argv, log_path=tmp_path / "nginx.log", ready=http_port, env=subprocess_env())


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def fetch(url: str, *, context: ssl.SSLContext | None = None) -> tuple[int, Message, bytes]:
    """GET without following redirects; the headers are looked up case-insensitively."""
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (python3 dev.py test installs it)")
def test_the_deployment_guide_reaches_a_healthy_site_behind_nginx_with_tls(transactional_db, tmp_path):
    env = production_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    # Step 3 of the guide: migrate (the test database has every migration already), collectstatic, check.
    steps = (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v", "0"], ["check", "--deploy"])
    for args in steps:
        result = subprocess.run(
            [*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    assert (tmp_path / "static" / "staticfiles.json").exists()

    web_port, http_port, https_port = free_port(), free_port(), free_port()
    web = start_process(
        [*manage, "serve", "--host", HOST, "--port", str(web_port)],
        log_path=tmp_path / "web.log",
        ready=web_port,
        env=env,
    )
    cert, key = self_signed_certificate(tmp_path)
    site = site_conf(
        http_port=http_port,
        https_port=https_port,
        web_port=web_port,
        cert=cert,
        key=key,
        static=tmp_path / "static",
    )
    nginx = nginx_start(tmp_path, site, http_port=http_port)
    try:
        deadline = time.monotonic() + 10
        while not port_open(https_port) and time.monotonic() < deadline:
            time.sleep(0.1)
        tls = ssl.create_default_context(cafile=str(cert))  # verified: the proxy serves our certificate

        status, headers, body = fetch(f"https://{HOST}:{https_port}/healthz", context=tls)
        assert status == 200, body[:1000]
        assert json.loads(body)["status"] == "ok"
        assert headers["Strict-Transport-Security"] == "max-age=31536000"  # no includeSubDomains, no preload
        assert "script-src 'self'" in headers["Content-Security-Policy"]

        status, headers, body = fetch(f"https://{HOST}:{https_port}/accounts/login/", context=tls)
        assert status == 200 and b"Neptun" in body  # Django saw https (X-Forwarded-Proto): no redirect loop
        assert f"connect-src 'self' wss://{HOST}" in headers["Content-Security-Policy"]
        assert "Secure" in headers["Set-Cookie"]  # the CSRF cookie of the login form
        status, headers, _ = fetch(f"https://{HOST}:{https_port}/static/css/site.css", context=tls)
        assert status == 200 and headers["Content-Type"].startswith("text/css")  # nginx serves STATIC_ROOT

        # The load balancer's plain-HTTP probe: through nginx and straight to the ASGI process.
        for probe in (f"http://{HOST}:{http_port}/healthz", f"http://{HOST}:{web_port}/healthz"):
            status, _, body = fetch(probe)
            assert status == 200 and json.loads(body)["status"] == "ok", (probe, status, body[:300])
        status, headers, _ = fetch(f"http://{HOST}:{http_port}/accounts/login/")
        assert status == 301 and headers["Location"].startswith(f"https://{HOST}")
        status, headers, _ = fetch(f"http://{HOST}:{web_port}/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://")  # SECURE_SSL_REDIRECT still on

        # A phone's WebSocket through the proxy (TLS, upgrade): the live quiz answers it.
        from websockets.sync.client import connect

        with connect(
            f"wss://{HOST}:{https_port}/ws/quizzes/play/000000/",
            ssl=tls,
            origin=f"https://{HOST}:{https_port}",
            open_timeout=30,
        ) as socket:
            frame = json.loads(socket.recv(timeout=30))
        assert frame["type"] == "error", frame
    finally:
        nginx.kill(signal.SIGTERM)
        web.kill(signal.SIGTERM)
