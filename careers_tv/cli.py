"""`flask --app app tv …`: the operators' commands."""

from __future__ import annotations

import json
import os
import time

import click
from flask.cli import AppGroup

from .extensions import db
from .jobs import ledger
from .models import JobState, Role
from .services import channels as channel_service
from .services import users as user_service

tv_cli = AppGroup("tv", help="Careers TV operations.")


@tv_cli.command("seed")
def seed() -> None:
    """Create the default channels that are missing (safe to run again)."""
    created = channel_service.seed_channels()
    click.echo(f"channels: {created} created, {len(channel_service.list_channels())} in all")


@tv_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Display name (defaults to the email's local part).")
def create_user(email: str, role: str, name: str) -> None:
    """Create a portal account. The password comes from TV_USER_PASSWORD, else a prompt."""
    password = os.environ.get("TV_USER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = user_service.create_user(email, password, Role(role), display_name=name)
    except user_service.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.email} ({user.role.value})")


@tv_cli.command("reconcile")
def reconcile() -> None:
    """Re-send lost jobs and recover those of dead workers, once."""
    click.echo(json.dumps(vars(ledger.reconcile())))


@tv_cli.command("ping-worker")
@click.option("--queue", type=click.Choice(["default", "transcode"]), default="default")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait.")
def ping_worker(queue: str, timeout: float) -> None:
    """Check that a worker consumes QUEUE: send a ping job and wait for its answer."""
    job = ledger.enqueue("ping", queue=queue)
    db.session.commit()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.refresh(job)
        if job.state in (JobState.DONE, JobState.FAILED):
            break
        time.sleep(0.2)
    if job.state is not JobState.DONE:
        raise click.ClickException(
            f"no worker answered on queue {queue!r} within {timeout:g} s (job {job.id}: "
            f"{job.state.value}); is a worker running with -Q {queue}?"
        )
    click.echo(f"{queue}: answered by {job.result['worker']}")

