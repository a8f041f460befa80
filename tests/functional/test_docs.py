"""The docs stay true: every command they show is run by a test, and every setting the code
reads is in the settings table.

A command is found in the shell blocks of README.md, CONTRIBUTING.md and docs/*.md, and in
the first column of their tables. Each one is either run here, as written, or named in
RUN_BY with the test that runs it (whose source must hold the command's own words), or is a
`make` target whose every step `make test` runs too. A new command in the docs that nothing
runs fails this file.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.browser.live import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
PROGRAMS = ("flask", "python", "make", "celery", "pytest", "lint-imports")
# The deployment guide's steps on the host itself (packages, the service account, systemd,
# nginx): tests/functional/test_deployment.py replays the guide from deploy/ as written (the
# environment file, each unit's ExecStart, the checks) on this machine's services.
HOST_STEPS = ("apt-get", "useradd", "git", "cd", "install", "set", ".", "cp", "systemctl",
              "curl")
DEPLOYMENT = "tests/functional/test_deployment.py"

# signature -> (the test that runs it, words of the command its source must hold)
RUN_BY = {
    "flask db upgrade": ("tests/functional/test_schema.py::test_migrations_build_the_"
                         "embedded_sqlite_database", '"db", "upgrade"'),
    "flask tv seed": ("tests/functional/test_cli.py::test_seed_command_is_idempotent",
                      '"tv", "seed"'),
    "flask tv create-user": ("tests/functional/test_cli.py::test_create_user_takes_the_"
                             "password_from_the_environment", '"tv", "create-user"'),
    "flask tv create-token": ("tests/functional/test_cli_create_token.py::test_a_script_"
                              "captures_the_token_from_the_real_command",
                              '"tv", "create-token"'),
    "flask tv ping-worker": ("tests/functional/test_embedded.py::test_python_app_py_serves_"
                             "channels_is_ready_and_runs_jobs", '"tv", "ping-worker"'),
    "flask tv import": ("tests/functional/test_embedded.py::test_a_long_original_is_"
                        "transcoded_by_the_embedded_worker", '"tv", "import"'),
    "python -m transcoding probe": ("tests/unit/transcoding/test_cli.py::test_probe_prints_"
                                    "json", 'run("probe"'),
    "python -m transcoding ladder": ("tests/functional/test_transcode_pipeline.py::test_"
                                     "ladder_prints_a_summary_last", '_cli("ladder"'),
    "celery worker": ("tests/plugins/workers.py::Worker",
                      '"celery", "-A", "careers_tv.worker", "worker"'),
    "make translations-update": ("tests/unit/test_catalogue.py::_update",
                                 '"translations-update"'),
    **{f"host {step}": (DEPLOYMENT, 'env_file(DEPLOY / "env.example")')
       for step in HOST_STEPS},
}
RUN_HERE = {"make run", "flask db migrate", "flask tv reconcile"}


def _sub_commands(line: str) -> list[str]:
    """`a && b`, `for …; do a; done` → the commands a person's shell would run."""
    parts = re.split(r"&&|;|\|\|", line)
    commands = []
    for part in parts:
        part = re.sub(r"^\s*(for .* in .*|do|done)\b", "", part.strip()).strip()
        if part and not part.startswith(("for ", "done")):
            commands.append(part)
    return commands


def documented_commands() -> dict[str, list[str]]:
    """Every command shown in the docs, with the files that show it."""
    found: dict[str, list[str]] = {}

    def add(command: str, where: Path) -> None:
        found.setdefault(command, []).append(where.name)

    for path in DOCS:
        text = path.read_text()
        for block in re.findall(r"```(?:sh|bash)\n(.*?)```", text, re.S):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                line = re.sub(r"(^|\s)#.*$", "", line).strip()
                for command in _sub_commands(line):
                    add(command, path)
        for cell in re.findall(r"^\| `([^`]+)` \|", text, re.M):
            if cell.removeprefix(".venv/bin/").split()[0] in PROGRAMS:
                add(cell.replace("\\|", "|"), path)
    return found


def signature(command: str) -> str:
    """What a command is, without its arguments: `flask tv import`, `make run`…"""
    words = command.replace("[", " ").split()
    words = [w.removeprefix(".venv/bin/") for w in words]
    program = words[0]
    if program == "flask":
        rest = [w for w in words[1:] if not w.startswith("-") and w != "app"]
        return f"flask {rest[0]} {rest[1]}"
    if program == "python" and words[1] == "-m":
        return f"python -m {words[2]} {words[3]}"
    if program == "python":
        return f"python {words[1]}"
    if program in ("make", "pytest", "lint-imports"):
        return " ".join(words[:2]) if program == "make" else program
    if program == "celery":
        return "celery worker"
    if program in HOST_STEPS:
        return f"host {program}"
    return command


