"""The `article3` command: migrate, serve, organisations, tokens, audit, and the operator's tools."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session

from app import migrate as migrations
from app.clients.interpol import InterpolClient, InterpolError, open_interpol_http
from app.db import make_engine, unit_of_work
from app.errors import AppError
from app.keyring import Keyring
from app.main import create_app
from app.models.flag import SEVERITY
from app.models.state import parse_state, state_name
from app.models.token import Principal, Role, TokenCreate
from app.services import audit as audit_service
from app.services import backup as backup_service
from app.services import deadline as deadline_service
from app.services import demo as demo_service
from app.services import encryption as encryption_service
from app.services import flag as flag_service
from app.services import ftm_export as ftm_export_service
from app.services import interpol_check as check_service
from app.services import org as org_service
from app.services import pattern as pattern_service
from app.services import reminder as reminder_service
from app.services import screening as screening_service
from app.services import sheet_import as sheet_import_service
from app.services import token as token_service
from app.services import transfer as transfer_service
from app.services import user_account as user_service
from app.services import watch as watch_service
from app.services import webhook as webhook_service
from app.services.name_index import LiveNameIndex
from app.settings import MissingSecretKey, Settings, resolve_secret_key

app = typer.Typer(
    help="article3: INTERPOL notice abuse, per person and per requesting state.", no_args_is_help=True
)
orgs = typer.Typer(help="Organisations.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens.", no_args_is_help=True)
audit = typer.Typer(help="The audit trail.", no_args_is_help=True)
interpol = typer.Typer(help="INTERPOL's public red notices.", no_args_is_help=True)
webhooks = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
reminders = typer.Typer(help="Deadline reminders sent as webhooks.", no_args_is_help=True)
watch = typer.Typer(
    help="Watches: persons re-checked against INTERPOL's public red notices.", no_args_is_help=True
)
keys = typer.Typer(help="Keys of the personal data encrypted at rest.", no_args_is_help=True)
users = typer.Typer(help="People's accounts for the web interface.", no_args_is_help=True)
app.add_typer(orgs, name="orgs")
app.add_typer(tokens, name="tokens")
app.add_typer(audit, name="audit")
app.add_typer(interpol, name="interpol")
app.add_typer(webhooks, name="webhooks")
app.add_typer(reminders, name="reminders")
app.add_typer(watch, name="watch")
app.add_typer(keys, name="keys")
app.add_typer(users, name="users")

err = Console(stderr=True)


@app.callback()
def _start() -> None:
    flag_service.install()  # before any command: every unit of work keeps the derived indicator tables


def _settings() -> tuple[Settings, Keyring]:
    settings = Settings()
    try:
        return settings, Keyring(resolve_secret_key(settings))
    except MissingSecretKey as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _fail(exc: AppError) -> typer.Exit:
    err.print(f"[red]{exc.detail}[/red]")
    return typer.Exit(1)


@contextmanager
def _engine(settings: Settings, *, writer: bool, keyring: Keyring | None = None) -> Iterator[Engine]:
    """An unpooled engine for one command, disposed when the command is done with it."""
    engine = make_engine(settings.database_url, writer=writer, keyring=keyring, pooled=False)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _session(settings: Settings, keyring: Keyring, *, writer: bool) -> Iterator[Session]:
    """One unit of work of a command on its own engine: committed if the block returns."""
    with _engine(settings, writer=writer) as engine, unit_of_work(engine, keyring) as session:
        yield session


def _migrate(settings: Settings, keyring: Keyring) -> None:
    migrations.upgrade(settings.database_url, keyring=keyring)
    with _engine(settings, writer=True, keyring=keyring) as engine:
        with unit_of_work(engine, keyring) as session:
            flag_service.ensure_built(session)  # derived tables of data written before they existed
        encryption_service.checkpoint(engine)  # no page of the plaintext era stays behind in the WAL


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    settings, keyring = _settings()
    _migrate(settings, keyring)
    err.print("Database schema is up to date.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the documented public cases into org 'demo'.")
    ] = False,
) -> None:
    """Migrate, then serve the API (with --demo: load the demo cases and print an admin token)."""
    settings, keyring = _settings()
    _migrate(settings, keyring)
    if demo:
        engine = make_engine(settings.database_url, writer=True, pooled=False)
        with unit_of_work(engine, keyring) as session:
            loaded, org = demo_service.load(session)
            _, plain = token_service.create(
                session,
                org_id=org.id,
                data=TokenCreate(role=Role.admin, label="demo (serve --demo)"),
                by=None,
            )
        engine.dispose()
        err.print(f"Demo organisation 'demo': {loaded} new case(s) loaded.")
        typer.echo(f"Demo admin token (shown once): {plain}")
        typer.echo(f"Try: curl -H 'Authorization: Bearer {plain}' http://{host}:{port}/api/v1/persons")
    # No access log: search URLs carry names (`?q=`), and names never go into logs.
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="info", server_header=False, access_log=False
    )


@orgs.command("create")
def create_org(name: Annotated[str, typer.Argument(help="The organisation's name.")]) -> None:
    """Create an organisation and print its id."""
    settings, keyring = _settings()
    try:
        with _session(settings, keyring, writer=True) as session:
            org = org_service.create(session, name=name)
    except AppError as exc:
        raise _fail(exc) from None
    typer.echo(org.id)


@tokens.command("create")
def create_token(
    org: Annotated[str, typer.Option("--org", help="The organisation's name.")],
    role: Annotated[Role, typer.Option("--role", help="admin, editor, viewer or analyst.")],
    label: Annotated[str | None, typer.Option("--label", help="What the token is for.")] = None,
    expires_days: Annotated[int | None, typer.Option("--expires-days", min=1, max=3650)] = None,
) -> None:
    """Create a token; it is printed alone on the last line, once."""
    settings, keyring = _settings()
    try:
        with _session(settings, keyring, writer=True) as session:
            owner = org_service.by_name(session, org)
            row, plain = token_service.create(
                session,
                org_id=owner.id,
                data=TokenCreate(role=role, label=label, expires_days=expires_days),
                by=None,
            )
    except AppError as exc:
        raise _fail(exc) from None
    err.print(f"Token {row.id} ({role.value}) for {org}; it is shown once:")
    typer.echo(plain)


def _invitation_url(settings: Settings, invitation: str) -> str:
    return f"{settings.public_url.rstrip('/')}/ui/invitations/{invitation}"


@users.command("create")
def create_user(
    org: Annotated[str, typer.Option("--org", help="The organisation's name.")],
    role: Annotated[Role, typer.Option("--role", help="admin, editor, viewer or analyst.")],
    username: Annotated[
        str, typer.Option("--username", help="The person's username (unique in the service).")
    ],
) -> None:
    """Create a person's account; its invitation URL is printed alone on the last line, once."""
    settings, keyring = _settings()
    try:
        with _session(settings, keyring, writer=True) as session:
            owner = org_service.by_name(session, org)
            user, invitation = user_service.create(
                session,
                org_id=owner.id,
                username=username,
                role=role,
                hours=settings.invitation_hours,
                by=None,
            )
    except AppError as exc:
        raise _fail(exc) from None
    err.print(
        f"User {escape(user.username)} ({role.value}) for {escape(org)}. Send them this link; it works once,"
        f" for {settings.invitation_hours} hours:"
    )
    typer.echo(_invitation_url(settings, invitation))


