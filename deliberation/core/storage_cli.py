"""`flask storage ...`: look at the configured upload storage and move local files into it."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .storage import LocalStorage, storage

STORED_NAME = re.compile(r"^[0-9A-Za-z]+(_t)?\.jpg$")


@click.group("storage")
def storage_group() -> None:
    """Upload storage (instance/uploads or an S3 bucket, see STORAGE_URL)."""


@storage_group.command("check")
@with_appcontext
def check() -> None:
    """Say where uploads go and whether that storage answers."""
    target = storage()
    target.check()
    click.echo(f"{target.describe()}: ok")


@storage_group.command("migrate")
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The local folder to copy from (default: instance/uploads).")
@click.option("--remove-local", is_flag=True,
              help="Delete each local file once the copy is confirmed in the target.")
@with_appcontext
def migrate(source: Path | None, remove_local: bool) -> None:
    """Copy the local uploads into the configured storage (STORAGE_URL). Resumable: a file
    already in the target with the same size is skipped, so after a crash just run it again
    (an object is written whole or not at all)."""
    source = source or Path(current_app.instance_path) / "uploads"
    local = LocalStorage(source)
    target = storage()
    if isinstance(target, LocalStorage) and target.root.resolve() == source.resolve():
        raise click.ClickException("STORAGE_URL points at the same folder: set it to s3://bucket/prefix.")
    present = {e.name: e.size for e in target.entries()}
    copied = skipped = removed = 0
    for entry in sorted(local.entries(), key=lambda e: e.name):
        if not STORED_NAME.match(entry.name):
            continue
        if present.get(entry.name) == entry.size:
            skipped += 1
        else:
            data = local.get(entry.name)
            if data is None:  # deleted meanwhile (prune-photos)
                continue
            target.put(entry.name, data)
            copied += 1
        if remove_local and target.exists(entry.name):
            local.delete(entry.name)
            removed += 1
    click.echo(f"{copied} file(s) copied, {skipped} already there, {removed} local file(s) removed "
               f"-> {target.describe()}")
