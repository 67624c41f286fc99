"""Dates as the site writes them in English (templates use these names, never a literal pattern)."""

DATETIME_FORMAT = "D j M Y, H:i"  # Wed 9 Dec 2026, 14:30
SHORT_DATETIME_FORMAT = "D j M, H:i"  # Wed 9 Dec, 14:30
MONTH_DAY_FORMAT = "j M"  # 9 Dec
DATE_FORMAT = "D j M Y"  # Wed 9 Dec 2026
