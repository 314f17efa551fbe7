"""Walk the audit chain and say where it is broken.

The trigger stops the app's role from editing or deleting events, but the table's owner
(or a superuser) can disable triggers; this check is what catches that. Each row must
carry the hash of its own contents (else it was **edited**) and the hash of the row
before it (else a row in between was **deleted**, or the one before was rewritten).
Ids alone say nothing: a transaction that rolls back leaves a hole in the sequence.

Cutting rows off the *end* leaves a shorter chain that is still whole; to notice that,
keep the last id and hash a run prints somewhere else and pass them back as ``anchor``.
"""

from dataclasses import dataclass, field

from sqlalchemy import Connection

from service.audit import chain, repository


@dataclass(frozen=True)
class Problem:
    event_id: int | None
    kind: str  # edited, broken_link, anchor
    detail: str

    def __str__(self) -> str:
        where = f"row {self.event_id}" if self.event_id is not None else "chain"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class VerifyResult:
    count: int = 0
    last_id: int | None = None
    last_hash: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(connection: Connection, *, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Check every event in id order; list every problem (empty when intact)."""
    result = VerifyResult()
    previous_hash, previous_id = chain.GENESIS, None
    anchor_seen = anchor is None
    for row in repository.chain_rows(connection):
        result.count += 1
        if row["prev_hash"] != previous_hash:
            detail = (
                f"does not follow row {previous_id}: a row between them was deleted or row {previous_id} was rewritten"
                if previous_id is not None
                else "is not the first event: the rows before it were deleted"
            )
            result.problems.append(Problem(row["id"], "broken_link", detail))
        if chain.link(row) != row["hash"]:
            result.problems.append(Problem(row["id"], "edited", "its contents do not match its hash"))
        if anchor is not None and row["id"] == anchor[0]:
            anchor_seen = True
            if row["hash"] != anchor[1]:
                result.problems.append(Problem(row["id"], "anchor", "its hash is not the one noted earlier"))
        # Go on from what the row claims, so one deletion or edit is reported once.
        previous_hash, previous_id = row["hash"], row["id"]
    if not anchor_seen:
        assert anchor is not None
        result.problems.append(Problem(anchor[0], "anchor", "the event noted earlier is gone (rows cut from the end?)"))
    result.last_id, result.last_hash = previous_id, (previous_hash if previous_id is not None else None)
    return result
