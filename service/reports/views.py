"""Reports as each audience sees them."""

from collections.abc import Sequence

from sqlmodel import Session

from service.areas import repository as areas
from service.categories import repository as categories
from service.identity import repository as identity
from service.identity.models import STAFF_ROLES, User
from service.reports import repository, signing, timeline
from service.reports.models import Complaint, Photo, PhotoStatus, Visibility, flags_of
from service.reports.policies import Audience, audience_for, province_of
from service.reports.repository import open_reports_near
from service.reports.schemas import (
    Actor,
    AreaBrief,
    CategoryBrief,
    ComplaintRead,
    ComplaintRef,
    ComplaintSummary,
    Handler,
    HandlingUnit,
    NearbyReport,
    PhotoRead,
    PhotoUrls,
    Reporter,
    TimelineEntry,
)
from service.units import repository as units


def audience(session: Session, user: User | None, complaint: Complaint) -> Audience | None:
    """How much of the report ``user`` sees (``policies.audience_for``), with the facts
    the rule needs read from the database: for staff, whether they handled it before and
    whose province it is in; for a citizen kept out, whether they follow it."""
    if user is not None and user.role in STAFF_ROLES:
        assert user.id is not None
        return audience_for(
            user,
            complaint,
            handled=repository.has_handled(session, complaint.id, user.id),
            complaint_province=repository.province_code(session, complaint),
            staff_province=province_of(user),
        )
    seen = audience_for(user, complaint)
    if seen is None and user is not None and user.id is not None:
        seen = audience_for(user, complaint, follows=repository.is_follower(session, complaint.id, user.id))
    return seen


def photo_link(photo: Photo, variant: str, *, private: bool, viewer: User | None) -> str | None:
    """The URL of one picture for ``viewer``: an anonymous link for a public report's
    large and thumbnail views; otherwise one bound to the viewer, which the photo
    endpoint serves to them alone, logged in (``signing.bound``). None when it must be
    bound and nobody asks: a link nobody could open is no link."""
    if not signing.bound(variant, private=private):
        return signing.signed_url(photo.id, variant)
    if viewer is None or viewer.id is None:
        return None
    return signing.signed_url(photo.id, variant, viewer=viewer.id)


def photo_read(photo: Photo, audience: Audience, viewer: User | None = None, *, private: bool) -> PhotoRead:
    """``private``: the report is private, so even its large and thumbnail views are
    bound to ``viewer``."""
    urls = None
    large, thumb = (photo_link(photo, v, private=private, viewer=viewer) for v in ("large", "thumb"))
    if photo.status == PhotoStatus.ready and large is not None and thumb is not None:
        urls = PhotoUrls(
            large=large,
            thumb=thumb,
            original=photo_link(photo, "original", private=private, viewer=viewer)
            if audience == Audience.staff
            else None,
        )
    return PhotoRead(
        id=photo.id,
        position=photo.position,
        kind=photo.kind,
        status=photo.status,
        failure_reason=photo.failure_reason if photo.status == PhotoStatus.failed else None,
        width=photo.width,
        height=photo.height,
        urls=urls,
    )


