"""Homework as the course's students write it, through a real Celery worker and the real sandbox: the
lecture's Keras LeNet-5 with a matplotlib cell, a notebook reading its data from the working folder, and a
buggy notebook whose page says why on the first screen (phone and desktop, headless Chromium)."""

from __future__ import annotations

import io
import signal

import nbformat
import pytest

from grader.models import Submission, SubmissionStatus, SubmissionVerdict
from grader.services import submission_create
from tests.conftest import asgi_server_start
from tests.e2e.pages import DESKTOP, PHONE, log_in
from tests.grader.conftest import assignment_make, wait_done

pytestmark = [pytest.mark.integration, pytest.mark.services]

KERAS_LENET5 = [
    # As on the slides: Keras, LeNet-5 from Sequential, a look at a few digits with matplotlib.
    "%matplotlib inline\n"
    "import os\n"
    "import numpy as np\n"
    "import matplotlib.pyplot as plt\n"
    "import keras\n"
    "from keras import layers\n"
    "data = os.environ['DLIP_DATA_DIR']\n"
    "train, val, test = (np.load(os.path.join(data, f'{part}.npz')) for part in ('train', 'val', 'test'))\n"
    "def images(x):\n"
    "    return x.transpose(0, 2, 3, 1).astype('float32') / 255.0  # channels last, as Keras wants\n"
    "x_train, y_train = images(train['x']), train['y']\n"
    "x_val, y_val = images(val['x']), val['y']",
    "fig, axes = plt.subplots(1, 6, figsize=(8, 2))\n"
    "for ax, image, label in zip(axes, x_train, y_train):\n"
    "    ax.imshow(image[:, :, 0], cmap='gray')\n"
    "    ax.set_title(int(label))\n"
    "    ax.axis('off')\n"
    "plt.show()",
    "model = keras.Sequential([\n"
    "    keras.Input(shape=(32, 32, 1)),\n"
    "    layers.Conv2D(6, kernel_size=5, activation='tanh'),\n"
    "    layers.MaxPooling2D(pool_size=2),\n"
    "    layers.Conv2D(16, kernel_size=5, activation='tanh'),\n"
    "    layers.MaxPooling2D(pool_size=2),\n"
    "    layers.Flatten(),\n"
    "    layers.Dense(120, activation='tanh'),\n"
    "    layers.Dense(84, activation='tanh'),\n"
    "    layers.Dense(10, activation='softmax'),\n"
    "])\n"
    "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "model.summary()\n"
    "history = model.fit(x_train, y_train, epochs=8, batch_size=64, validation_data=(x_val, y_val),\n"
    "                    verbose=2)",
    "labels = model.predict(images(test['x']), verbose=0).argmax(axis=1)\n"
    "with open(os.path.join(os.environ['DLIP_OUTPUT_DIR'], 'predictions.csv'), 'w') as out:\n"
    "    out.write('id,label\\n')\n"
    "    for key, label in zip(test['id'], labels):\n"
    "        out.write(f'{key},{label}\\n')",
]

WORKING_FOLDER = [
    # As on a student's own machine: the data beside the notebook, the predictions written beside it too.
    "import numpy as np\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "train, test = np.load('train.npz'), np.load('test.npz')\n"
    "model = LogisticRegression(max_iter=300).fit(train['x'].reshape(len(train['x']), -1) / 255, train['y'])",
    "labels = model.predict(test['x'].reshape(len(test['x']), -1) / 255)\n"
    "with open('predictions.csv', 'w') as out:\n"
    "    out.write('id,label\\n')\n"
    "    out.writelines(f'{key},{label}\\n' for key, label in zip(test['id'], labels))",
]

BUGGY = [
    "import numpy as np\nsettings = {'epochs': 3}",
    "## Training",  # a Markdown cell: counted, as the notebook shows it
    "def learning_rate(config):\n"
    "    scale = 10\n"
    "    return config['lr'] * scale\n"
    "\n"
    "print('starting')\n"
    "rate = learning_rate(settings)",
    "print('never reached')",
]


def notebook(*cells: str) -> bytes:
    book = nbformat.v4.new_notebook()
    book.cells = [
        nbformat.v4.new_markdown_cell(cell) if cell.startswith("## ") else nbformat.v4.new_code_cell(cell)
        for cell in cells
    ]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(book).encode()


def upload(assignment, user, content: bytes, name: str) -> Submission:
    return submission_create(assignment=assignment, user=user, upload=io.BytesIO(content), name=name)