@users.command("invite")
def invite_user(
    org: Annotated[str, typer.Option("--org", help="The organisation's name.")],
    username: Annotated[str, typer.Option("--username", help="The person's username.")],
) -> None:
    """A fresh invitation URL (lost password, expired link), printed alone on the last line; the old
    link and password stop working."""
    settings, keyring = _settings()
    try:
        with _session(settings, keyring, writer=True) as session:
            owner = org_service.by_name(session, org)
            user = user_service.by_username(session, username, org_id=owner.id)
            invitation = user_service.invite(session, user, hours=settings.invitation_hours, by=None)
    except AppError as exc:
        raise _fail(exc) from None
    err.print(f"New invitation for {escape(user.username)}, valid for {settings.invitation_hours} hours:")
    typer.echo(_invitation_url(settings, invitation))


@users.command("disable")
def disable_user(
    org: Annotated[str, typer.Option("--org", help="The organisation's name.")],
    username: Annotated[str, typer.Option("--username", help="The person's username.")],
) -> None:
    """Disable an account: it can no longer sign in, and its sessions end."""
    settings, keyring = _settings()
    try:
        with _session(settings, keyring, writer=True) as session:
            owner = org_service.by_name(session, org)
            user_service.disable(
                session, user_service.by_username(session, username, org_id=owner.id), by=None
            )
    except AppError as exc:
        raise _fail(exc) from None
    err.print(f"Disabled {escape(username)}.")


