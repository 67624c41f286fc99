"""Homework 4 as a student writes it, through the real worker and sandbox: a plain-PyTorch notebook loads
the pretrained backbone from $DLIP_ASSETS_DIR, fine-tunes a new head, then layer3 and layer4, with the
backbone's own preprocessing, and beats the same network trained from scratch."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
import torch
from django.conf import settings
from django.utils import timezone

from grader import problem_catalog
from grader.models import AssetSource, SubmissionStatus
from grader.services import AssignmentRules, assignment_create, submission_create
from reference_models.problems import texture_transfer
from tests.grader.conftest import wait_done

pytestmark = [pytest.mark.integration, pytest.mark.ml]

# Per fine-tuning stage; from scratch gets both stages' epochs. Small: the whole test runs on a CPU.
TRANSFER_EPOCHS = 2
STUDENT_SOURCE = Path(__file__).parent / "fixtures" / "transfer_student.py"
# Both forms of the backbone give the same features, loaded with nothing but torch and the assets.
BOTH_FORMS_SCRIPT = """\
import csv, os, sys
import numpy as np
import torch

assets = os.environ["DLIP_ASSETS_DIR"]
sys.path.insert(0, assets)
from backbone import preprocess, resnet18_pretrained

test = np.load(os.path.join(os.environ["DLIP_DATA_DIR"], "test.npz"))
x = preprocess(torch.from_numpy(test["x"]))
scripted = torch.jit.load(os.path.join(assets, "backbone_torchscript.pt")).eval()
plain = resnet18_pretrained(os.path.join(assets, "backbone_state_dict.pt"), num_classes=0).eval()
with torch.no_grad():
    print("SAME", torch.allclose(scripted(x), plain(x), atol=1e-5), tuple(plain(x).shape))
with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["id", "label"])
    writer.writerows((int(i), 0) for i in test["id"])
"""


@pytest.fixture
def pretrained_backbone(monkeypatch) -> Path:
    """A backbone pretrained for this test (smaller than the default, still useful), made once per
    data folder, as the task's backbone while the assignment is created."""
    folder = Path(settings.DATA_DIR) / "backbone-transfer"
    path = folder / "resnet18-w16.pt"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        texture_transfer.backbone_pretrain(out_path=partial, epochs=5, per_image=160, progress=False)
        partial.rename(path)
    monkeypatch.setattr(texture_transfer, "DEFAULT_BACKBONE_DIR", folder)
    return path


def student_notebook() -> bytes:
    cells = STUDENT_SOURCE.read_text().split("# %%")[1:]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(("#" + cell).strip()) for cell in cells]
    return nbformat.writes(notebook).encode()


def test_a_students_transfer_notebook_with_the_mounted_backbone_beats_training_from_scratch(
    course, student, celery_worker, pretrained_backbone
):
    now = timezone.now()
    assignment = assignment_create(
        course=course,
        by=None,
        task_key="texture-transfer",
        rules=AssignmentRules(
            title="HW4: transfer learning",
            kinds=("notebook", "script", "model", "predictions"),
            points=Decimal(0),  # practice only: the textures ship with scikit-image
            opens_at=now - timedelta(days=1),
            deadline=now + timedelta(days=7),
            daily_limit=50,
            wall_seconds=600,
            memory_mb=3072,
        ),
        reference_epochs=TRANSFER_EPOCHS,
    )
    report = problem_catalog.catalog_reference("texture-transfer", epochs=TRANSFER_EPOCHS).report
    assert report["backbone"] == str(pretrained_backbone), "the cached reference used another backbone"
    from_scratch = report["baselines"]["from_scratch"]["value"]

    assets = {a.name: a for a in assignment.assets.all()}
    assert set(assets) == {"backbone_torchscript.pt", "backbone_state_dict.pt", "backbone.py"}
    assert all(a.source == AssetSource.TASK for a in assets.values())
    assert "(0.485, 0.456, 0.406)" in assets["backbone_torchscript.pt"].description
    shipped = torch.load(assets["backbone_state_dict.pt"].file.path, weights_only=True)
    pretrained = torch.load(pretrained_backbone, weights_only=True)
    assert shipped.keys() == pretrained.keys() and all(
        torch.equal(shipped[k], pretrained[k]) for k in shipped
    )

    notebook = submission_create(
        assignment=assignment, user=student, upload=_file(student_notebook()), name="hw4.ipynb"
    )
    both = submission_create(
        assignment=assignment, user=student, upload=_file(BOTH_FORMS_SCRIPT.encode()), name="forms.py"
    )
    done = wait_done(notebook, worker=celery_worker, timeout=900)
    assert done.status == SubmissionStatus.SCORED, (done.verdict_detail, done.log[-3000:])
    executed = Path(done.executed_html.path).read_text()
    assert "backbone_torchscript.pt" in executed and "val accuracy" in executed  # the cells' own output
    scores = f"notebook {done.score:.3f}, reference {report['value']:.3f}, from scratch {from_scratch:.3f}"
    print(scores)  # noqa: T201 - the figures in docs/assets.md
    assert done.score > from_scratch, (done.score, report["baselines"], done.log[-2000:])
    forms = wait_done(both, worker=celery_worker, timeout=300)
    assert forms.status == SubmissionStatus.SCORED, (forms.verdict_detail, forms.log[-3000:])
    assert "SAME True (200, 128)" in forms.log


def _file(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)
