"""The storage contract runs against a real S3 API (SeaweedFS) as well as a folder.

The root conftest loads `tests.plugins.seaweedfs`; this makes the fixtures available when
only this folder's conftest is loaded (e.g. `--confcutdir=tests/unit/storage`). Importing
the fixtures by name here instead would register a second `seaweedfs` fixture and start a
second server in a full run.
"""

from __future__ import annotations

PLUGIN = "tests.plugins.seaweedfs"


def pytest_configure(config):
    # A no-op when the plugin is already registered (by the root conftest).
    config.pluginmanager.import_plugin(PLUGIN)
