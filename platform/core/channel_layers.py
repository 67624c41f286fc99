"""The embedded mode's in-process channel layer, fit for a lecture hall."""

import time

from channels.layers import InMemoryChannelLayer


class LectureHallChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with its expiry sweep run at most once a second.

    The stock layer sweeps every channel and group for expired messages on each receive, so one
    broadcast to N connected phones costs N² work: seconds at 2,000 players. Expired messages are
    still dropped, just in batches.
    """

    sweep_interval = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()
