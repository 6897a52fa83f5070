"""Command-line tasks: `flask --app wsgi <command>`."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from .extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo_data)
    app.cli.add_command(audit_group)
    app.cli.add_command(tick)
    app.cli.add_command(backup)
    app.cli.add_command(prune_photos)


@click.command("create-admin")
@click.option("--phone", prompt="手机号")
@click.option("--name", prompt="称呼")
@click.option("--password", prompt="密码", hide_input=True, confirmation_prompt=True)
def create_admin(phone: str, name: str, password: str) -> None:
    """Create a platform administrator."""
    from .accounts import passwords, services
    from .accounts.forms import PHONE_RE, normalise_phone
    from .accounts.models import Role

    phone = normalise_phone(phone)
    if not PHONE_RE.match(phone):
        raise click.ClickException("请输入 11 位中国大陆手机号。")
    if problem := passwords.problem(password, phone=phone):
        raise click.ClickException(problem)
    try:
        user = services.create_user(phone=phone, display_name=name, password=password,
                                    community_id=None, role=Role.ADMIN)
    except services.DuplicatePhone as exc:
        raise click.ClickException("这个手机号已经有账号了。") from exc
    db.session.commit()
    click.echo(f"管理员已创建：{user.display_name}（{user.phone}）")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def demo_data(if_empty: bool) -> None:
    """Load the demo street: communities, bodies, members, organisations and matters."""
    from . import demo
    from .accounts.models import User

    if db.session.scalar(select(User.id).limit(1)) is not None:
        if if_empty:
            click.echo("数据库里已有数据，跳过演示数据。")
            demo.print_logins(click.echo)
            return
        raise click.ClickException("数据库里已有数据；演示数据只能装入空数据库。")
    demo.load()
    db.session.commit()
    click.echo("演示数据已装入。")
    demo.print_logins(click.echo)


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.option("--expect", "expected", multiple=True, metavar="COUNT:HASH",
              help="A checkpoint printed earlier by `audit checkpoint`; fails if the chain no "
                   "longer contains it (for example when the newest entries were deleted).")
def audit_verify(expected: tuple[str, ...]) -> None:
    """Check the whole hash chain; name the first broken entry."""
    from .core import audit

    try:
        checkpoints = [audit.Checkpoint.parse(text) for text in expected]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expect") from exc
    result = audit.verify()
    for point in checkpoints:
        result = audit.check_against(result, point)
    if result.ok:
        extra = f" Contains {len(checkpoints)} checkpoint(s)." if checkpoints else ""
        click.echo(f"OK: {result.checked} entries, chain intact.{extra}")
        return
    if result.broken_seq is None:
        click.echo(f"BROKEN: {result.problem}.", err=True)
        sys.exit(1)
    click.echo(f"BROKEN at entry seq={result.broken_seq}: {result.problem} "
               f"({result.checked} entries before it are intact).", err=True)
    sys.exit(1)


@audit_group.command("checkpoint")
@click.option("--append", "append_to", type=click.Path(dir_okay=False, path_type=Path),
              help="Also append the line (with the time) to this file.")
def audit_checkpoint(append_to: Path | None) -> None:
    """Print the chain's head as COUNT:HASH; keep it outside the database (see README)."""
    from .core import audit
    from .core.time import utcnow

    point = audit.checkpoint()
    click.echo(str(point))
    if append_to is not None:
        with append_to.open("a", encoding="utf-8") as out:
            out.write(f"{utcnow().isoformat(timespec='seconds')}Z {point}\n")


@click.command("tick")
def tick() -> None:
    """Move on every matter whose window has ended (run from cron or a systemd timer)."""
    from .core.time import utcnow
    from .matters import workflow
    from .notifications import reminders

    moved = workflow.tick()
    reminded = reminders.run(utcnow())
    db.session.commit()
    click.echo(f"{moved} matter(s) moved on, {reminded} reminder(s) queued.")


@click.command("prune-photos")
@click.option("--hours", default=24.0, show_default=True,
              help="Leave alone photos younger than this (a form may still be open).")
def prune_photos(hours: float) -> None:
    """Delete uploaded photos that no matter, report, receipt or opinion uses."""
    from .core import photos

    removed = photos.prune(older_than_hours=hours)
    click.echo(f"{removed} unused photo(s) removed.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Online backup of the SQLite database (safe while the server runs)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException("PostgreSQL: use pg_dump (see README, Backups).")
    source = sqlite3.connect(url.database)
    try:
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        target.close()
    finally:
        source.close()
    current_app.logger.info("backup written to %s", path)
    click.echo(f"Backup written to {path}")