@users.command("list")
def list_users(org: Annotated[str, typer.Option("--org", help="The organisation's name.")]) -> None:
    """The organisation's accounts: username, role, TOTP, last sign-in, status."""
    settings, keyring = _settings()
    try:
        with _session(settings, keyring, writer=False) as session:
            owner = org_service.by_name(session, org)
            accounts = user_service.list_accounts(session, org_id=owner.id)
    except AppError as exc:
        raise _fail(exc) from None
    table = Table("username", "role", "totp", "last sign-in", "status")
    for user in accounts:
        status = "disabled" if user.disabled_at else ("invited" if user.password_hash is None else "active")
        last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if user.last_sign_in_at else "—"
        table.add_row(escape(user.username), user.role.value, "on" if user.has_totp else "off", last, status)
    Console(width=120).print(table)


@app.command()
def patterns(
    state: Annotated[
        str | None, typer.Option("--state", help="One requesting state (ISO code): its patterns.")
    ] = None,
) -> None:
    """Recurrent patterns by requesting state, pooled across organisations, as a table."""
    settings, keyring = _settings()
    code = None
    if state is not None:
        try:
            code = parse_state(state)
        except ValueError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    with _session(settings, keyring, writer=False) as session:
        if code is None:
            rows = pattern_service.pooled_states(session, min_persons=settings.pattern_min_persons)
        else:
            cli_org = Principal(token_id=audit_service.CLI_ACTOR, org_id="", role=Role.analyst)  # no evidence
            detail = pattern_service.pooled_state(
                session, code, min_persons=settings.pattern_min_persons, by=cli_org
            )
    out = Console()
    if code is None:
        table = Table(
            "state",
            "score",
            "persons",
            "notices",
            "detentions",
            "released w/o extr.",
            "extr. refused",
            "non-compliant",
            "recurrent patterns",
        )
        for row in rows:
            table.add_row(
                f"{row.state} {state_name(row.state)}",
                f"{row.score:.4f}",
                str(row.persons),
                str(row.notices),
                str(row.detentions),
                str(row.released_without_extradition),
                str(row.extraditions_refused),
                str(row.interpol_noncompliant),
                ", ".join(row.patterns) or "—",
            )
        out.print(table)
        return
    counts = detail.counts
    out.print(
        f"[bold]{code} {state_name(code)}[/bold]  score {detail.score:.4f}  persons {counts.persons}  notices {counts.notices}  "
        f"detentions {counts.detentions}  released without extradition {counts.released_without_extradition}  "
        f"extraditions refused {counts.extraditions_refused}  non-compliant notices {counts.interpol_noncompliant}"
    )
    table = Table("indicator", "severity", "persons", "rate", "recurrent")
    for p in detail.patterns:
        table.add_row(
            p.code.value,
            SEVERITY[p.code].value,
            str(p.persons),
            f"{p.rate:.0%}",
            "yes" if p.recurrent else "no",
        )
    out.print(table)


