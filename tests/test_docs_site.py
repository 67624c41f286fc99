"""The README stays a short page and the manual a docs site whose nav lists every page (dev.py test
builds the site with `mkdocs build --strict`, which checks links and anchors; these tests say plainly
what is missing)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_MAX_LINES = 90  # a newcomer's two minutes; everything else is a page under docs/


def nav_pages(entries: list) -> list[str]:
    pages: list[str] = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            pages += nav_pages(value)
        else:
            pages.append(value)
    return pages


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["docs_dir"] == "docs"
    listed = nav_pages(config["nav"])
    on_disk = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    missing = sorted(set(on_disk) - set(listed))
    assert not missing, f"add these pages to the nav in mkdocs.yml: {missing}"
    assert not set(listed) - set(on_disk), "mkdocs.yml lists pages that do not exist"
    assert len(listed) == len(set(listed)), "a page is listed twice in the nav"


def test_readme_is_a_short_page_that_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, "the README is a two-minute page: move the detail to a docs/ page"
    commands = [line.split("#")[0].strip() for line in lines[:6] if line.startswith("python3 ")]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]


def test_readme_links_point_at_files_that_exist():
    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [target for target in targets if "://" not in target]
    assert "docs/index.md" in local
    broken = [target for target in local if not (ROOT / target).exists()]
    assert not broken, f"README links to missing files: {broken}"
