"""Every sentence the code shows people has a French translation that is not a guess."""

import shutil
import subprocess
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _update(tmp_path: Path) -> Path:
    """`make translations-update`, as CONTRIBUTING.md says, on a copy of the catalogues: the
    same extraction and merge a person runs, leaving the real ones alone."""
    copy = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", copy,
                    ignore=shutil.ignore_patterns("*.mo", "messages.pot"))
    # -o: the virtualenv is what this test runs in; do not reinstall it.
    subprocess.run(["make", "-s", "-o", ".make/python", "translations-update",
                    f"TRANSLATIONS={copy}"], cwd=ROOT, check=True, capture_output=True)
    return copy


def _extract(tmp_path: Path):
    with (_update(tmp_path) / "messages.pot").open("rb") as file:
        return read_po(file)


def test_every_extracted_message_has_a_french_translation(tmp_path):
    updated = _update(tmp_path) / "fr" / "LC_MESSAGES" / "messages.po"
    with updated.open("rb") as file:
        french = read_po(file)
    # After the merge, a message new to the code is there untranslated, and one whose text
    # changed is there with a guess (fuzzy).
    missing = [message.id for message in french
               if message.id and (not message.string or message.fuzzy)]
    assert missing == [], "run `make translations-update` and translate these"


def test_media_errors_and_status_messages_are_extracted(tmp_path):
    ids = {m.id for m in _extract(tmp_path) if m.id}
    assert "This file format (%(format)s) is not accepted." in ids  # transcoding/, MediaError
    assert ("Consent expired on %(date)s: the video was unpublished automatically."
            in ids)
    assert "The transcode took longer than allowed; the original is kept." in ids
    # transcoding/subtitles.py, SubtitleError: its refusals are shown in the portal too.
    assert "This caption file is empty." in ids
    assert ("Line %(line)d: “%(found)s” is not a valid timing. A timing looks like "
            "%(example)s." in ids)