@app.command()
def deadlines(
    days: Annotated[int, typer.Option("--days", min=0, max=3650, help="Look this many days ahead.")] = 30,
) -> None:
    """Deadlines due within --days or already overdue, every organisation (for a cron job): CCF decisions,
    protections ending, ECHR application time limits (the same list as GET /api/v1/deadlines).

    Prints one line per deadline (ids and file references, no names); exit 0 even when some are due."""
    settings, keyring = _settings()
    today = date.today()
    with _session(settings, keyring, writer=False) as session:
        rows = deadline_service.collect(session, org_id=None, today=today, within_days=days)
        orgs = org_service.names(session)
    if not rows:
        typer.echo(
            f"No CCF challenge, protection or ECHR application time limit is due in the next {days} days or overdue."
        )
        return
    table = Table("due", "days left", "organisation", "kind", "record", "reference", "person")
    for d in rows:
        left = (d.due_on - today).days
        table.add_row(
            d.due_on.isoformat(),
            f"OVERDUE by {-left}" if left < 0 else str(left),
            orgs.get(d.org_id, d.org_id),
            d.kind.value,
            f"{d.ref_kind} {d.ref_id}",
            d.reference or "—",
            d.person_id,
        )
    Console(width=200).print(table)


@interpol.command("check")
def interpol_check(
    name: Annotated[str, typer.Argument(help="The name, in any spelling or script.")],
    nationality: Annotated[
        str | None, typer.Option("--nationality", help="ISO code, narrows the search.")
    ] = None,
) -> None:
    """Search INTERPOL's public red notices for a name and score each hit (nothing is stored)."""
    settings = Settings()
    codes = []
    if nationality:
        try:
            codes = [parse_state(nationality)]
        except ValueError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    with open_interpol_http(settings.interpol_url, timeout_s=settings.interpol_timeout) as http:
        try:
            found = check_service.find(
                InterpolClient(http), names=[name], nationalities=codes, birth_date=None
            )
        except InterpolError as exc:
            err.print(f"[red]{exc.reason}[/red]")
            raise typer.Exit(1) from None
    if not found.hits:
        typer.echo("No public red notice matches.")
        return
    table = Table("score", "notice", "name", "forename", "born", "nationalities", "requesting states")
    for hit in found.hits:
        table.add_row(
            f"{hit.score:.2f}",
            hit.entity_id,
            hit.name,
            hit.forename or "—",
            hit.birth_date or "—",
            ", ".join(hit.nationalities),
            ", ".join(hit.requesting_states) or "—",
        )
    Console(width=200).print(table)


@webhooks.command("deliver")
def deliver_webhooks() -> None:
    """Send the webhook deliveries that are due, once (the server's worker does this continuously)."""
    settings, keyring = _settings()
    with _engine(settings, writer=True) as engine:
        report = webhook_service.deliver_due(engine, keyring, allow_private=settings.webhook_allow_private)
    typer.echo(
        f"{report.claimed} due: {report.delivered} delivered, {report.retrying} to retry later, {report.failed} failed."
    )


