"""`python -m transcoding probe|ladder`: the pipeline for operators, JSON on the last line."""

import json
import subprocess
import sys


def run(*args):
    done = subprocess.run([sys.executable, "-m", "transcoding", *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def test_probe_prints_json(media):
    code, data = run("probe", media.portrait)
    assert code == 0
    assert (data["video"]["width"], data["video"]["height"]) == (1080, 1920)
    assert data["video"]["portrait"] is True and data["demuxer"] == "mov"


def test_a_bad_input_exits_non_zero_with_a_readable_error(media, tmp_path):
    code, data = run("ladder", media.text, tmp_path / "out")
    assert code == 2
    assert "not a video format we accept" in data["error"]
    code, data = run("probe", media.empty)
    assert code == 2 and "empty" in data["error"]
