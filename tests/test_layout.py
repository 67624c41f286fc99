"""The repository layout keeps the standard library's `platform` module reachable."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_stdlib_platform_is_not_shadowed_once_django_is_set_up(settings):
    import platform
    import uuid

    assert platform.system() == "Linux"
    assert Path(platform.__file__).parent != ROOT / "platform"
    assert uuid.uuid4().version == 4


def test_manage_py_runs_with_the_repository_root_on_the_path():
    code = "import django, platform; django.setup(); print(platform.system())"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; sys.argv=['manage.py','check'];"
            " runpy.run_path('manage.py', run_name='__main__')",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code.replace("django.setup(); ", "")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().endswith("Linux")
