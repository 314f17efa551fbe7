"""A demo province with a past: about 90 days of reports lived through the real services.

``generate`` plans the arrivals from a seed (pure, deterministic: the same seed gives the
same reports, photos and decisions), then plays every step of every report in time order
through the same service functions the API calls — intake, the photo pipeline, routing,
every handling action, the citizen's answers, ratings and reopenings, beat's escalations
and auto-closing — each with ``now`` set to the moment it happens. So the timeline, the
audit trail, the notifications and the IOC's figures agree with each other as they would
after three months of use; and whatever is still open at the end is the backlog, overdue
ones included.

What makes it look like a province rather than noise:

- arrivals: more on weekdays, in the morning and late afternoon, and on rainy days and
  the day after (flooding, blocked drains, potholes, fallen trees), more in the wards of
  the city than in the communes;
- handling in working time (office hours, weekends and holidays off): acknowledgement
  and resolution times drawn around the SLA allowance, some late; questions to the
  citizen that pause the clock, extensions decided by the unit's lead, reassignments,
  transfers, reports returned to the dispatcher, spam rejected, duplicates merged, photos
  taken far from the pin or used twice;
- the citizen's verdict: ratings skewed to good, some reopenings, the rest closed by beat.

The same generator serves the demo (``phananh seed-demo``), the tests (small sizes) and
the benchmarks (any size).
"""

import heapq
import io
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PIL import Image, ImageDraw
from shapely.geometry import Point, shape
from shapely.prepared import prep
from sqlmodel import Session

from service.areas.service import load_features
from service.categories import repository as categories
from service.core.errors import PhanAnhError
from service.core.settings import LOCAL_TZ
from service.demo import people
from service.demo import repository as demo_repository
from service.demo.catalogue import BACH_QUANG, PHAN_DINH_PHUNG
from service.demo.seed import WARDS_FILE
from service.identity import repository as identity
from service.identity.models import User
from service.intake import service as intake
from service.intake.schemas import ComplaintSubmission
from service.media import service as media
from service.media.storage import Storage
from service.media.uploads import Upload
from service.reports import repository as reports
from service.reports.models import Complaint, ComplaintStatus, PhotoKind, PhotoStatus, Visibility
from service.sla import escalation
from service.sla import service as sla
from service.sla.calendar import WorkingCalendar
from service.workflow import service as workflow
from service.workflow.schemas import (
    AnswerBody,
    ClearFlagsBody,
    DuplicateBody,
    ExtendBody,
    ExtensionDecisionBody,
    NoteBody,
    QuestionBody,
    RatingBody,
    ReassignBody,
    RejectBody,
    RejectKind,
    ReopenBody,
    ReturnBody,
    RouteBody,
    TransferBody,
)

