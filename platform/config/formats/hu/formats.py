"""Dates as Hungarians write them: year first, the month abbreviated with a dot, the day with a dot
(not "sze 9 Dec", which an English pattern gave with Hungarian day names)."""

DATETIME_FORMAT = "Y. N j. (D), H:i"  # 2026. dec. 9. (sze), 14:30
SHORT_DATETIME_FORMAT = "N j. (D), H:i"  # dec. 9. (sze), 14:30
MONTH_DAY_FORMAT = "N j."  # dec. 9.
DATE_FORMAT = "Y. N j. (D)"  # 2026. dec. 9. (sze)
