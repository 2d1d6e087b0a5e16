"""The Chinese catalogue is complete and its compiled .mo matches the .po."""

import ast
import gettext
from pathlib import Path

import gridgov

CATALOGUE = Path(gridgov.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgctxt, msgid, msgstr (first form), fuzzy flag."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = None
    for line in path.read_text("utf-8").splitlines() + [""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            entry[key] = str(entry[key]) + ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            key = "msgstr" if key.startswith("msgstr") else key
            if key == "msgstr" and "msgstr" in entry:
                key = "msgstr_other"
            entry[key] = ast.literal_eval(value)
    return [e for e in entries if e["msgid"]]


def test_every_message_has_a_chinese_translation():
    entries = po_entries(CATALOGUE / "django.po")
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr") or e.get("fuzzy")]
    assert untranslated == [], "run `make messages` and translate these"


def test_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        e["msgid"]
        for e in po_entries(CATALOGUE / "django.po")
        if "msgid_plural" not in e
        and "msgctxt" not in e
        and compiled.gettext(str(e["msgid"])) != e["msgstr"]
    ]
    assert stale == [], "run `make messages` to recompile django.mo"
