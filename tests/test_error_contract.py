"""The one error contract (core/errors.py): every code has a message template with its Hungarian
translation, every raise names a registered code (never English text), and the message is made in the
reader's language where it is read."""

import ast
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from core.errors import (
    PermissionDeniedError,
    PlatformError,
    error_catalog,
    error_fields,
    error_message,
    error_messages_register,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "quizzes", ROOT / "grader", ROOT / "platform"]


def _msgid(template) -> str:
    with translation.override(None):  # no translation: the template's own (English) text
        return str(template)


def _error_classes() -> set[str]:
    """The names of PlatformError and every class that derives from it in our code."""
    names = {"PlatformError"}
    trees = [ast.parse(path.read_text()) for path in _python_files()]
    grown = True
    while grown:
        grown = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
                    if bases & names:
                        names.add(node.name)
                        grown = True
    return names


def _python_files() -> list[Path]:
    return [
        path
        for folder in SOURCES
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts and "locale" not in path.parts
    ]


def test_every_code_has_a_template_with_a_hungarian_translation_that_is_not_fuzzy():
    catalog = error_catalog()
    assert len(catalog) > 50
    po = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "hu" / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid: entry for entry in po if not entry.obsolete}
    missing = []
    for code, template in catalog.items():
        entry = translated.get(_msgid(template))
        if entry is None or not entry.msgstr or "fuzzy" in entry.flags:
            missing.append(code)
    assert not missing, f"no Hungarian (or a fuzzy one) in django.po for: {missing}"


def test_the_compiled_catalogue_gives_each_message_in_hungarian():
    with translation.override("hu"):
        same = [code for code, template in error_catalog().items() if str(template) == _msgid(template)]
    assert not same, f"django.mo is not compiled with these (run compilemessages): {same}"


def test_every_raise_names_a_registered_code_never_a_message():
    """``PlatformError("Some English text")`` or ``code=`` would reach a Hungarian phone in English."""
    catalog = error_catalog()
    classes = _error_classes()
    wrong = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name in classes:  # a subclass's default code
                for item in node.body:
                    assigned = isinstance(item, ast.Assign)
                    names = [getattr(t, "id", "") for t in item.targets] if assigned else []
                    if names == ["code"] and getattr(item.value, "value", None) not in catalog:
                        wrong.append(f"{path.relative_to(ROOT)}:{item.lineno} default code is not registered")
            if not (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes
            ):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            first = node.args[0] if node.args else None
            registered = isinstance(first, ast.Constant) and first.value in catalog
            if any(keyword.arg == "code" for keyword in node.keywords) and not registered:
                wrong.append(f"{where} passes code= (the code is the first argument)")
            if first is None:
                continue
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if first.value not in catalog:
                    wrong.append(f"{where} raises unregistered code {first.value!r}")
            elif not isinstance(first, ast.Name | ast.Attribute | ast.List | ast.ListComp):
                wrong.append(f"{where} passes a message, not a code")
    assert not wrong, "\n".join(wrong)


def test_the_message_is_made_in_the_language_active_where_it_is_read():
    error = PermissionDeniedError("not_enrolled", neptun="ABC123", course="VITMMA19")
    assert error.code == "not_enrolled" and error.params == {"neptun": "ABC123", "course": "VITMMA19"}
    with translation.override("en"):
        assert str(error).startswith("ABC123 is not enrolled in VITMMA19.")
    with translation.override("hu"):
        assert error.message.startswith("ABC123 nincs felvéve a(z) VITMMA19 kurzusra.")
        assert error_fields("number_expected") == {
            "code": "number_expected",
            "params": {},
            "message": "Írj be egy számot, például 3,5.",
        }


def test_a_code_belongs_to_one_catalog_and_an_unknown_one_never_crashes():
    with pytest.raises(ValueError, match="both"):
        error_messages_register(owner="somewhere.else", messages={"number_expected": "Other text."})
    assert error_message("no_such_code") == "no_such_code"
    assert error_message("too_many", {"wrong": 1}) == str(
        error_catalog()["too_many"]
    )  # bad params: the template
    assert PlatformError().code == "invalid" and PlatformError().message
