"""Results that beat the reference by an implausible margin (plain Python: no Django, no database).

A student who looks the test inputs up in data the sandbox can read, or got hold of the labels, does not
beat the course's reference by a little: they make a fraction of its error. Such a result is flagged for a
grader to look at (the student sees nothing); nothing is taken away automatically, since an excellent
solution can also do it.
"""

from __future__ import annotations

# A result whose error (1 - accuracy, or the MAE) is below this share of the reference's is flagged. The
# reference for digits-cnn misses ~4% of the test set: flagged from ~98.7% on; fever-regression's MAE
# is ~0.13 C with a noise floor of ~0.12 C: flagged below ~0.043 C, which no model can reach honestly.
IMPLAUSIBLE_ERROR_SHARE = 1 / 3


def result_error(*, score: float, higher_is_better: bool) -> float:
    """The error of a score: ``1 - accuracy`` for a higher-is-better share, the score itself for an error."""
    return 1.0 - score if higher_is_better else score


def result_is_implausible(*, score: float, reference: float | None, higher_is_better: bool) -> bool:
    """Whether ``score`` makes less than ``IMPLAUSIBLE_ERROR_SHARE`` of the reference's error. False
    while there is no reference score, or when the reference makes no error (nothing to compare)."""
    if reference is None:
        return False
    reference_error = result_error(score=reference, higher_is_better=higher_is_better)
    if reference_error <= 0:
        return False
    error = result_error(score=score, higher_is_better=higher_is_better)
    return error < IMPLAUSIBLE_ERROR_SHARE * reference_error