# How often reports arrive, relative to the day's mean, by local hour (0-23): few at
# night, most on the way to work and on the way home.
HOURLY = [1, 0.5, 0.3, 0.3, 0.5, 2, 5, 9, 10, 8, 7, 6, 4, 4, 5, 6, 8, 9, 8, 6, 5, 4, 3, 2]
WEEKDAY = [1.1, 1.05, 1.0, 1.0, 1.0, 0.7, 0.6]  # Monday .. Sunday
# What people report (weights), and what rain adds.
CATEGORY_WEIGHTS = {
    "pothole": 14,
    "damaged_pavement": 8,
    "provincial_road": 3,
    "traffic_sign": 3,
    "flooding": 4,
    "blocked_drain": 7,
    "missing_manhole_cover": 2,
    "waste": 14,
    "wastewater": 4,
    "pollution": 5,
    "pavement_encroachment": 10,
    "illegal_construction": 4,
    "illegal_advertising": 3,
    "street_light": 8,
    "dangerous_tree": 3,
    "fallen_tree": 2,
    "public_order": 5,
    "other": 3,
}
DEMO_WARD_WEIGHTS = {BACH_QUANG: 24.0, PHAN_DINH_PHUNG: 12.0}
RAIN_BOOST = {"flooding": 6.0, "blocked_drain": 3.0, "pothole": 1.8, "fallen_tree": 4.0, "dangerous_tree": 1.5}
DESCRIPTIONS = {
    "pothole": ["Ổ gà sâu giữa đường, xe máy dễ ngã", "Mặt đường bị sụt lún, nhiều ổ gà"],
    "damaged_pavement": ["Vỉa hè bị vỡ gạch, người đi bộ khó đi", "Gạch lát vỉa hè bong tróc"],
    "provincial_road": ["Đường tỉnh bị nứt, sụt lún một bên", "Mặt cầu có vết nứt lớn"],
    "traffic_sign": ["Đèn tín hiệu giao thông không hoạt động", "Biển báo bị đổ"],
    "flooding": ["Đường ngập sâu sau mưa, xe không qua được", "Nước ngập tràn vào nhà dân"],
    "blocked_drain": ["Cống thoát nước bị tắc, bốc mùi", "Hố ga đầy rác, nước không thoát"],
    "missing_manhole_cover": ["Mất nắp hố ga trên vỉa hè, rất nguy hiểm", "Nắp cống bị vỡ"],
    "waste": ["Rác thải đổ trộm ven đường", "Điểm tập kết rác tràn ra lòng đường"],
    "wastewater": ["Nước thải chảy ra đường, mùi hôi", "Cơ sở xả nước thải ra mương"],
    "pollution": ["Khói bụi từ công trình xây dựng", "Tiếng ồn lớn vào ban đêm"],
    "pavement_encroachment": ["Hàng quán lấn chiếm vỉa hè", "Xe đỗ chiếm lòng đường"],
    "illegal_construction": ["Công trình xây dựng không phép", "Xây lấn ra hành lang giao thông"],
    "illegal_advertising": ["Quảng cáo dán trên cột điện", "Biển quảng cáo sai quy định"],
    "street_light": ["Đèn đường không sáng cả đoạn", "Cột đèn chiếu sáng bị nghiêng"],
    "dangerous_tree": ["Cây xanh nghiêng, có nguy cơ đổ", "Cành cây khô sắp gãy"],
    "fallen_tree": ["Cây đổ chắn ngang đường", "Cành cây gãy đè lên dây điện"],
    "public_order": ["Tụ tập gây mất trật tự", "Đua xe vào ban đêm"],
    "other": ["Sự việc khác cần chính quyền xem xét", "Đề nghị kiểm tra khu vực này"],
}
RESULTS = [
    "Đã cử tổ công tác xử lý xong.",
    "Đơn vị đã khắc phục, hiện trường đã được dọn dẹp.",
    "Đã sửa chữa và hoàn trả mặt bằng.",
    "Đã kiểm tra, xử lý và nhắc nhở các hộ liên quan.",
]
QUESTIONS = ["Đề nghị cho biết vị trí chính xác hơn.", "Anh/chị có thể gửi thêm ảnh hiện trường?"]
ANSWERS = ["Ở gần số nhà 25, cạnh cột điện.", "Tôi đã bổ sung thông tin, mong sớm xử lý."]
SPAM = ["test", "Quảng cáo dịch vụ cho vay", "aaaa"]


@dataclass(frozen=True)
class Fate:
    """What will happen to one report, drawn when it is planned (so the seed fixes it)."""

    spam: bool
    duplicate: bool
    ack_fraction: float  # of the acknowledgement allowance
    work_fraction: float  # of the resolution allowance
    start_hours: float
    dispatch_hours: float  # working hours before a dispatcher looks at it, when one must
    info: bool
    answer_hours: float | None  # None: the citizen never answers
    extension_days: int
    extension_approved: bool
    reassign: bool
    transfer: bool
    return_: bool
    rating: int | None
    verdict_hours: float
    reopen: bool
    private: bool


@dataclass(frozen=True)
class Arrival:
    at: datetime
    ward: str
    category: str
    lat: float
    lon: float
    citizen: int
    photos: tuple[bytes, ...]
    description: str
    fate: Fate


@dataclass
class HistoryReport:
    reports: int = 0
    steps: int = 0
    refused: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- the plan (pure)


def _photo(rng: random.Random, *, gps: tuple[float, float] | None = None) -> bytes:
    """A small picture of blocks of colour: cheap to store and process, distinct enough
    that the pipeline's perceptual hash tells two of them apart."""
    image = Image.new("RGB", (160, 120), tuple(rng.randrange(40, 216) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 140), rng.randrange(0, 100)
        w, h = rng.randrange(10, 80), rng.randrange(10, 60)
        draw.rectangle((x, y, x + w, y + h), fill=tuple(rng.randrange(0, 256) for _ in range(3)))
    exif = Image.Exif()
    if gps is not None:
        exif[0x8825] = {1: "N", 2: _dms(gps[0]), 3: "E", 4: _dms(gps[1])}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70, exif=exif)
    return buffer.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 2)


