"""The API's JSON renderer: no NaN or Infinity ever leaves the site (JSON has no such numbers).

Its own module: DRF reads ``DEFAULT_RENDERER_CLASSES`` while ``rest_framework.views`` is imported, so
this must not import that (``core.api`` does).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from rest_framework.renderers import JSONRenderer

logger = logging.getLogger(__name__)


def finite(data: Any) -> Any:
    """``data`` with every NaN or infinite float replaced by ``None`` (JSON has no such numbers)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [finite(value) for value in data]
    return data


class FiniteJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, but a NaN or infinite float is written as null instead of failing with a 500
    (DRF's strict JSON refuses them) or leaking ``Infinity`` (not JSON). Costs nothing when all is finite."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except ValueError:
            logger.error("a response held a NaN or infinite number; written as null")
            return super().render(finite(data), accepted_media_type, renderer_context)