@reminders.command("send")
def send_reminders() -> None:
    """Queue the deadline reminders that are due (deadline.approaching, deadline.overdue), once each, for
    every organisation's webhooks (the server does this hourly); then `article3 webhooks deliver` sends them.
    Runs a round even if the server ran one within the hour, and counts as the last round."""
    settings, keyring = _settings()
    engine = make_engine(settings.database_url, writer=True, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            done = reminder_service.run_round(session, days_before=settings.reminder_days, force=True)
            queued = done.queued or 0
    finally:
        engine.dispose()
    typer.echo(f"{queued} deadline reminders queued.")


@watch.command("run")
def run_watches(
    everything: Annotated[
        bool, typer.Option("--all", help="Check every watch now, due or not (after an outage, for tests).")
    ] = False,
) -> None:
    """Check every due watch once against INTERPOL's public red notices, then exit (for cron; the server
    does this itself). Changes found are stored and queued for the webhooks (`article3 webhooks deliver`
    sends them). Requests share ARTICLE3_INTERPOL_MAX_RPS with every other runner on the database."""
    settings, keyring = _settings()
    with _engine(settings, writer=True, keyring=keyring) as engine:
        pace = watch_service.SharedPace(engine, keyring, max_rps=settings.interpol_max_rps)
        http = open_interpol_http(settings.interpol_url, timeout_s=settings.interpol_timeout)
        try:
            report = watch_service.run_due(
                engine, keyring, watch_service.paced_client(http, pace), everything=everything
            )
        finally:
            http.close()
    if report.busy:
        typer.echo("Another runner is checking watches; nothing done.")
        return
    found = ", ".join(f"{n} {what}" for what, n in sorted(report.found.items())) or "none"
    typer.echo(f"{report.checked} watches checked, {report.failed} failed (retried later); changes: {found}.")


@keys.command("rotate")
def rotate_keys() -> None:
    """Make a new field-encryption key active and re-encrypt every value under it, in batches, while
    the service runs; reports how many values remain under older keys (none at the end).

    Each batch commits whole or not at all. If the rotation stops early (exit 1), every value is still
    readable under the key it names; it says why and what remains: run it again once that is fixed."""
    settings, keyring = _settings()
    engine = make_engine(settings.database_url, writer=True, keyring=keyring, pooled=False)
    done = 0

    def progress(batch: int) -> None:
        nonlocal done
        done += batch
        err.print(f"re-encrypted {done} values")

    try:
        rotation = encryption_service.rotate(engine, keyring, progress=progress)
    except AppError as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    left = rotation.remaining
    total = None if left is None else sum(left.values())
    counted = "an unknown number of values remain" if total is None else f"{total} remain"
    typer.echo(
        f"Key {rotation.key_id} is active; {rotation.reencrypted} values re-encrypted; {counted} under older keys."
    )
    if left and total:
        typer.echo("Under older keys: " + ", ".join(f"{column} {n}" for column, n in left.items() if n) + ".")
    if rotation.failure is not None:
        err.print(
            f"[red]The rotation stopped: {escape(rotation.failure)}.[/red] Every value is still readable (each names "
            "its key); run `article3 keys rotate` again once the cause is fixed.",
            highlight=False,
            soft_wrap=True,  # one line, whole, for logs and grep
        )
    if rotation.failure is not None or total != 0:
        raise typer.Exit(1)


@audit.command("verify")
def verify_audit() -> None:
    """Check the whole audit chain; exit 1 and name the first bad entry when it is broken."""
    settings, keyring = _settings()
    with _session(settings, keyring, writer=False) as session:
        bad, entries = audit_service.verify(session)
    if bad is not None:
        typer.echo(f"Audit chain broken: first bad entry is seq {bad}.")
        raise typer.Exit(1)
    typer.echo(f"Audit chain intact: {entries} entries.")


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file to create (mode 0600); never overwritten.")],
) -> None:
    """Copy the SQLite database while the server runs, then verify the copy (integrity, audit chain).

    On PostgreSQL it refuses and says how to use pg_dump and pg_restore instead."""
    settings, keyring = _settings()
    try:
        report = backup_service.backup(settings.database_url, path, keyring=keyring)
    except AppError as exc:
        raise _fail(exc) from None
    typer.echo(
        f"Backup {report.path} verified: {report.persons} persons, audit chain intact "
        f"({report.audit_entries} entries), {report.size_bytes / 2**20:,.1f} MiB in {report.elapsed_s:.1f} s."
    )


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A backup made by `article3 backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Restore even though a server may have the database open.")
    ] = False,
    unsigned: Annotated[
        bool,
        typer.Option(
            "--unsigned",
            help="Restore a backup whose signed manifest is missing or does not verify (only its integrity "
            "and audit chain are checked).",
        ),
    ] = False,
) -> None:
    """Verify a backup by its signed manifest, bring it to the current schema and put it in place of the
    database.

    A backup whose manifest (written by `article3 backup`, signed under the secret key) is missing or does
    not match the file is refused unless --unsigned: then only SQLite's integrity, the foreign keys and the
    audit chain can be checked, and a warning says what could not be. Stop the server first: a database in
    use is refused unless --force. The replaced database is kept beside it as <file>.pre-restore-<time>."""
    settings, keyring = _settings()
    try:
        report = backup_service.restore(
            settings.database_url, path, keyring=keyring, force=force, unsigned=unsigned
        )
    except AppError as exc:
        raise _fail(exc) from None
    how = "by its signed manifest" if report.unsigned is None else "WITHOUT a valid signature (--unsigned)"
    typer.echo(
        f"Restored {path} {how}: {report.persons} persons, {report.audit_entries} audit entries, "
        f"in {report.elapsed_s:.1f} s."
    )
    if report.unsigned is not None:
        err.print(
            f"[bold red]WARNING: restored WITHOUT a valid signature: {escape(report.unsigned)}.[/bold red] "
            f"{backup_service.UNCHECKED} Revoke every API token and create new ones (`article3 tokens "
            "create`), and check the records against your own sources before relying on them. The audit "
            "trail records this restore as backup.restored_unsigned.",
            highlight=False,
            soft_wrap=True,
        )
    if report.previous is not None:
        typer.echo(f"The replaced database is kept at {report.previous}; delete it once you are satisfied.")


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    ftm = "ftm"


