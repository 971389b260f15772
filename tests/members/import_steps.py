"""The steps of importing a member list, as the treasurer's pages take them, for tests."""

from pathlib import Path

from members import importing
from members.import_records import MemberImport
from notifications import fanout

FILES = Path(__file__).parent / "files"


def content(name: str) -> bytes:
    return (FILES / name).read_bytes()


def upload(data: bytes | str, by, *, name: str = "members.csv") -> MemberImport:
    raw = data.encode() if isinstance(data, str) else data
    return importing.upload(content=raw, file_name=name, by=by)


def check(job: MemberImport, by, *, plans: dict | None = None, columns: dict | None = None) -> MemberImport:
    """The dry run with the guessed columns, and `plans` ({value: Plan or None}) over the guesses."""
    chosen = {value: (plan.pk if plan else None) for value, plan in (plans or {}).items()}
    return importing.check(
        job=job, columns=columns or job.columns, plans={**job.plans, **chosen}, day_first=job.day_first, by=by
    )


def apply(job: MemberImport, by, *, skip_problems: bool = False) -> MemberImport:
    """Start the import and run its batches here, as the worker would."""
    importing.start_apply(job=job, skip_problems=skip_problems, by=by)
    fanout.drain(keys_starting=f"member-import:{job.pk}")
    job.refresh_from_db()
    return job


def run(data: bytes | str, by, *, plans: dict | None = None, name: str = "members.csv") -> MemberImport:
    return apply(check(upload(data, by, name=name), by, plans=plans), by)
