"""The per-deployment data secret: what makes a built-in task's held-out test set unknowable.

The tasks build their data from sources every student has (scikit-learn's digits, scikit-image's
pictures, a generator in this repository). What a student cannot have is the secret: every random draw
that decides a test input or label (a keyed distortion, keyed noise, a generator's seed) comes from
HMAC-SHA256 of the secret, so the same secret gives the same files on every machine (web and workers
agree) and a different secret gives different ones. The secret is never written into the task's files.

Without ``GRADER_DATA_SECRET`` the command line uses :data:`PRACTICE_SECRET`, which is in this
repository: data made with it are for practice, never for grades.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import numpy as np

SECRET_ENV = "GRADER_DATA_SECRET"
PRACTICE_SECRET = b"dlip-practice-data: published in the repository, never for grades"


def secret_from_env() -> bytes:
    """``GRADER_DATA_SECRET`` from the environment, or the published practice secret."""
    value = os.environ.get(SECRET_ENV, "")
    return value.encode() if value else PRACTICE_SECRET


def secret_fingerprint(secret: bytes) -> str:
    """A short name for the secret (cache folders are keyed by it); reveals nothing about it."""
    return hashlib.sha256(b"dlip-data-fingerprint\0" + secret).hexdigest()[:12]


def keyed_seed(secret: bytes, *labels: str) -> int:
    """A 64-bit seed from the secret and what it is for (``keyed_seed(s, "digits-cnn", "distort")``)."""
    message = "\0".join(labels).encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:8], "big")


def keyed_rng(secret: bytes, *labels: str) -> np.random.Generator:
    """A NumPy generator that only the holder of the secret can replay."""
    return np.random.default_rng(keyed_seed(secret, *labels))