def _fate(rng: random.Random) -> Fate:
    rating = rng.choices([5, 4, 3, 2, 1, None], weights=[30, 22, 10, 5, 4, 29])[0]
    return Fate(
        spam=rng.random() < 0.03,
        duplicate=rng.random() < 0.04,
        # Lognormal around a third of the allowance; about one in ten is late.
        ack_fraction=rng.lognormvariate(math.log(0.3), 0.9),
        work_fraction=rng.lognormvariate(math.log(0.45), 0.6),
        start_hours=rng.uniform(0.2, 3),
        dispatch_hours=rng.lognormvariate(math.log(2.5), 0.9),
        info=rng.random() < 0.1,
        answer_hours=rng.uniform(2, 72) if rng.random() < 0.85 else None,
        extension_days=rng.choice([2, 3, 5]) if rng.random() < 0.07 else 0,
        extension_approved=rng.random() < 0.8,
        reassign=rng.random() < 0.05,
        transfer=rng.random() < 0.04,
        return_=rng.random() < 0.03,
        rating=rating,
        verdict_hours=rng.uniform(3, 96),
        reopen=rng.random() < 0.06,
        private=rng.random() < 0.08,
    )


class _Wards:
    """Points inside each ward's real boundary, and how likely each ward is to report."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.weights: list[float] = []
        self._shapes: dict[str, Any] = {}
        for feature in load_features(path=WARDS_FILE):
            props = feature["properties"]
            code = str(props["code"])
            geometry = shape(feature["geometry"])
            self.codes.append(code)
            # The city's wards (phường) report far more than the rural communes (xã); the
            # wards of the named demo accounts busiest of all, so whoever logs in as their
            # officers and leads finds a queue to work.
            city = str(props.get("fullName", "")).startswith("Phường")
            self.weights.append(DEMO_WARD_WEIGHTS.get(code, 4.0 if city else 1.0))
            self._shapes[code] = (prep(geometry), geometry.bounds)

    def point(self, rng: random.Random, code: str) -> tuple[float, float]:
        inside, (west, south, east, north) = self._shapes[code]
        while True:
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if inside.contains(Point(lon, lat)):
                return round(lat, 6), round(lon, 6)


def plan(*, seed: int, days: int, per_day: float, end: datetime, citizens: int) -> list[Arrival]:
    """Every report of the history, in arrival order; the same arguments, the same list."""
    rng = random.Random(seed)
    wards = _Wards()
    categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    first_day = (end.astimezone(LOCAL_TZ) - timedelta(days=days)).date()
    arrivals: list[Arrival] = []
    rained = False
    for offset in range(days + 1):
        day = first_day + timedelta(days=offset)
        # Rainy spells: rain makes rain more likely the next day.
        rains = rng.random() < (0.5 if rained else 0.2)
        wet = rains or rained
        rained = rains
        mean = per_day * WEEKDAY[day.weekday()] * (1.4 if wet else 1.0)
        todays = [w * RAIN_BOOST.get(c, 1.0) if wet else w for c, w in zip(categories, weights, strict=True)]
        for _ in range(_poisson(rng, mean)):
            hour = rng.choices(range(24), weights=HOURLY)[0]
            local = datetime.combine(day, time(hour), LOCAL_TZ) + timedelta(seconds=rng.randrange(3600))
            at = local.astimezone(UTC)
            if at >= end:
                continue
            category = rng.choices(categories, weights=todays)[0]
            ward = rng.choices(wards.codes, weights=wards.weights)[0]
            lat, lon = wards.point(rng, ward)
            fate = _fate(rng)
            if fate.duplicate:
                # Someone else reports what a neighbour reported in the last days, a few
                # metres away: the officer finds it among the duplicate candidates.
                recent = [a for a in arrivals[-300:] if a.category == category and at - a.at < timedelta(days=5)]
                if recent:
                    earlier = rng.choice(recent)
                    ward, lat, lon = earlier.ward, earlier.lat + 0.00008, earlier.lon - 0.00006
            photos = [_photo(rng) for _ in range(rng.choice([1, 1, 1, 1, 2, 3]))]
            if rng.random() < 0.04:  # taken about 3 km away from the pin
                photos[0] = _photo(rng, gps=(lat + 0.02, lon + 0.02))
            elif rng.random() < 0.03 and arrivals:  # a photo someone else already sent
                photos[0] = rng.choice(arrivals).photos[0]
            description = rng.choice(SPAM) if fate.spam else rng.choice(DESCRIPTIONS[category])
            arrivals.append(
                Arrival(
                    at=at,
                    ward=ward,
                    category=category,
                    lat=lat,
                    lon=lon,
                    citizen=min(int(rng.paretovariate(1.2)) - 1, citizens - 1),
                    photos=tuple(photos),
                    description=description,
                    fate=fate,
                )
            )
    arrivals.sort(key=lambda a: a.at)
    return arrivals


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is slow for large means; a rounded normal is close enough there.
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# ---------------------------------------------------------------- playing it


Step = Callable[["_Player", "_Life", datetime], None]


@dataclass
class _Life:
    arrival: Arrival
    complaint_id: uuid.UUID | None = None
    resolved_times: int = 0
    # Each of these happens once in a report's life, however often it comes back.
    returned: bool = False
    transferred: bool = False
    reassigned: bool = False


class _Player:
    def __init__(self, session: Session, storage: Storage, end: datetime, report: HistoryReport, citizens: int) -> None:
        self.session, self.storage, self.end, self.report = session, storage, end, report
        self.queue: list[tuple[datetime, int, _Life | None, Step]] = []
        self._seq = 0
        self.calendar: WorkingCalendar = sla.calendar(session=session)
        self.dispatcher = people.dispatcher(session)
        self.citizens = people.citizens(session, citizens)
        self.leads = people.leads_by_unit(session)
        self.colleagues = people.officers_by_unit(session)
        self.unit_codes = demo_repository.unit_codes(session)
        self.rng = random.Random(7)  # only for choices the plan could not know (whom to reassign to)

    def at(self, moment: datetime, life: _Life | None, step: Step) -> None:
        if moment < self.end:
            self._seq += 1
            heapq.heappush(self.queue, (moment, self._seq, life, step))

    def after_work(self, start: datetime, hours: float) -> datetime:
        """``hours`` of working time after ``start``: when an office gets something done."""
        return self.calendar.add(start, timedelta(hours=max(hours, 0.05)))

    def complaint(self, life: _Life) -> Complaint:
        assert life.complaint_id is not None
        complaint = reports.get(self.session, life.complaint_id)
        assert complaint is not None
        return complaint

    def attempt(self, action: Callable[..., Any], **arguments: Any) -> bool:
        """One step in a savepoint: a refusal (the report moved on meanwhile) is kept out
        of the history, as the API would have refused it."""
        self.report.steps += 1
        try:
            with self.session.begin_nested():
                action(**arguments)
        except PhanAnhError:
            self.report.refused += 1
            return False
        return True

    def act(self, action: Callable[..., Any], *, user: User, complaint_id: Any, body: Any, now: datetime) -> bool:
        """A handling action by ``user`` at ``now``, as the API would take it."""
        return self.attempt(action, session=self.session, user=user, complaint_id=complaint_id, body=body, now=now)

    def run(self, checkpoint: Callable[[], None]) -> None:
        day: date | None = None
        while self.queue:
            moment, _, life, step = heapq.heappop(self.queue)
            local_day = moment.astimezone(LOCAL_TZ).date()
            if day is not None and local_day != day:
                checkpoint()
            day = local_day
            step(self, life, moment)  # type: ignore[arg-type]


def _officer(player: _Player, complaint: Complaint) -> User | None:
    return identity.get_user(player.session, complaint.current_officer_id) if complaint.current_officer_id else None


def _citizen(player: _Player, complaint: Complaint) -> User:
    citizen = identity.get_user(player.session, complaint.citizen_id)
    assert citizen is not None
    return citizen


def _submit(player: _Player, life: _Life, now: datetime) -> None:
    arrival = life.arrival
    citizen = player.citizens[arrival.citizen]
    submitted = intake.submit(
        session=player.session,
        storage=player.storage,
        citizen=citizen,
        submission=ComplaintSubmission(
            category_code=arrival.category,
            description=arrival.description,
            lat=arrival.lat,
            lon=arrival.lon,
            accuracy_m=round(5 + 20 * (arrival.lat * 1000 % 1), 1),
            captured_at=now - timedelta(minutes=3),
            visibility=Visibility.private if arrival.fate.private else Visibility.public,
        ),
        uploads=[Upload(f"IMG_{i}.jpg", data) for i, data in enumerate(arrival.photos)],
        idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"phananh-demo/{arrival.at.isoformat()}/{arrival.ward}")),
        now=now,
    )
    life.complaint_id = submitted.complaint.id
    player.report.reports += 1
    # The photo worker takes them a few seconds later.
    player.at(now + timedelta(seconds=20), life, _process_photos)
    fate = arrival.fate
    complaint = submitted.complaint
    if complaint.status == ComplaintStatus.submitted:
        player.at(player.after_work(now, fate.dispatch_hours), life, _dispatch)
    elif fate.spam:
        player.at(player.after_work(now, 2), life, _reject)
    else:
        player.at(player.after_work(now, _ack_hours(player, complaint, fate)), life, _acknowledge)


def _ack_hours(player: _Player, complaint: Complaint, fate: Fate) -> float:
    return (complaint.ack_minutes or 480) / 60 * fate.ack_fraction


def _process_photos(player: _Player, life: _Life, now: datetime) -> None:
    assert life.complaint_id is not None
    for photo in reports.photos_of(player.session, [life.complaint_id], kind=PhotoKind.report):
        if photo.status == PhotoStatus.pending:
            media.process_photo(session=player.session, storage=player.storage, photo_id=photo.id, now=now)
    complaint = player.complaint(life)
    if (complaint.location_mismatch or complaint.reused_photo) and not life.arrival.fate.spam:
        player.at(player.after_work(now, 2.5), life, _clear_flags)


def _clear_flags(player: _Player, life: _Life, now: datetime) -> None:
    player.act(
        workflow.clear_flags,
        user=player.dispatcher,
        complaint_id=life.complaint_id,
        body=ClearFlagsBody(note="Đã kiểm tra ảnh, phản ánh hợp lệ."),
        now=now,
    )


def _dispatch(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    if life.arrival.fate.spam:
        _reject(player, life, now)
        return
    unit = player.unit_codes.get(complaint.current_unit_id or 0) or f"{life.arrival.ward}-KTHT"
    if player.act(
        workflow.route,
        user=player.dispatcher,
        complaint_id=complaint.id,
        body=RouteBody(unit_code=unit, note="Điều phối về đơn vị phụ trách địa bàn."),
        now=now,
    ):
        player.at(player.after_work(now, _ack_hours(player, complaint, life.arrival.fate)), life, _acknowledge)


def _reject(player: _Player, life: _Life, now: datetime) -> None:
    player.act(
        workflow.reject,
        user=player.dispatcher,
        complaint_id=life.complaint_id,
        body=RejectBody(kind=RejectKind.spam, reason="Nội dung không phải phản ánh hiện trường."),
        now=now,
    )


def _acknowledge(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    officer = _officer(player, complaint)
    fate = life.arrival.fate
    if officer is None:
        return
    if fate.return_ and not life.returned and complaint.current_unit_id is not None:
        life.returned = True
        if player.act(
            workflow.return_to_dispatcher,
            user=officer,
            complaint_id=complaint.id,
            body=ReturnBody(reason="Không thuộc thẩm quyền của đơn vị."),
            now=now,
        ):
            player.at(player.after_work(now, fate.dispatch_hours), life, _dispatch)
        return
    if fate.transfer and not life.transferred:
        life.transferred = True
        other = _another_unit(player, complaint, life.arrival.ward)
        if other and player.act(
            workflow.transfer,
            user=officer,
            complaint_id=complaint.id,
            body=TransferBody(unit_code=other, reason="Chuyển đơn vị đúng chức năng."),
            now=now,
        ):
            moved = player.complaint(life)
            player.at(player.after_work(now, _ack_hours(player, moved, fate)), life, _acknowledge_only)
        return
    if fate.reassign and not life.reassigned and _reassign(player, complaint, now):
        life.reassigned = True
        player.at(player.after_work(now, 1), life, _acknowledge_only)
        return
    _acknowledge_only(player, life, now)


def _acknowledge_only(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    officer = _officer(player, complaint)
    if officer is None:
        return
    if player.act(
        workflow.acknowledge,
        user=officer,
        complaint_id=complaint.id,
        body=NoteBody(),
        now=now,
    ):
        if life.arrival.fate.duplicate and not life.resolved_times and _merge_duplicate(player, life, officer, now):
            return
        player.at(player.after_work(now, life.arrival.fate.start_hours), life, _start)


def _another_unit(player: _Player, complaint: Complaint, ward: str) -> str | None:
    """Where an officer sends a report that is not their unit's: another unit of its ward."""
    here = player.unit_codes.get(complaint.current_unit_id or 0)
    known = set(player.unit_codes.values())
    candidates = (f"{ward}-{suffix}" for suffix in ("DVTH", "KTHT", "CA"))
    return next((code for code in candidates if code != here and code in known), None)


