#!/usr/bin/env bash
# Install the Debian packages the platform and its tests run: ffmpeg, Chromium for the
# browser tests, a Java runtime for the HTML checker (vnu), and espeak-ng, whose speech the
# automatic-captions tests and bench/captions.py transcribe. Only what is missing;
# `apt-get update` only when something is.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The Nu HTML checker (npm's vnu-jar, tests/functional/test_html_valid.py) runs on Java.
command -v java >/dev/null || missing+=(default-jre-headless)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