def complaint_read(
    session: Session, complaint: Complaint, audience: Audience, viewer: User | None = None
) -> ComplaintRead:
    """The report as ``audience`` may see it (find it with :func:`audience`); ``viewer``
    is who asks (staff's links to originals are signed for them)."""
    lat, lon = repository.coordinates(session, complaint.id)
    category = categories.get(session, complaint.category_id)
    area = areas.get(session, complaint.area_id)
    staff = audience == Audience.staff
    private = complaint.visibility == Visibility.private
    events = repository.events_of(session, complaint.id, public_only=not staff)
    actors = {u.id: u for u in (identity.get_user(session, i) for i in {e.actor_id for e in events if e.actor_id}) if u}
    entries = []
    for event in events:
        vi, en = timeline.label(event.action)
        actor = actors.get(event.actor_id) if staff and event.actor_id else None
        entries.append(
            TimelineEntry(
                at=event.at,
                action=event.action,
                label=vi,
                label_en=en,
                from_status=event.from_status,
                to_status=event.to_status,  # type: ignore[arg-type]
                note=event.note,
                actor=Actor(id=actor.id, full_name=actor.full_name, role=actor.role) if actor else None,  # type: ignore[arg-type]
                internal_note=event.internal_note if staff else None,
                details=event.data if staff else None,
            )
        )
    original = repository.get(session, complaint.duplicate_of_id) if complaint.duplicate_of_id else None
    unit = units.get(session, complaint.current_unit_id) if complaint.current_unit_id else None
    officer = identity.get_user(session, complaint.current_officer_id) if complaint.current_officer_id else None
    reporter = None
    if audience == Audience.staff:
        citizen = identity.get_user(session, complaint.citizen_id)
        assert citizen is not None
        reporter = Reporter(id=citizen.id, full_name=citizen.full_name, phone=citizen.phone)  # type: ignore[arg-type]
    return ComplaintRead(
        id=complaint.id,
        code=complaint.code,
        status=complaint.status,
        category=CategoryBrief.model_validate(category),
        description=complaint.description,
        lat=lat,
        lon=lon,
        accuracy_m=complaint.accuracy_m,
        address=complaint.address,
        area=AreaBrief.model_validate(area),
        visibility=complaint.visibility,
        priority=complaint.priority,
        submitted_at=complaint.submitted_at,
        captured_at=complaint.captured_at,
        photos=[
            photo_read(p, audience, viewer, private=private) for p in repository.photos_of(session, [complaint.id])
        ],
        timeline=entries,
        unit=HandlingUnit.model_validate(unit) if unit else None,
        is_mine=audience == Audience.owner,
        result=complaint.result,
        resolved_at=complaint.resolved_at,
        rating=complaint.rating,
        rating_comment=complaint.rating_comment,
        ack_due_at=complaint.ack_due_at,
        resolve_due_at=complaint.resolve_due_at,
        due_at=complaint.due_at,
        duplicate_of=ComplaintRef(id=original.id, code=original.code) if original else None,
        reporter=reporter,
        officer=Handler(id=officer.id, full_name=officer.full_name) if officer and audience == Audience.staff else None,  # type: ignore[arg-type]
        flags=flags_of(complaint) if audience == Audience.staff else None,
        dispatch_reason=complaint.dispatch_reason if audience == Audience.staff else None,
        duplicate_candidates=nearby(
            session,
            open_reports_near(session, category=category, lat=lat, lon=lon, exclude=complaint.id),
            viewer=viewer,
        )
        if audience == Audience.staff and category is not None
        else None,
    )


def nearby(session: Session, found: list[tuple[Complaint, float]], *, viewer: User | None) -> list[NearbyReport]:
    listed = summaries(session, [complaint for complaint, _ in found], viewer=viewer)
    return [
        NearbyReport(**summary.model_dump(), distance_m=round(metres, 1))
        for summary, (_, metres) in zip(listed, found, strict=True)
    ]


def summaries(session: Session, complaints: Sequence[Complaint], *, viewer: User | None) -> list[ComplaintSummary]:
    """Report rows as lists show them, each with its first photo's thumbnail as a link for
    ``viewer`` (:func:`photo_link`)."""
    ids = [c.id for c in complaints]
    private = {c.id for c in complaints if c.visibility == Visibility.private}
    thumbs: dict = {}
    for photo in repository.photos_of(session, ids):
        if photo.status == PhotoStatus.ready and photo.complaint_id not in thumbs:
            thumbs[photo.complaint_id] = photo_link(
                photo, "thumb", private=photo.complaint_id in private, viewer=viewer
            )
    categories_by_id = {c.id: c for c in (categories.get(session, i) for i in {c.category_id for c in complaints}) if c}
    wards = {a.id: a for a in (areas.get(session, i) for i in {c.area_id for c in complaints}) if a}
    return [
        ComplaintSummary(
            id=c.id,
            code=c.code,
            status=c.status,
            category=CategoryBrief.model_validate(categories_by_id[c.category_id]),
            area=AreaBrief.model_validate(wards[c.area_id]),
            description=c.description,
            submitted_at=c.submitted_at,
            thumb_url=thumbs.get(c.id),
        )
        for c in complaints
    ]
