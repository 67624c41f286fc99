"""The lookup attack, as a hostile student would write it: no training, only matching each test input
against every labelled data set the sandbox can read (the environment's packages and the task's own
public files) and copying the label of what it matches."""

from __future__ import annotations

import numpy as np


def rows(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def lookup_exact(
    test_x: np.ndarray, source_x: np.ndarray, source_y: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """The label of an identical source row (to 4 decimals); ``fallback``'s value where none is."""
    index = {row.tobytes(): i for i, row in enumerate(np.round(rows(source_x), 4))}
    out = np.array(fallback, copy=True)
    for i, row in enumerate(np.round(rows(test_x), 4)):
        if row.tobytes() in index:
            out[i] = source_y[index[row.tobytes()]]
    return out


def lookup_nearest(
    test_x: np.ndarray, source_x: np.ndarray, source_y: np.ndarray, *, centred: bool = False
) -> np.ndarray:
    """The label of the nearest source row: Euclidean, or centred cosine (blind to brightness and
    contrast changes)."""
    test, source = rows(test_x), rows(source_x)
    if centred:
        test = test - test.mean(1, keepdims=True)
        source = source - source.mean(1, keepdims=True)
        test /= np.linalg.norm(test, axis=1, keepdims=True).clip(1e-9)
        source /= np.linalg.norm(source, axis=1, keepdims=True).clip(1e-9)
        best = (test @ source.T).argmax(1)
    else:
        distance = (test**2).sum(1)[:, None] - 2 * test @ source.T + (source**2).sum(1)[None]
        best = distance.argmin(1)
    return source_y[best]