def _reassign(player: _Player, complaint: Complaint, now: datetime) -> bool:
    lead = player.leads.get(complaint.current_unit_id or 0)
    others = [
        o for o in player.colleagues.get(complaint.current_unit_id or 0, []) if o.id != complaint.current_officer_id
    ]
    if lead is None or not others:
        return False
    return player.act(
        workflow.reassign,
        user=lead,
        complaint_id=complaint.id,
        body=ReassignBody(officer_id=player.rng.choice(others).id, reason="Cân đối công việc trong đơn vị."),
        now=now,
    )


def _merge_duplicate(player: _Player, life: _Life, officer: User, now: datetime) -> bool:
    complaint = player.complaint(life)
    category = categories.get(player.session, complaint.category_id)
    assert category is not None
    lat, lon = reports.coordinates(player.session, complaint.id)
    found = reports.open_reports_near(
        player.session,
        category=category,
        lat=lat,
        lon=lon,
        exclude=complaint.id,
        limit=1,
    )
    if not found:
        return False
    original, _ = found[0]
    return player.act(
        workflow.mark_duplicate,
        user=officer,
        complaint_id=complaint.id,
        body=DuplicateBody(original_code=original.code, note="Trùng với phản ánh đã tiếp nhận."),
        now=now,
    )


def _start(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    officer = _officer(player, complaint)
    fate = life.arrival.fate
    if officer is None or not player.attempt(
        workflow.start, session=player.session, user=officer, complaint_id=complaint.id, body=NoteBody(), now=now
    ):
        return
    if fate.info and not life.resolved_times:
        player.at(player.after_work(now, 1), life, _ask)
        return
    if fate.extension_days and not life.resolved_times and complaint.current_unit_id in player.leads:
        player.at(player.after_work(now, 3), life, _ask_for_time)
    _schedule_resolution(player, life, now)


def _schedule_resolution(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    fate = life.arrival.fate
    allowed = (complaint.resolve_minutes or 1350) / 60
    # A second fix (after a reopening) is quicker; an extension is used, not wasted.
    fraction = fate.work_fraction * (0.5 if life.resolved_times else 1.0)
    player.at(player.after_work(now, allowed * fraction), life, _resolve)


def _ask(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    officer = _officer(player, complaint)
    if officer is None or not player.act(
        workflow.request_info,
        user=officer,
        complaint_id=complaint.id,
        body=QuestionBody(question=player.rng.choice(QUESTIONS)),
        now=now,
    ):
        return
    hours = life.arrival.fate.answer_hours
    if hours is not None:
        player.at(_awake(now + timedelta(hours=hours)), life, _answer)


def _answer(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    if player.act(
        workflow.answer,
        user=_citizen(player, complaint),
        complaint_id=complaint.id,
        body=AnswerBody(answer=player.rng.choice(ANSWERS)),
        now=now,
    ):
        _schedule_resolution(player, life, now)


def _ask_for_time(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    officer = _officer(player, complaint)
    fate = life.arrival.fate
    if officer is None or not player.act(
        workflow.request_extension,
        user=officer,
        complaint_id=complaint.id,
        body=ExtendBody(working_days=fate.extension_days, reason="Cần thêm thời gian phối hợp với đơn vị thi công."),
        now=now,
    ):
        return
    player.at(player.after_work(now, 2), life, _decide_extension)


def _decide_extension(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    lead = player.leads.get(complaint.current_unit_id or 0)
    if lead is None:
        return
    approved = life.arrival.fate.extension_approved
    player.act(
        workflow.decide_extension,
        user=lead,
        complaint_id=complaint.id,
        body=ExtensionDecisionBody(approve=approved, note=None if approved else "Đề nghị hoàn thành đúng hạn."),
        now=now,
    )


def _resolve(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    officer = _officer(player, complaint)
    if officer is None or complaint.status not in (ComplaintStatus.in_progress, ComplaintStatus.acknowledged):
        return
    rng = random.Random(f"{complaint.code}/{life.resolved_times}")
    if not player.attempt(
        workflow.resolve,
        session=player.session,
        storage=player.storage,
        user=officer,
        complaint_id=complaint.id,
        result=rng.choice(RESULTS),
        uploads=[Upload("after.jpg", _photo(rng))],
        now=now,
    ):
        return
    life.resolved_times += 1
    assert life.complaint_id is not None
    for photo in reports.photos_of(player.session, [life.complaint_id], kind=PhotoKind.result):
        if photo.status == PhotoStatus.pending:
            media.process_photo(session=player.session, storage=player.storage, photo_id=photo.id, now=now)
    fate = life.arrival.fate
    verdict = _awake(now + timedelta(hours=fate.verdict_hours))
    if fate.reopen and life.resolved_times == 1:
        player.at(verdict, life, _reopen)
    elif fate.rating is not None:
        player.at(verdict, life, _rate)
    # Otherwise beat closes it when the days for a verdict have passed.


def _rate(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    rating = life.arrival.fate.rating or 4
    player.act(
        workflow.rate,
        user=_citizen(player, complaint),
        complaint_id=complaint.id,
        body=RatingBody(rating=rating, comment="Cảm ơn đơn vị đã xử lý." if rating >= 4 else "Xử lý chưa triệt để."),
        now=now,
    )


def _reopen(player: _Player, life: _Life, now: datetime) -> None:
    complaint = player.complaint(life)
    if player.act(
        workflow.reopen,
        user=_citizen(player, complaint),
        complaint_id=complaint.id,
        body=ReopenBody(reason="Vẫn chưa được khắc phục."),
        now=now,
    ):
        reopened = player.complaint(life)
        player.at(player.after_work(now, _ack_hours(player, reopened, life.arrival.fate)), life, _acknowledge_only)


def _awake(moment: datetime) -> datetime:
    """People answer between 06:00 and 22:00: a moment at night moves to the morning."""
    local = moment.astimezone(LOCAL_TZ)
    if local.hour < 6:
        local = local.replace(hour=6, minute=local.minute)
    elif local.hour >= 22:
        local = (local + timedelta(days=1)).replace(hour=6 + local.hour - 22)
    return local.astimezone(UTC)


# Beat: the escalation scan (every minute in production; every two hours is enough for
# a history) and the nightly auto-close.


def _escalate(player: _Player, _: _Life | None, now: datetime) -> None:
    for due in escalation.scan(session=player.session, now=now):
        escalation.fire(session=player.session, due=due, now=now)
    player.at(now + timedelta(hours=2), None, _escalate)


def _close_unrated(player: _Player, _: _Life | None, now: datetime) -> None:
    while workflow.close_unrated(session=player.session, now=now) == 500:
        pass
    player.at(now + timedelta(days=1), None, _close_unrated)


def generate(
    *,
    session: Session,
    storage: Storage,
    seed: int = 2026,
    days: int = 90,
    per_day: float = 40,
    end: datetime,
    checkpoint: Callable[[], None] | None = None,
) -> HistoryReport:
    """Play ``days`` of reports up to ``end`` through the services; ``checkpoint`` is called
    at each local midnight (the command commits there, so a history is written a day at a
    time; tests leave it out and roll everything back)."""
    report = HistoryReport()
    arrivals = plan(seed=seed, days=days, per_day=per_day, end=end, citizens=max(20, int(days * per_day / 3)))
    residents = max((a.citizen for a in arrivals), default=-1) + 1
    people.ensure_staff(session, seed=seed)
    people.ensure_citizens(session, count=residents, seed=seed)
    player = _Player(session, storage, end, report, residents)
    for arrival in arrivals:
        player.at(arrival.at, _Life(arrival), _submit)
    if arrivals:
        first = arrivals[0].at
        player.at(first + timedelta(hours=1), None, _escalate)
        nightly = datetime.combine(first.astimezone(LOCAL_TZ).date() + timedelta(days=1), time(1), LOCAL_TZ)
        player.at(nightly.astimezone(UTC), None, _close_unrated)
    player.run(checkpoint or (lambda: None))
    session.flush()
    report.by_status = demo_repository.count_by_status(session)
    return report


def default_end() -> datetime:
    """The history ends now (the demo's backlog is today's)."""
    return datetime.now(UTC).replace(microsecond=0)
