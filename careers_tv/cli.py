"""`flask --app app tv …`: the operators' commands."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .jobs import ledger
from .models import DraftState, Job, JobKind, JobState, Queue, Role, Scope, Video, VideoStatus
from .services import api_tokens as token_service
from .services import channels as channel_service
from .services import users as user_service
from .services import videos as video_service

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
    from .handlers import install  # a job given up runs its kind's give-up hook

    install(current_app)
    click.echo(json.dumps(vars(ledger.reconcile())))


@tv_cli.command("ping-worker")
@click.option("--queue", type=click.Choice([queue.value for queue in Queue]),
              default=Queue.DEFAULT.value)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait.")
def ping_worker(queue: str, timeout: float) -> None:
    """Check that a worker consumes QUEUE: send a ping job and wait for its answer."""
    job = ledger.enqueue(JobKind.PING, queue=queue)
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



@tv_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", "channel_slug", required=True, help="Channel slug, e.g. temoignages.")
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--publish", is_flag=True, help="Publish as soon as it is ready.")
@click.option("--timeout", default=6 * 3600.0, show_default=True, help="Seconds to wait.")
def import_video(file: Path, channel_slug: str, title: str, description: str, language: str,
                 publish: bool, timeout: float) -> None:
    """Import FILE the way a portal upload goes: stage, queue, transcode, ready [, publish].

    Waits for a worker with a progress bar; prints the video's public id last.
    """
    channel = channel_service.get_channel(channel_slug)
    if channel is None:
        raise click.BadParameter(f"no channel {channel_slug!r}", param_hint="--channel")
    from .handlers.transcode import refusal  # ffprobe: loaded by this command only

    refused = refusal(file)  # a clear refusal now rather than a failed video later
    if refused is not None:
        raise click.ClickException(f"{file.name}: {refused}")
    video = video_service.create_video(channel, title, description=description,
                                       language=language)
    video_service.stage_original(video, file)
    video_service.queue_transcode(video, size_bytes=file.stat().st_size)
    db.session.commit()
    video_id = video.id
    click.echo(f"queued {video.public_id} ({file.name}) on {channel.slug}", err=True)

    video = _wait_for_transcode(video_id, timeout)
    if video.status is VideoStatus.FAILED:
        raise click.ClickException(f"{video.public_id} failed: {video.status_text}")
    if publish:
        video_service.publish(video)
        db.session.commit()
    click.echo(f"{video.public_id} is {video.status.value}", err=True)
    click.echo(video.public_id)


def _wait_for_transcode(video_id: int, timeout: float) -> Video:
    deadline = time.monotonic() + timeout
    warned = False
    started = time.monotonic()
    with click.progressbar(length=100, label="transcoding", file=sys.stderr) as bar:
        while True:
            db.session.expire_all()
            video = db.session.get(Video, video_id)
            bar.update(video.progress - bar.pos)
            if video.status in (VideoStatus.READY, VideoStatus.FAILED):
                return video
            if time.monotonic() > deadline:
                raise click.ClickException(f"{video.public_id} still {video.status.value} "
                                           f"after {timeout:g} s")
            if not warned and video.status is VideoStatus.QUEUED and \
                    time.monotonic() - started > 30:
                click.echo("\nstill queued: is a worker running on the transcode queue "
                           "(`make run` starts one)?", err=True)
                warned = True
            time.sleep(0.5)


@tv_cli.command("captions")
@click.argument("public_id")
@click.option("--timeout", default=6 * 3600.0, show_default=True, help="Seconds to wait.")
def draft_captions(public_id: str, timeout: float) -> None:
    """Draft (or draft again) the automatic captions of the video PUBLIC_ID, here and now.

    The draft runs in this process with a progress bar (a worker on the captions queue may
    take it first; the bar follows it then); prints the outcome last.
    """
    from .handlers import install  # the speech model: loaded by this command only
    from .jobs import dispatch
    from .services import caption_drafts
    from .services.captions import CaptionError

    video = video_service.get_video(public_id)
    if video is None:
        raise click.BadParameter(f"no video {public_id!r}", param_hint="PUBLIC_ID")
    try:
        job = caption_drafts.redraft(video)
    except CaptionError as exc:
        raise click.ClickException(f"{public_id}: {exc}") from exc
    db.session.commit()
    job_id, video_id = job.id, video.id
    install(current_app)
    app = current_app._get_current_object()

    def work() -> None:
        with app.app_context():
            dispatch.execute(job_id, worker=ledger.worker_name())

    worker = threading.Thread(target=work, name="captions-draft", daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    with click.progressbar(length=100, label="drafting captions", file=sys.stderr) as bar:
        while True:
            db.session.expire_all()
            done = db.session.get(Job, job_id).state in (JobState.DONE, JobState.FAILED)
            draft = db.session.get(Video, video_id).caption_draft
            bar.update(max(0, draft.progress - bar.pos))
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    job = db.session.get(Job, job_id)
    if job.state is JobState.FAILED:
        raise click.ClickException(f"{public_id}: the captions job failed: {job.error}")
    if job.state is not JobState.DONE:
        raise click.ClickException(f"{public_id}: no draft after {timeout:g} s")
    if draft.state is DraftState.DONE:
        click.echo(f"{public_id}: {draft.cue_count} captions drafted in {draft.language} "
                   f"(automatic, to review)")
    else:
        click.echo(f"{public_id}: {draft.state.value}: {draft.text}")
        if draft.state is DraftState.FAILED:
            sys.exit(1)


@tv_cli.command("create-token")
@click.argument("email")
@click.argument("name")
@click.option("--scope", "scopes", required=True, multiple=True,
              help="What the token may do, comma-separated (read, upload, publish); "
                   "may be repeated.")
def create_token(email: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API token acting for the admin EMAIL, named NAME (who uses it).

    The token is printed once, alone on stdout (so a script can capture it), and never
    again: only its hash is kept. Revoke it in the portal (Admin › API tokens).
    """
    chosen = [part.strip() for value in scopes for part in value.split(",") if part.strip()]
    unknown = [scope for scope in chosen if scope not in {s.value for s in Scope}]
    if unknown:
        raise click.BadParameter(
            f"unknown scope {', '.join(map(repr, unknown))}: choose among "
            f"{', '.join(s.value for s in Scope)}", param_hint="--scope")
    try:
        user = user_service.get_user_by_email(email)
    except user_service.UserError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    if user is None:
        raise click.ClickException(f"no account with the email {email.strip()!r}")
    if not user.active:  # find_token refuses the tokens of a deactivated account
        raise click.ClickException(f"{user.email} is deactivated: a token of theirs would "
                                   "be refused")
    try:
        token, secret = token_service.create_token(user, name, chosen)
    except token_service.TokenError as exc:  # nothing was added: no rollback needed
        who = "" if user.has_role(Role.ADMIN) else f" ({user.email} is {user.role.value})"
        raise click.ClickException(f"{exc}{who}") from exc
    db.session.commit()
    click.echo(f"created token “{token.name}” ({token.prefix}…) for {user.email}, scopes "
               f"{token.scopes.replace(' ', ', ')}; it is shown once, below: keep it now",
               err=True)
    click.echo(secret)