def _make_steps(target: str) -> list[str]:
    result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return [line.strip() for line in result.stdout.splitlines()
            if line.strip() and not line.startswith(("make[", "#"))]


def _part_of_the_suite(step: str, ci_steps: set[str]) -> bool:
    program, *paths = step.split()
    whole = {s for s in ci_steps if s.split()[0].endswith("/pytest") and len(s.split()) == 1}
    return program.endswith("/pytest") and bool(whole) and all(
        p.startswith(("tests/", "-")) for p in paths)


def _source_of(reference: str) -> str:
    """The source of `path::name`, or of the whole module at `path`."""
    path, _sep, name = reference.partition("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return inspect.getsource(getattr(module, name) if name else module)


def test_every_documented_command_is_run_by_a_test():
    commands = documented_commands()
    assert "make run" in commands and "flask tv import" in {signature(c) for c in commands}
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M), ".ci/run must call make test"
    ci_steps = set(_make_steps("test")) | set(_make_steps("setup"))
    unrun = []
    for command, where in sorted(commands.items()):
        kind = signature(command)
        if kind in RUN_HERE or kind == "make test":
            continue
        if kind in ("pytest", "lint-imports"):
            if not any(step.split()[0].endswith(kind) for step in ci_steps):
                unrun.append((command, where))
            continue
        if kind.startswith("python bench/"):
            benches = (ROOT / "tests" / "functional" / "test_benches.py").read_text()
            name = kind.removeprefix("python bench/").removesuffix(".py")
            if f'bench("{name}"' not in benches:
                unrun.append((command, where))
            continue
        if kind in RUN_BY:
            reference, words = RUN_BY[kind]
            assert words in _source_of(reference), f"{reference} no longer runs {command!r}"
            continue
        if kind.startswith("make "):
            # A tier of `make test`: each of its steps is one `make test` runs too (a part of
            # the suite counts as the suite, which `make test` runs whole).
            extra = [s for s in _make_steps(kind.split()[1])
                     if s not in ci_steps and not _part_of_the_suite(s, ci_steps)]
            if not extra:
                continue
        unrun.append((command, where))
    assert unrun == [], "documented commands that no test runs"


def test_the_finder_sees_commands_and_their_kinds():
    assert signature(".venv/bin/flask --app app tv import first.mp4 --channel x") == \
        "flask tv import"
    assert signature("python -m transcoding ladder INPUT OUTDIR [--config ladder.toml]") == \
        "python -m transcoding ladder"
    assert _sub_commands("for q in a b; do .venv/bin/flask --app app tv ping-worker "
                         "--queue $q; done") == [".venv/bin/flask --app app tv ping-worker "
                                                 "--queue $q"]


def test_every_setting_the_code_reads_is_documented():
    config = (ROOT / "careers_tv" / "config.py").read_text()
    read = set(re.findall(r'_env\(environ, "([A-Z0-9_]+)"', config))
    table = (ROOT / "docs" / "operations.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert read - documented == set()


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "STORAGE_URL", "SECRET_KEY",
                        "RATELIMIT_STORAGE_URI", "PUBLIC_BASE_URL")}
    env.update(CAREERS_TV_INSTANCE=str(tmp_path / "instance"), FLASK_APP="app")
    return env


def test_make_run_serves_the_embedded_default(tmp_path):
    port = free_port()
    env = {**_embedded_env(tmp_path), "PORT": str(port)}
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                home = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, \
                    log.read_text()[-3000:]
                time.sleep(0.3)
        assert home.status_code == 200 and "Mission Handicap" in home.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_making_a_migration_as_contributing_says(app, test_env):
    """`db upgrade`, then `db migrate` against PostgreSQL with the models unchanged: nothing
    to write, and nothing written."""
    env = {**os.environ, **test_env}
    versions = ROOT / "migrations" / "versions"
    before = set(versions.iterdir())
    try:
        assert _flask(env, "db", "upgrade").returncode == 0
        result = _flask(env, "db", "migrate", "-m", "videos: poster size")
        assert result.returncode == 0, result.stderr
        assert "No changes in schema detected" in result.stdout + result.stderr
    finally:
        written = set(versions.iterdir()) - before
        for path in written:
            path.unlink()
    assert written == set()


@pytest.mark.usefixtures("committed")
def test_reconcile_once_from_the_command_line(test_env):
    result = _flask({**os.environ, **test_env}, "tv", "reconcile")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"expired": 0, "gave_up": 0,
                                                          "resent": 0}


def test_shell_blocks_parse():
    for path in DOCS:
        for block in re.findall(r"```(?:sh|bash)\n(.*?)```", path.read_text(), re.S):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                shlex.split(line.replace("<repository>", "repo"), comments=True)