@pytest.mark.ml
def test_the_lectures_keras_lenet5_with_a_matplotlib_cell_scores_on_the_digits(
    course, student, celery_worker
):
    assignment = assignment_make(
        course, task="digits-cnn", kinds=("predictions", "notebook"), wall_seconds=600
    )
    wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker, timeout=300)
    submission = wait_done(
        upload(assignment, student, notebook(*KERAS_LENET5), "lenet5-keras.ipynb"),
        worker=celery_worker,
        timeout=660,
    )
    assert submission.status == SubmissionStatus.SCORED, (submission.verdict_detail, submission.log[-3000:])
    assert submission.score is not None and submission.score > 0.6  # guessing scores 0.1
    assert submission.points is not None and submission.points > 0
    page = submission.executed_html.read().decode()
    assert "data:image/png;base64," in page  # the matplotlib cell's figure, inline
    assert "61,706" in page  # LeNet-5's parameters as on the slide: Keras built it on torch


def test_a_notebook_reading_its_data_from_the_working_folder_scores(course, student, celery_worker):
    assignment = assignment_make(
        course, task="digits-cnn", kinds=("predictions", "notebook"), wall_seconds=300
    )
    wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker, timeout=300)
    submission = wait_done(
        upload(assignment, student, notebook(*WORKING_FOLDER), "here.ipynb"),
        worker=celery_worker,
        timeout=360,
    )
    assert submission.status == SubmissionStatus.SCORED, (submission.verdict_detail, submission.log[-3000:])
    assert submission.score is not None and submission.score > 0.5


@pytest.mark.e2e
def test_a_buggy_notebooks_page_shows_the_error_and_the_cell_first_on_a_phone_and_a_desktop(
    browser, course, student, celery_worker, tmp_path, artifacts_dir
):
    assignment = assignment_make(course, task="fever-regression", kinds=("predictions", "notebook"))
    submission = wait_done(
        upload(assignment, student, notebook(*BUGGY), "buggy.ipynb"), worker=celery_worker, timeout=240
    )
    assert (
        submission.status == SubmissionStatus.FAILED and submission.verdict == SubmissionVerdict.RUNTIME_ERROR
    )
    failure = submission.failure
    assert (failure["where"], failure["cell"], failure["line"]) == ("cell", 3, 3)
    assert (failure["error_type"], failure["message"]) == ("KeyError", "'lr'")
    assert "    return config['lr'] * scale" in failure["excerpt"]
    assert submission.verdict_detail.startswith("KeyError: 'lr'")
    assert "Kernel is running over TCP" in submission.log  # kept in storage, filtered on the page

    server = asgi_server_start(tmp_path)
    try:
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            phone = viewport is PHONE
            context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
            page = context.new_page()
            log_in(page, server.url, "abc123")
            page.goto(f"{server.url}/grader/submissions/{submission.pk}/")
            box = page.locator("#failure")
            box.wait_for()
            page.screenshot(path=str(artifacts_dir / f"failure-{name}.png"))
            text = box.inner_text()
            assert "cell 3, line 3" in text and "KeyError: 'lr'" in text, text
            failing = page.locator("#failure-source .failing")
            assert "return config['lr'] * scale" in failing.inner_text()
            # First screen: the error and the failing line are visible without scrolling.
            for element in (page.locator("#failure-type"), failing):
                rect = element.bounding_box()
                assert rect is not None and rect["y"] + rect["height"] <= viewport["height"], (name, rect)
            log = page.locator("#log pre").inner_text()
            assert "KeyError" in log and "Kernel is running over TCP" not in log and "DLIP-FAILURE" not in log
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
            context.close()
    finally:
        server.process.kill(signal.SIGTERM)


def test_a_state_dict_of_an_own_network_is_refused_with_the_way_to_submit_it(course, student, celery_worker):
    import torch
    from torch import nn

    assignment = assignment_make(course, task="digits-cnn", kinds=("predictions", "model"), wall_seconds=120)
    own = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 64), nn.ReLU(), nn.Linear(64, 10))
    buffer = io.BytesIO()
    torch.save(own.state_dict(), buffer)
    submission = wait_done(upload(assignment, student, buffer.getvalue(), "mine.pt"), worker=celery_worker)
    assert (
        submission.status == SubmissionStatus.FAILED and submission.verdict == SubmissionVerdict.WRONG_FORMAT
    )
    detail = submission.verdict_detail
    assert "probably your own architecture" in detail and "torch.jit.script(model).save" in detail, detail
    assert "notebook or script" in detail and "unexpected ['1.bias'" in detail
    assert len(detail) < 900  # a summary, not a dump of every key
