"""Every sentence the code shows people has a French translation that is not a guess."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _extract(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    # The same extraction as `make translations-update`.
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "MediaError", "-k", "SubtitleError", "-o", str(pot), "."],
        cwd=ROOT, check=True)
    with pot.open("rb") as file:
        return read_po(file)


def test_every_extracted_message_has_a_french_translation(tmp_path):
    template = _extract(tmp_path)
    with (ROOT / "translations/fr/LC_MESSAGES/messages.po").open("rb") as file:
        french = read_po(file)
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = french.get(message.id, message.context)
        if translated is None or not translated.string or translated.fuzzy:
            missing.append(message.id)
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