@app.command("export")
def export_org(
    org: Annotated[str, typer.Option("--org", help="The organisation's name.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="A new file (mode 0600); default: standard output.")
    ] = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="jsonl: every record, for `article3 import`; ftm: persons and their notices, detentions "
            "and extraditions as FollowTheMoney entities, for Aleph (its first line says it holds personal data).",
        ),
    ] = ExportFormat.jsonl,
) -> None:
    """An organisation's records as JSON Lines, for `article3 import` (no tokens, no audit trail); with
    `--format ftm`, as FollowTheMoney entities for Aleph and other FtM tools (opt-in on each call)."""
    settings, keyring = _settings()
    writer = make_engine(settings.database_url, writer=True, keyring=keyring, pooled=False)
    reader = make_engine(settings.database_url, writer=False, keyring=keyring, pooled=False)
    try:
        with unit_of_work(writer, keyring) as session:  # audited first, in its own short transaction
            org_id = org_service.by_name(session, org).id
            transfer_service.record_export(session, org_id=org_id)
        with unit_of_work(reader, keyring) as session:  # one snapshot, without holding the write lock
            if fmt is ExportFormat.ftm:
                if out is None:
                    counts = ftm_export_service.write(session, org_id=org_id, out=sys.stdout)
                else:
                    counts = ftm_export_service.write_file(session, org_id=org_id, path=out)
            elif out is None:
                counts = transfer_service.write_export(session, org_id=org_id, out=sys.stdout)
            else:
                counts = transfer_service.export_file(session, org_id=org_id, path=out)
    except AppError as exc:
        raise _fail(exc) from None
    except FileExistsError:
        err.print(f"[red]{out} exists: an export never overwrites a file.[/red]")
        raise typer.Exit(1) from None
    finally:
        writer.dispose()
        reader.dispose()
    what = "FollowTheMoney entities" if fmt is ExportFormat.ftm else "records"
    err.print(
        f"Exported {sum(counts.values())} {what}: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    )


@app.command("import-csv")
def import_csv(
    org: Annotated[str, typer.Option("--org", help="The organisation to import into; it must exist.")],
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV file (UTF-8 or a common Cyrillic encoding) or an .xlsx workbook.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report, write nothing.")] = False,
) -> None:
    """Import persons and their notices from a spreadsheet, one row each, all rows or none, with the
    columns of `POST /api/v1/imports/csv`. Prints every row's problems and the duplicates found (a row
    whose person matches an existing one at 0.9 or more is not created); exit 1 when a row has a problem."""
    settings, keyring = _settings()
    engine = make_engine(settings.database_url, writer=True, keyring=keyring, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            owner = org_service.by_name(session, org)
            names = LiveNameIndex()
            names.load(session)
            by = Principal(token_id=audit_service.CLI_ACTOR, org_id=owner.id, role=Role.editor)
            report = sheet_import_service.run(session, file.read_bytes(), names=names, by=by, dry_run=dry_run)
    except AppError as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    for problem in report.problems:
        where = f"row {problem.row}" + (f", column {problem.column}" if problem.column else "")
        err.print(f"{where}: {problem.message}", markup=False, highlight=False)
    for twin in report.duplicates:
        typer.echo(f"row {twin.row}: not created, matches person {twin.person_id} (score {twin.score:.2f})")
    verb = "Would create" if dry_run else "Created"
    if report.problems and not dry_run:
        err.print(f"[red]Nothing imported: {len(report.problems)} problems in {report.rows} rows.[/red]")
        raise typer.Exit(1)
    typer.echo(
        f"{verb} {report.created.persons} persons and {report.created.notices} notices in {org} "
        f"from {report.rows} rows; {len(report.duplicates)} duplicates, {len(report.problems)} problems."
    )
    if report.problems:
        raise typer.Exit(1)


@app.command("screen")
def screen(
    org: Annotated[str, typer.Option("--org", help="The organisation whose persons are screened.")],
    ftm: Annotated[
        Path,
        typer.Option(
            "--ftm",
            help="A FollowTheMoney JSON Lines file (one entity a line), e.g. OpenSanctions' INTERPOL red notices.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
) -> None:
    """Match every person of the organisation against the Person entities of a FollowTheMoney dataset, in
    one pass, and store a check (`source: ftm`) for each person hit, as `POST /api/v1/screenings` does.
    Prints the persons hit (ids and scores, no names); exit 1 when the file cannot be read."""
    settings, keyring = _settings()
    engine = make_engine(settings.database_url, writer=True, keyring=keyring, pooled=False)
    try:
        with ftm.open("rb") as lines:
            dataset = screening_service.parse(lines, fallback_name=ftm.name.split(".")[0] or "ftm")
        with unit_of_work(engine, keyring) as session:
            owner = org_service.by_name(session, org)
            names = LiveNameIndex()
            names.load(session)
            by = Principal(token_id=audit_service.CLI_ACTOR, org_id=owner.id, role=Role.editor)
            result = screening_service.screen(session, dataset, names=names, by=by)
    except AppError as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    for hit in result.hits:
        typer.echo(
            f"person {hit.person_id}: score {hit.score:.2f}, {len(hit.entity_ids)} notices, check {hit.check_id}"
        )
    typer.echo(
        f"Screened {result.persons_screened} persons of {org} against {result.notices} notices of "
        f"{result.dataset} ({result.dataset_date or 'undated'}): {len(result.hits)} persons hit; screening {result.id}."
    )


@app.command("import")
def import_org(
    org: Annotated[str, typer.Option("--org", help="The organisation to import into; it must exist.")],
    file: Annotated[
        Path,
        typer.Argument(help="A file made by `article3 export`.", exists=True, dir_okay=False, readable=True),
    ],
) -> None:
    """Import records from `article3 export`, all or nothing: every line is checked before anything is
    written, and each problem is reported with its line number."""
    settings, keyring = _settings()
    engine = make_engine(settings.database_url, writer=True, keyring=keyring, pooled=False)
    tasks: dict[str, TaskID] = {}
    try:
        with (
            file.open(encoding="utf-8") as lines,
            Progress(console=err, transient=True) as bar,
            unit_of_work(engine, keyring) as session,
        ):

            def progress(what: str, done: int, total: int) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task(what, total=total)
                bar.update(tasks[what], completed=done)

            owner = org_service.by_name(session, org)
            report = transfer_service.import_org(session, org_id=owner.id, lines=lines, progress=progress)
    except transfer_service.ImportRejected as exc:
        for problem in exc.problems:
            err.print(f"line {problem.line}: {problem.message}", markup=False, highlight=False)
        err.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from None
    except AppError as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    typer.echo(
        f"Imported into {org}: "
        + ", ".join(f"{n} {k}" for k, n in report.counts.items() if n)
        + f"; {report.audit_entries} audit entries written."
    )
