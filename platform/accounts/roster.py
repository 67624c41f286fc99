"""Roster import from the file an instructor exports from Neptun (CSV or XLSX).

Parsing is separate from writing: ``roster_parse`` turns bytes into good rows and problems,
``roster_import`` applies the good rows to a course. Re-importing the same file changes nothing.
"""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Course, Enrollment, Role, User
from accounts.neptun import InvalidNeptunCode, neptun_normalize
from core.errors import PlatformError

MAX_ROSTER_BYTES = 5 * 1024 * 1024

# Header names as they appear in English and Hungarian Neptun exports, compared without accents.
NEPTUN_HEADERS = {"neptun", "neptun kod", "neptun code", "neptun-kod", "neptunkod", "neptun id", "kod"}
NAME_HEADERS = {"nev", "name", "full name", "hallgato neve", "teljes nev", "student name", "hallgato"}
FAMILY_NAME_HEADERS = {"vezeteknev", "csaladi nev", "last name", "family name", "surname"}
GIVEN_NAME_HEADERS = {"keresztnev", "utonev", "first name", "given name"}
EMAIL_HEADERS = {"e-mail", "email", "e-mail cim", "email cim", "email address", "e-mail address", "mail"}


class RosterFileError(PlatformError):
    """Nothing could be read from the file."""

    code = "roster_unreadable"


@dataclass(frozen=True)
class RosterRow:
    line: int
    neptun_code: str
    name: str
    email: str


@dataclass(frozen=True)
class RosterProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class RosterReport:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enrolled: int = 0
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        text = (
            f"{self.rows_read} rows read: {self.created} new students, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.enrolled} newly enrolled"
        )
        if self.problems:
            text += f"; {len(self.problems)} rows skipped"
        return text


def _fold(header: object) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode()
    return " ".join(text.replace("_", " ").replace(":", "").strip().lower().split())


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content.decode("utf-8-sig")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        # Older Neptun exports and Excel "CSV" on Hungarian Windows use Central European cp1250.
        return content.decode("cp1250", errors="replace")


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(content)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([";", ",", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise RosterFileError("csv_unreadable", detail=str(error)) from error


def _xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise RosterFileError("file_not_readable_excel") from error
    sheet = workbook.worksheets[0]
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append((number, ["" if value is None else str(value).strip() for value in values]))
    workbook.close()
    return rows


def _column_map(header: Sequence[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _fold(raw)
        for key, names in (
            ("neptun", NEPTUN_HEADERS),
            ("name", NAME_HEADERS),
            ("family", FAMILY_NAME_HEADERS),
            ("given", GIVEN_NAME_HEADERS),
            ("email", EMAIL_HEADERS),
        ):
            if name in names and key not in columns:
                columns[key] = index
    return columns


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return str(row[index]).strip()


def roster_parse(*, filename: str, content: bytes) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Read a Neptun roster export. Raises RosterFileError when nothing at all can be read."""
    if not content:
        raise RosterFileError("file_empty")
    if len(content) > MAX_ROSTER_BYTES:
        raise RosterFileError("file_larger_mb_course")
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK"
    table = _xlsx_rows(content) if is_xlsx else _csv_rows(content)
    table = [(line, row) for line, row in table if any(str(cell).strip() for cell in row)]
    if not table:
        raise RosterFileError("file_no_rows")

    header_line, header = table[0]
    columns = _column_map(header)
    if "neptun" not in columns:
        found = ", ".join(str(h) for h in header if str(h).strip()) or "–"
        raise RosterFileError("roster_header_missing", line=header_line, found=found)

    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    first_seen: dict[str, int] = {}
    for line, row in table[1:]:
        raw_code = _cell(row, columns["neptun"])
        try:
            code = neptun_normalize(raw_code)
        except InvalidNeptunCode as error:
            problems.append(RosterProblem(line, str(error) if raw_code else "the Neptun code is missing."))
            continue
        if code in first_seen:
            problems.append(RosterProblem(line, f"{code} already appears on line {first_seen[code]}."))
            continue
        name = _cell(row, columns.get("name"))
        if not name:
            name = " ".join(
                p for p in (_cell(row, columns.get("family")), _cell(row, columns.get("given"))) if p
            )
        email = _cell(row, columns.get("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(RosterProblem(line, f"“{email}” is not an e-mail address."))
                continue
        first_seen[code] = line
        rows.append(RosterRow(line=line, neptun_code=code, name=name[:200], email=email.lower()))
    return rows, problems


def _belongs_elsewhere(user: User, course: Course) -> bool:
    """Whether the account is more than a student of this course: staff, superuser, or in another course.

    A roster of course A must not rename such an account or redirect its e-mail (and with it the
    activation link): only the account's other courses' staff or an administrator may.
    """
    if user.is_superuser or user.is_staff:
        return True
    return Enrollment.objects.filter(user=user).exclude(course=course, role=Role.STUDENT).exists()


def _apply_rows(*, course: Course, rows: Iterable[RosterRow], report: RosterReport) -> None:
    codes = [row.neptun_code for row in rows]
    existing = {user.neptun_code: user for user in User.objects.filter(neptun_code__in=codes)}
    enrolled_ids = set(Enrollment.objects.filter(course=course).values_list("user_id", flat=True))
    for row in rows:
        user = existing.get(row.neptun_code)
        linked = False
        if user is None:
            # An account made by hand with the code as username: attach the code instead of duplicating.
            user = User.objects.filter(username__iexact=row.neptun_code, neptun_code__isnull=True).first()
            if user is not None and _belongs_elsewhere(user, course):
                report.problems.append(
                    RosterProblem(
                        row.line,
                        f"the username {user.username} belongs to an account of other courses or of the "
                        "staff; ask an administrator to give it the Neptun code.",
                    )
                )
                continue
            if user is not None:
                user.neptun_code, linked = row.neptun_code, True
        if user is not None and not linked and _belongs_elsewhere(user, course):
            wanted = (row.name and user.full_name != row.name) or (row.email and user.email != row.email)
            if wanted:
                report.problems.append(
                    RosterProblem(
                        row.line,
                        f"{row.neptun_code} also belongs to other courses (or the staff): enrolled, but "
                        "its name and e-mail were kept; an administrator changes them.",
                    )
                )
            report.unchanged += 1
        elif user is None:
            user = User(username=row.neptun_code, neptun_code=row.neptun_code, is_active=False)
            user.full_name, user.email = row.name, row.email
            user.set_unusable_password()
            user.save()
            report.created += 1
        else:
            changed = linked
            if row.name and user.full_name != row.name:
                user.full_name, changed = row.name, True
            if row.email and user.email != row.email:
                user.email, changed = row.email, True
            if changed:
                user.save()
                report.updated += 1
            else:
                report.unchanged += 1
        if user.pk not in enrolled_ids:
            Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": Role.STUDENT})
            enrolled_ids.add(user.pk)
            report.enrolled += 1


def roster_import(*, course: Course, filename: str, content: bytes) -> RosterReport:
    """Create or update the students of a roster file and enroll them in the course.

    Good rows are imported even when others are bad; bad rows are listed in the report.
    Raises RosterFileError (and changes nothing) when the file cannot be read at all.
    """
    rows, problems = roster_parse(filename=filename, content=content)
    report = RosterReport(rows_read=len(rows) + len(problems), problems=problems)
    with transaction.atomic():
        _apply_rows(course=course, rows=rows, report=report)
    return report
