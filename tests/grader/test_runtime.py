"""The grading runtime as a student of the course meets it: what is installed (and works), the runtime page,
README.txt, the public data in the working folder, and failures that say why (grader.failures)."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.services import user_language_set
from grader import problem_catalog, runtime
from grader.failures import FAILURE_MARKER, failure_excerpt, failure_from_log, log_for_display
from grader.sandbox import DATA_MOUNT, OUTPUT_MOUNT, RunVerdict, SandboxLimits, runner_command, sandbox_run
from grader.services.grading import _model_error_detail
from tests.grader.conftest import assignment_make

MIB = 1024 * 1024
TCP_WARNING = (
    "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication (including "
    "code and outputs) is sent in plain text and is susceptible to eavesdropping."
)


# --- what is installed ------------------------------------------------------------------------------------


def test_the_runtime_has_torchvision_matching_torch_and_it_works_on_the_cpu():
    """PyPI's torchvision 0.28.0 (a CUDA build) imports beside the CPU torch 2.13.0 once
    grader.torchvision_cpu has run (dev.py does): models, transforms v2 and the compiled operators."""
    code = (
        "import torch, torchvision\n"
        "from torchvision import models, ops\n"
        "from torchvision.transforms import v2\n"
        "import numpy as np\n"
        "assert torch.__version__.startswith('2.13.0') and torchvision.__version__.startswith('0.28.0')\n"
        "assert not torch.cuda.is_available()\n"
        "out = models.resnet18()(torch.rand(2, 3, 64, 64))\n"
        "assert out.shape == (2, 1000)\n"
        "boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=torch.float)\n"
        "assert ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist() == [0, 2]\n"
        "t = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Resize(32)])\n"
        "assert t(np.zeros((40, 40, 3), dtype=np.uint8)).shape == (3, 32, 32)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


def test_the_torchvision_step_is_idempotent():
    from grader.torchvision_cpu import torchvision_cpu_install

    assert torchvision_cpu_install() == "torchvision imports; nothing to do."


@pytest.mark.integration
def test_keras_runs_on_torch_and_matplotlib_headless_in_the_sandbox_without_a_home(tmp_path):
    """The lecture's Keras code runs as written (KERAS_BACKEND=torch), matplotlib draws to a file, and
    neither writes outside the run's own /tmp (the rest of the file system is read-only there)."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "probe.py").write_text(
        "import os, keras, matplotlib.pyplot as plt\n"
        "from keras import layers\n"
        "model = keras.Sequential([keras.Input((32, 32, 1)), layers.Conv2D(6, 5, activation='tanh'),\n"
        "    layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
        "print('backend', keras.backend.backend(), 'params', model.count_params())\n"
        "plt.plot([1, 2, 3]); plt.savefig(os.path.join(os.environ['DLIP_OUTPUT_DIR'], 'plot.png'))\n"
        "print('mpl', plt.get_backend(), os.environ['MPLCONFIGDIR'], os.environ['KERAS_HOME'])\n"
    )
    for path in (folder, folder / "probe.py"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    output = tmp_path / "output"
    output.mkdir()
    result = sandbox_run(
        command=runner_command("script", "/sandbox/submission/probe.py"),
        inputs={"/sandbox/submission": folder},
        output_dir=output,
        limits=SandboxLimits(wall_seconds=240, cpu_seconds=480, memory_bytes=2048 * MIB),
    )
    assert result.verdict is RunVerdict.OK, result.log
    assert "backend torch params" in result.log
    assert "mpl agg /tmp/matplotlib /tmp/keras" in result.log.lower()
    assert (output / "plot.png").read_bytes()[:4] == b"\x89PNG"


# --- README.txt and the runtime page ----------------------------------------------------------------------


def test_readme_tells_where_the_data_is_the_working_folder_and_where_the_slides_differ(db):
    readme = (problem_catalog.catalog_prepare("digits-cnn") / "public" / "README.txt").read_text()
    for fact in ("$DLIP_DATA_DIR", "/sandbox/data", "$DLIP_OUTPUT_DIR", "/sandbox/output", "/assets"):
        assert fact in readme
    assert 'numpy.load("train.npz")' in readme and "working folder" in readme
    assert "KERAS_BACKEND=torch" in readme and "matplotlib" in readme and "torchvision" in readme
    assert "Where the slides differ" in readme
    assert "8x8 scans upsampled to" in readme and "MNIST (28x28" in readme
    fever = (problem_catalog.catalog_prepare("fever-regression") / "public" / "README.txt").read_text()
    assert "$DLIP_DATA_DIR" in fever and "Where the slides differ" not in fever


def test_every_slide_difference_has_its_translation(db):
    """The page shows a task's slide differences translated: each task's English text is in the catalogue
    (grader.runtime lists it for makemessages) and has a Hungarian translation."""
    texts = {
        problem_catalog.catalog_problem(key).slide_differences
        for key in problem_catalog.catalog_problem_names()
    }
    texts.discard("")
    assert texts and texts <= set(runtime.SLIDE_DIFFERENCES_FOR_TRANSLATION)
    with translation.override("hu"):
        for text in texts:
            assert translation.gettext(text) != text


def test_the_runtime_page_lists_versions_read_from_the_runtime_limits_paths_and_the_working_folder(
    db, course, student
):
    assignment = assignment_make(
        course, task="digits-cnn", kinds=("notebook",), wall_seconds=321, memory_mb=1234
    )
    client = Client()
    client.force_login(student)
    page = client.get(reverse("grader:assignment", args=[assignment.pk])).content.decode()
    runtime_url = reverse("grader:runtime", args=[assignment.pk])
    assert f'href="{runtime_url}"' in page and 'id="slide-differences"' in page

    text = client.get(runtime_url).content.decode()
    for name in ("torch", "torchvision", "keras", "numpy", "pandas", "scikit-learn", "matplotlib"):
        version = importlib.metadata.version(name)
        assert f'<tr data-package="{name}"><td>{name}</td><td>{version}</td></tr>' in text
    assert "321 s" in text and "1234 MiB" in text and "no: the CPU only" in text
    assert f">{SandboxLimits().max_processes}<" in text
    for path in (DATA_MOUNT, OUTPUT_MOUNT, "/assets", "DLIP_DATA_DIR", "DLIP_OUTPUT_DIR", "DLIP_ASSETS_DIR"):
        assert path in text
    assert "present when the assignment has assets" in text
    assert "KERAS_BACKEND=torch" in text and "MPLBACKEND=Agg" in text
    assert 'id="working-folder"' in text and "8x8 scans upsampled to 32x32" in text

    user_language_set(user=student, language="hu")
    hungarian = client.get(runtime_url).content.decode()
    for words in (
        "Telepített csomagok",
        "Egy futás korlátai",
        "Könyvtárak",
        "Ahol a diák eltérnek",
        "8×8-as",
    ):
        assert words in hungarian, words
    assert "Installed packages" not in hungarian
    translation.activate("en")


# --- failures ---------------------------------------------------------------------------------------------


def _marker(**fields) -> str:
    return FAILURE_MARKER + json.dumps(fields)


def test_a_failure_line_gives_the_cell_the_error_and_the_source_around_it():
    failure = {
        "where": "cell",
        "cell": 4,
        "error_type": "KeyError",
        "message": "'missing'",
        "line": 6,
        "excerpt_first_line": 3,
        "excerpt": ["def f(a):", "    return a['missing']", "", "y = f({})"],
    }
    log = f"{TCP_WARNING}\nAn error occurred\nKeyError: 'missing'\n{_marker(**failure)}\n"
    found = failure_from_log(log)
    assert found is not None and found["cell"] == 4 and found["line"] == 6
    assert (found["error_type"], found["message"]) == ("KeyError", "'missing'")
    assert failure_excerpt(found)[-1] == (6, "y = f({})", True)
    assert log_for_display(log) == "An error occurred\nKeyError: 'missing'"


def test_the_log_is_hostile_only_the_last_bounded_well_formed_failure_line_counts():
    huge = _marker(where="cell", cell=1, error_type="E" * 50_000, message="x")
    assert failure_from_log(huge) is None  # too long to parse, no traceback to fall back on
    fake_then_real = (
        _marker(where="cell", cell=9, error_type="Fake")
        + "\n"
        + _marker(
            where="script", error_type="ValueError", message="<script>alert(1)</script>" * 500, line=True
        )
    )
    found = failure_from_log(fake_then_real)
    assert found is not None and found["error_type"] == "ValueError" and found["line"] is None
    assert len(found["message"]) == 2000  # cut; the template escapes it
    assert failure_from_log(_marker(where="elsewhere", error_type="X")) is None
    assert failure_from_log("not json: " + FAILURE_MARKER + "{") is None


def test_without_a_failure_line_the_last_python_traceback_is_read():
    log = (
        "epoch 1\nTraceback (most recent call last):\n"
        '  File "/sandbox/submission/solution.py", line 12, in <module>\n    main()\n'
        '  File "/sandbox/submission/solution.py", line 9, in main\n    np.load("nope.npz")\n'
        "FileNotFoundError: [Errno 2] No such file or directory: 'nope.npz'\n"
    )
    found = failure_from_log(log)
    assert found == {
        "where": "script",
        "cell": None,
        "error_type": "FileNotFoundError",
        "message": "[Errno 2] No such file or directory: 'nope.npz'",
        "line": 9,
        "excerpt_first_line": 1,
        "excerpt": [],
    }


@pytest.mark.integration
def test_the_script_runner_reports_the_failing_line_of_the_script(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    lines = ["import numpy as np", "", "def load():", "    return np.load('missing.npz')", "", "x = load()"]
    (folder / "solution.py").write_text("\n".join(lines) + "\n")
    for path in (folder, folder / "solution.py"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    output = tmp_path / "output"
    output.mkdir()
    result = sandbox_run(
        command=runner_command("script", "/sandbox/submission/solution.py"),
        inputs={"/sandbox/submission": folder},
        output_dir=output,
        limits=SandboxLimits(wall_seconds=60, cpu_seconds=60, memory_bytes=1024 * MIB),
    )
    assert result.verdict is RunVerdict.RUNTIME_ERROR and "Traceback" in result.log
    found = failure_from_log(result.log)
    assert found is not None
    assert (found["where"], found["error_type"], found["line"]) == ("script", "FileNotFoundError", 4)
    assert "missing.npz" in found["message"]
    assert failure_excerpt(found)[3] == (4, "    return np.load('missing.npz')", True)
    assert FAILURE_MARKER not in log_for_display(result.log)


@pytest.mark.integration
def test_the_public_files_are_linked_into_the_working_folder_and_not_copied_out(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("x\n1\n")
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "solution.py").write_text(
        "import os\nprint(open('train.csv').read().split())\n"
        "open('predictions.csv', 'w').write('id,y\\n')\n"
        "try:\n    open('train.csv', 'w')\nexcept OSError as e:\n    print('read-only', e.errno)\n"
    )
    for path in (data, data / "train.csv", folder, folder / "solution.py"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    output = tmp_path / "output"
    output.mkdir()
    result = sandbox_run(
        command=runner_command("script", "/sandbox/submission/solution.py"),
        inputs={DATA_MOUNT: data, "/sandbox/submission": folder},
        output_dir=output,
        limits=SandboxLimits(wall_seconds=60, cpu_seconds=60, memory_bytes=1024 * MIB),
        output_links={"train.csv": f"{DATA_MOUNT}/train.csv"},
    )
    assert result.verdict is RunVerdict.OK, result.log
    assert "['x', '1']" in result.log and "read-only 30" in result.log
    assert sorted(p.name for p in output.iterdir()) == ["predictions.csv"]
    assert "not kept" not in result.detail


def test_an_own_architecture_state_dict_is_explained_in_plain_words():
    dump = (
        "model.pt fits no variant of digits-cnn: lenet5: missing ['features.0.weight', 'features.0.bias', "
        "'features.3.weight'], unexpected ['conv1.weight', 'conv1.bias', 'conv2.weight'], wrong shape []; "
        + "modern: missing ['x'] "
        * 40
    )
    detail = _model_error_detail(dump)
    assert "your own architecture" in detail and "TorchScript" in detail and "torch.jit.script" in detail
    assert "notebook or script" in detail and "lenet5: missing ['features.0.weight'" in detail
    assert len(detail) < 900
    with translation.override("hu"):
        assert "saját architektúr" in _model_error_detail(dump)
    assert _model_error_detail("model.pt is neither TorchScript nor ...").startswith(
        "The model file could not be loaded"
    )
