"""/admin/imports' use cases (``IMPORT``: billing and owner), each audited in its own
transaction: upload a CRM's CSV (``customer_import.uploaded``), choose the mapping and dry-run
it (``customer_import.checked``: every row checked, nothing written), start the import
(``customer_import.started``: a job, ``run_import``, writes ``BATCH`` rows per transaction and
records its progress in the same transaction, so a retried job continues where it stopped),
and read the imports and one import's progress."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.billing.config import BillingConfig
from domain.catalog.model import PlanKind
from domain.integrations.csv_files import BAD_FILE, CsvTable, read_csv
from domain.integrations.importing import Matched, apply_batch, match_rows
from domain.integrations.mapping import ColumnMapping, guess_mapping, mapping_from_names
from domain.integrations.model import MAX_STORED_ERRORS, CustomerImport, ImportStatus
from domain.integrations.ports import IntegrationsUnit
from domain.integrations.rows import CatalogFacts, ImportRow, RowError, check_row, check_unique
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

BATCH = 500
RUN_IMPORT_JOB = "integrations.run_import"
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_FILE_NAME = 200


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


async def _audit(uow: IntegrationsUnit, staff: SignedInStaff | None, action: str,
                 rec: CustomerImport, now: datetime, **after: object) -> None:  # fmt: skip
    actor = _actor(staff) if staff else Actor(rec.created_by_id, rec.created_by)
    await record(uow, new_entry(
        at=now, actor=actor, action=action, object_type="customer_import", object_id=rec.id,
        after={"file": rec.file_name, "source": rec.source, **after},
    ))  # fmt: skip


async def recent_imports(actor: SignedInStaff, *, uow: IntegrationsUnit) -> list[CustomerImport]:
    require(actor, Permission.IMPORT)
    async with uow:
        return await uow.imports.recent(50)


async def get_import(
    actor: SignedInStaff, import_id: str, *, uow: IntegrationsUnit
) -> CustomerImport:
    require(actor, Permission.IMPORT)
    async with uow:
        rec = await uow.imports.get(import_id)
    if rec is None:
        raise NotFound("No such import.", code="integrations.import_not_found")
    return rec


def check_source(source: str) -> str:
    source = source.strip().lower() or "crm"
    if not _SOURCE.match(source):
        raise ValidationFailed({"source": "Use up to 40 lower-case letters, digits, - or _ "
                                          "(hubspot, salesforce)."}, code=BAD_FILE)  # fmt: skip
    return source


async def upload_import(
    actor: SignedInStaff, file_name: str, content: bytes, source: str, *,
    uow: IntegrationsUnit, clock: Clock,
) -> CustomerImport:  # fmt: skip
    """Read the file (``read_csv`` refuses what is not a CSV we can import) and store it with
    the mapping guessed from its header."""
    require(actor, Permission.IMPORT)
    source = check_source(source)
    base = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in base if ch.isprintable())[:MAX_FILE_NAME].strip() or "upload.csv"
    table = read_csv(content)
    now = clock.now()
    rec = CustomerImport(
        id=new_id(), file_name=name, source=source, created_at=now, created_by=actor.email,
        created_by_id=actor.staff_id, header=table.header, total_rows=len(table.rows),
        mapping=guess_mapping(table.header).as_names(table.header),
    )  # fmt: skip
    async with uow:
        await uow.imports.add(rec, content)
        await _audit(uow, actor, "customer_import.uploaded", rec, now, rows=rec.total_rows)
        await uow.commit()
    return rec


async def catalog_facts(uow: IntegrationsUnit) -> CatalogFacts:
    plans = {p.code: p for p in await uow.plans.all_versions()
             if p.is_current and p.kind is PlanKind.BASE}  # fmt: skip
    currencies = frozenset(c.code for p in plans.values() for c in p.currencies)
    return CatalogFacts(currencies, plans)


def check_rows(table: CsvTable, mapping: ColumnMapping, facts: CatalogFacts) -> tuple[
    list[ImportRow], list[RowError]
]:  # fmt: skip
    """Every row checked on its own, then against the rows before it (repeated ids, e-mails)."""
    good: list[ImportRow] = []
    errors: list[RowError] = []
    for number, cells in zip(table.numbers, table.rows, strict=True):
        checked = check_row(number, cells, table.header, mapping, facts)
        if isinstance(checked, list):
            errors += checked
        else:
            good.append(checked)
    repeated = check_unique(good, mapping.as_names(table.header))
    if repeated:
        bad = {e.row for e in repeated}
        good = [r for r in good if r.row not in bad]
        errors = sorted(errors + repeated, key=lambda e: e.row)
    return good, errors


def _split(results: list[Matched | RowError]) -> tuple[list[Matched], list[RowError]]:
    return ([r for r in results if isinstance(r, Matched)],
            [r for r in results if isinstance(r, RowError)])  # fmt: skip


async def dry_run(
    actor: SignedInStaff, import_id: str, chosen: Mapping[str, str], with_subscriptions: bool,
    *, new_uow: Callable[[], IntegrationsUnit], clock: Clock,
) -> CustomerImport:  # fmt: skip
    """Check every row with ``chosen`` (target -> column name) as an import would, against the
    catalog and the customers that exist, and record the outcome; writes no customer. The rows
    are checked outside any transaction and matched a batch per short transaction, so a large
    file never holds the database."""
    require(actor, Permission.IMPORT)
    async with new_uow() as uow:
        rec = await _editable(uow, import_id)
        content = await uow.imports.content(rec.id)
        facts = await catalog_facts(uow)
    mapping = mapping_from_names(rec.header, chosen)
    table = read_csv(content)
    good, errors = check_rows(table, mapping, facts)
    names = mapping.as_names(table.header)
    creates = updates = 0
    for start in range(0, len(good), BATCH):
        async with new_uow() as uow:
            matched, problems = _split(await match_rows(uow, rec.source,
                                                        good[start:start + BATCH], names))  # fmt: skip
        errors += problems
        creates += sum(1 for m in matched if m.customer is None)
        updates += sum(1 for m in matched if m.customer is not None)
    errors.sort(key=lambda e: e.row)
    now = clock.now()
    async with new_uow() as uow:
        rec = await _editable(uow, import_id, lock=True)
        rec = replace(
            rec, mapping=names, with_subscriptions=with_subscriptions,
            status=ImportStatus.CHECKED, checked_at=now, created=creates, updated=updates,
            error_count=len(errors), errors=tuple(errors[:MAX_STORED_ERRORS]),
        )  # fmt: skip
        await uow.imports.save(rec)
        await _audit(uow, actor, "customer_import.checked", rec, now, creates=creates,
                     updates=updates, errors=len(errors))  # fmt: skip
        await uow.commit()
    return rec


async def _editable(uow: IntegrationsUnit, import_id: str, *, lock: bool = False) -> CustomerImport:
    rec = await uow.imports.get(import_id, lock=lock)
    if rec is None:
        raise NotFound("No such import.", code="integrations.import_not_found")
    if rec.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise InvalidTransition("This import has started: upload the file again to change "
                                "its mapping.", code="integrations.import_started")  # fmt: skip
    return rec


async def start_import(
    actor: SignedInStaff, import_id: str, *, uow: IntegrationsUnit, clock: Clock
) -> CustomerImport:
    """Queue the import job for a dry-run import (or continue a failed one)."""
    require(actor, Permission.IMPORT)
    now = clock.now()
    async with uow:
        rec = await uow.imports.get(import_id, lock=True)
        if rec is None:
            raise NotFound("No such import.", code="integrations.import_not_found")
        if rec.status not in (ImportStatus.CHECKED, ImportStatus.FAILED):
            raise InvalidTransition(
                "Run the dry run first." if rec.status is ImportStatus.UPLOADED
                else "This import has already started.", code="integrations.import_started",
            )  # fmt: skip
        if rec.status is ImportStatus.CHECKED:  # a new run: the dry run's counts are replaced
            rec = replace(rec, created=0, updated=0, subscribed=0, error_count=0, errors=(),
                          done_rows=0)  # fmt: skip
        rec = replace(rec, status=ImportStatus.QUEUED, started_at=now, finished_at=None)
        await uow.imports.save(rec)
        uow.jobs.enqueue(RUN_IMPORT_JOB, unique_key=f"import:{rec.id}:{now.isoformat()}",
                         import_id=rec.id)  # fmt: skip
        await _audit(uow, actor, "customer_import.started", rec, now, rows=rec.total_rows,
                     subscriptions=rec.with_subscriptions)  # fmt: skip
        await uow.commit()
    return rec


async def run_import(
    import_id: str, *, new_uow: Callable[[], IntegrationsUnit], clock: Clock,
    config: BillingConfig,
) -> CustomerImport:  # fmt: skip
    """The job: the rows from ``done_rows`` on, ``BATCH`` per transaction; each transaction
    writes its customers and the import's progress, so a failure loses at most one batch."""
    async with new_uow() as uow:
        rec = await uow.imports.get(import_id)
        if rec is None or rec.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING,
                                             ImportStatus.FAILED):  # fmt: skip
            raise NotFound("No import to run.", code="integrations.import_not_found")
        content = await uow.imports.content(rec.id)
        facts = await catalog_facts(uow)
    table = read_csv(content)
    mapping = mapping_from_names(rec.header, rec.mapping)
    all_good, all_errors = check_rows(table, mapping, facts)
    names = mapping.as_names(table.header)
    while True:
        async with new_uow() as uow:
            rec = await uow.imports.get(import_id, lock=True)
            assert rec is not None
            start = rec.done_rows
            stop = min(start + BATCH, len(table.rows))
            numbers = set(table.numbers[start:stop])
            good = [r for r in all_good if r.row in numbers]
            errors = [e for e in all_errors if e.row in numbers]
            matched, problems = _split(await match_rows(uow, rec.source, good, names))
            now = clock.now()
            counts, failed = await apply_batch(
                uow, rec.source, matched, with_subscriptions=rec.with_subscriptions,
                import_id=rec.id, now=now, config=config, names=names,
            )  # fmt: skip
            new_errors = sorted(errors + problems + failed, key=lambda e: e.row)
            finished = stop >= len(table.rows)
            rec = replace(
                rec, status=ImportStatus.DONE if finished else ImportStatus.RUNNING,
                done_rows=stop, created=rec.created + counts.created,
                updated=rec.updated + counts.updated,
                subscribed=rec.subscribed + counts.subscribed,
                error_count=rec.error_count + len(new_errors),
                errors=(rec.errors + tuple(new_errors))[:MAX_STORED_ERRORS],
                finished_at=now if finished else None,
            )  # fmt: skip
            await uow.imports.save(rec)
            if finished:
                await _audit(uow, None, "customer_import.finished", rec, now,
                             created=rec.created, updated=rec.updated,
                             subscribed=rec.subscribed, errors=rec.error_count)  # fmt: skip
            await uow.commit()
        if finished:
            return rec


async def mark_failed(import_id: str, *, new_uow: Callable[[], IntegrationsUnit]) -> None:
    """The job gave up: the import shows it (starting again continues after the last batch)."""
    async with new_uow() as uow:
        rec = await uow.imports.get(import_id, lock=True)
        if rec is not None and rec.is_live:
            await uow.imports.save(replace(rec, status=ImportStatus.FAILED))
            await uow.commit()
