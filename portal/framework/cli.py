"""The `schemes` and `framework` commands: check and load scheme and framework files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.document_commands import load_file, report_problems, validate_files
from portal.core.documents import DocumentInvalid, read_yaml
from portal.extensions import db
from portal.framework import services
from portal.framework.models import FrameworkStatus
from portal.framework.schema import (
    FRAMEWORKS_DIR,
    SCHEMES_DIR,
    FrameworkDocument,
    framework_files,
    parse_framework,
    parse_scheme,
    scheme_files,
)

FILES = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("schemes", help="Accreditation schemes defined in config/schemes.")
def schemes_cli() -> None:
    pass


@schemes_cli.command("load")
@click.argument("paths", nargs=-1, type=FILES)
@with_appcontext
def load_schemes(paths: tuple[Path, ...]) -> None:
    """Check every scheme file, then add or update the schemes (all files when none named)."""
    chosen = list(paths) or scheme_files()
    documents = []
    failed = False
    for path in chosen:
        try:
            documents.append(parse_scheme(read_yaml(path)))
        except DocumentInvalid as exc:
            report_problems(path, exc)
            failed = True
    if failed:
        raise click.ClickException("Nothing was loaded.")
    for document in documents:
        services.load_scheme(None, document)
    db.session.commit()
    click.echo(f"Schemes loaded: {', '.join(d.code for d in documents) or 'none'}.")


@click.group("framework", help="Competency frameworks: check, load and publish versions.")
def framework_cli() -> None:
    pass


@framework_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=FILES)
def validate_frameworks(paths: tuple[Path, ...]) -> None:
    """Check framework files without loading them."""
    validate_files(
        paths,
        lambda path: parse_framework(read_yaml(path)),
        lambda document: (
            f"version {document.version} of {document.scheme} is valid "
            f"({len(document.domains)} domains, {len(document.competencies)} competencies)."
        ),
    )


@framework_cli.command("load")
@click.argument("path", type=FILES)
@click.option("--publish", is_flag=True, help="Also publish it, if it is still a draft.")
@with_appcontext
def load_framework(path: Path, publish: bool) -> None:
    """Check a framework file and store it as a draft version (administrators publish it)."""

    def store(document: FrameworkDocument) -> tuple[bool, str]:
        loaded = services.load_framework(None, document)
        if publish and loaded.framework.status is FrameworkStatus.DRAFT:
            services.publish_framework(None, loaded.framework)
        return loaded.created, loaded.framework.status.label.lower()

    load_file(
        path,
        lambda p: parse_framework(read_yaml(p)),
        store,
        lambda document, state, status: (
            f"Version {document.version} of the {document.scheme} framework {state}; "
            f"it is {status}."
        ),
    )


DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)


@framework_cli.command("load-all")
@click.option("--schemes-dir", type=DIRECTORY, default=SCHEMES_DIR, show_default=True)
@click.option("--frameworks-dir", type=DIRECTORY, default=FRAMEWORKS_DIR, show_default=True)
@with_appcontext
def load_all_frameworks(schemes_dir: Path, frameworks_dir: Path) -> None:
    """Load every scheme and every framework version shipped in config/; a scheme with no
    version in use gets its newest version published (later ones wait for an administrator)."""
    try:
        schemes = [parse_scheme(read_yaml(path)) for path in scheme_files(schemes_dir)]
        documents = {
            scheme.code: [
                parse_framework(read_yaml(path))
                for path in framework_files(scheme.framework, frameworks_dir)
            ]
            for scheme in schemes
        }
    except DocumentInvalid as exc:
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException("Nothing was loaded.") from exc
    for scheme_document in schemes:
        scheme = services.load_scheme(None, scheme_document)
        loaded = [services.load_framework(None, d).framework for d in documents[scheme.code]]
        if loaded and services.current_framework(scheme) is None:
            newest = loaded[-1]
            if newest.status is FrameworkStatus.DRAFT:
                services.publish_framework(None, newest)
        in_use = services.current_framework(scheme)
        click.echo(
            f"{scheme.name}: {len(loaded)} framework version(s); "
            f"in use: {in_use.version if in_use else 'none'}."
        )
    db.session.commit()
