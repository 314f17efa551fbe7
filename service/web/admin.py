"""The admin pages: units, categories, routing rules, SLA policies, reply templates and users.

One generic set of pages over a table of sections. A section names the keyword-only
service functions the admin API's routes call for listing, reading, creating, changing
and deleting, so an edit made here is validated, refused and audited exactly as the same
edit through ``/api/v1/admin/...``; its forms are built from the same pydantic bodies.
Only admins open these pages (``policies.Page.admin``).

A refused form is shown again with what was typed and the refusal next to its field: no
row is written and nothing typed is lost.
"""

import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any

from annotated_types import MaxLen
from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, EmailStr, ValidationError
from sqlmodel import Session

from service.accounts import service as accounts
from service.accounts.schemas import UnitBrief, UserCreate, UserRead, UserUpdate
from service.areas import repository as areas
from service.categories import repository as categories
from service.categories import service as categories_service
from service.categories.schemas import (
    CategoryCreate,
    CategoryGroupCreate,
    CategoryGroupRead,
    CategoryRead,
    CategoryUpdate,
)
from service.core.database import SessionDep
from service.core.errors import PhanAnhError
from service.core.schemas import INT_MAX, IdPath
from service.core.timeutil import format_local
from service.identity.models import User
from service.replies import placeholders
from service.replies import service as replies
from service.replies.schemas import ReplyTemplateCreate, ReplyTemplateRead, ReplyTemplateUpdate
from service.routing import admin as rules
from service.routing.schemas import RuleCreate, RuleRead, RuleUpdate
from service.sla import router as sla
from service.sla.schemas import PolicyCreate, PolicyRead
from service.units import repository as units
from service.units import service as units_service
from service.units.schemas import UnitCreate, UnitRead, UnitUpdate
from service.web import session as cookies
from service.web.labels import CATALOGUE
from service.web.labels import label as words
from service.web.policies import Page
from service.web.router import page_user, render, translator

router = APIRouter(prefix="/web/admin", include_in_schema=False)
AdminPageUser = Annotated[User, Depends(page_user(Page.admin))]

# How many rows a list shows; a search narrows the rest down.
SHOWN = 200

# (session, language) -> (value, words) pairs: a picker's options, or how codes show in a list.
Choices = Callable[[Session, str], list[tuple[str, str]]]
# What an admin edit may be refused with: the body's validation or the service's rules.
Refusal = ValidationError | PhanAnhError

# The vocabulary of service/web/labels.py each enum's values are worded in.
VOCABULARY: dict[type[Enum], str] = {}
for _kind, (_, _enum) in CATALOGUE.items():
    if _enum is not None:
        VOCABULARY.setdefault(_enum, _kind)

# Column and field names as people read them.
LABELS: dict[str, tuple[str, str]] = {
    "code": ("Mã", "Code"),
    "name": ("Tên", "Name (Vietnamese)"),
    "name_en": ("Tên tiếng Anh", "English name"),
    "kind": ("Loại", "Kind"),
    "phone": ("Điện thoại", "Phone"),
    "email": ("Thư điện tử", "E-mail"),
    "is_active": ("Đang hoạt động", "Active"),
    "areas": ("Phường, xã phụ trách", "Wards covered"),
    "area_codes": ("Phường, xã phụ trách", "Wards covered"),
    "group": ("Nhóm", "Group"),
    "group_code": ("Nhóm lĩnh vực", "Category group"),
    "description": ("Mô tả", "Description"),
    "description_en": ("Mô tả tiếng Anh", "English description"),
    "default_priority": ("Mức ưu tiên mặc định", "Default priority"),
    "sort_order": ("Thứ tự hiển thị", "Display order"),
    "category_code": ("Lĩnh vực", "Category"),
    "area_code": ("Phường, xã (trống: cả tỉnh)", "Ward (empty: whole province)"),
    "unit_code": ("Đơn vị", "Unit"),
    "unit_id": ("Đơn vị", "Unit"),
    "unit": ("Đơn vị", "Unit"),
    "order": ("Thứ tự áp dụng", "Order"),
    "note": ("Ghi chú", "Note"),
    "priority": ("Mức ưu tiên (trống: mọi mức)", "Priority (empty: any)"),
    "ack_hours": ("Giờ làm việc để tiếp nhận", "Working hours to acknowledge"),
    "resolve_hours": ("Giờ làm việc để xử lý", "Working hours to resolve"),
    "username": ("Tên đăng nhập", "Username"),
    "full_name": ("Họ tên", "Full name"),
    "password": ("Mật khẩu", "Password"),
    "role": ("Vai trò", "Role"),
    "language": ("Ngôn ngữ", "Language"),
    "last_login_at": ("Đăng nhập gần nhất", "Last login"),
    "title": ("Tiêu đề", "Title"),
    "purpose": ("Dùng cho", "Used for"),
    # A reply template's texts: the label lists the placeholders they may hold.
    "body_vi": (
        f"Nội dung tiếng Việt — chỗ trống: {placeholders.hint('vi')}",
        f"Vietnamese text — placeholders: {placeholders.hint('en')}",
    ),
    "body_en": (
        f"Nội dung tiếng Anh — chỗ trống: {placeholders.hint('vi')}",
        f"English text — placeholders: {placeholders.hint('en')}",
    ),
}


# Column headings that differ from the form's label (an empty cell says its meaning itself).
COLUMNS: dict[str, tuple[str, str]] = {
    "area_code": ("Phường, xã", "Ward"),
    "priority": ("Mức ưu tiên", "Priority"),
    "body_vi": ("Nội dung tiếng Việt", "Vietnamese text"),
}


def field_label(name: str, lang: str) -> str:
    """A field's name in words (the templates' ``label`` is the vocabularies')."""
    vi, en = LABELS[name]
    return en if lang == "en" else vi


def column_label(name: str, lang: str) -> str:
    vi, en = COLUMNS.get(name) or LABELS[name]
    return en if lang == "en" else vi


def _in(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


@dataclass(frozen=True)
class Section:
    key: str
    title: tuple[str, str]
    read: type[BaseModel]
    columns: tuple[str, ...]
    # (session, admin, search text, offset) -> (up to SHOWN rows from offset, how many in all)
    list_rows: Callable[[Session, User, str | None, int], tuple[Sequence[Any], int]]
    get: Callable[[Session, User, int], Any] | None = None
    create_body: type[BaseModel] | None = None
    create: Callable[[Session, User, Any], Any] | None = None
    update_body: type[BaseModel] | None = None
    update: Callable[[Session, User, int, Any], Any] | None = None
    delete: Callable[[Session, User, int], Any] | None = None
    # Fields picked from a list rather than typed: field name -> (value, label) pairs.
    choices: Mapping[str, Choices] = field(default_factory=dict)
    # Columns holding another table's code, shown by that row's name: column -> (code, name) pairs.
    names: Mapping[str, Choices] = field(default_factory=dict)
    # What an empty cell means, where it means something: column -> (vi, en).
    blank: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # A row's values as the edit form shows them, where they differ from the read model's.
    current: Callable[[BaseModel], dict[str, Any]] = lambda read: {}
    search_hint: tuple[str, str] | None = None


def _units(session: Session, lang: str) -> list[tuple[str, str]]:
    return [(str(u.id), f"{u.code} — {_in(lang, u.name, u.name_en)}") for u in units.active(session)]


def _wards(session: Session, lang: str) -> list[tuple[str, str]]:
    return [(a.code, f"{_in(lang, a.full_name, a.full_name_en)} ({a.code})") for a in areas.list_areas(session)]


def _categories(session: Session, lang: str) -> list[tuple[str, str]]:
    return [(c.code, _in(lang, c.name, c.name_en)) for c in categories.list_categories(session, include_inactive=True)]


def _groups(session: Session, lang: str) -> list[tuple[str, str]]:
    return [(g.code, _in(lang, g.name, g.name_en)) for g in categories.list_groups(session)]


def _matches(text: str | None, *values: Any) -> bool:
    return not text or any(text.lower() in str(v or "").lower() for v in values)


def _filtered(
    rows: Sequence[Any],
    q: str | None,
    offset: int,
    *names: str,
    session: Session | None = None,
    shown: Mapping[str, Choices] | None = None,
) -> tuple[Sequence[Any], int]:
    """Search and page a list the API answers whole (it is short: tens to hundreds of rows).
    A column shown by name (``shown``) is found by its names in both languages too."""
    words_of: dict[str, dict[str, list[str]]] = {}
    if q and session is not None:
        for column, choices in (shown or {}).items():
            for lang in ("vi", "en"):
                for code, text in choices(session, lang):
                    words_of.setdefault(column, {}).setdefault(code, []).append(text)

    def values(row: Any) -> list[Any]:
        found = [getattr(row, n) for n in names]
        return found + [w for n in names for w in words_of.get(n, {}).get(str(getattr(row, n)), [])]

    kept = [r for r in rows if _matches(q, *values(r))]
    return kept[offset : offset + SHOWN], len(kept)


def _page(page: Any) -> tuple[Sequence[Any], int]:
    return page.items, page.total


RULE_NAMES: dict[str, Choices] = {"category_code": _categories, "group_code": _groups, "area_code": _wards}

SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section(
            key="units",
            title=("Đơn vị xử lý", "Units"),
            read=UnitRead,
            columns=("code", "name", "kind", "phone", "is_active", "areas"),
            list_rows=lambda s, a, q, offset: _page(
                units_service.search(session=s, query=q, kind=None, area_code=None, offset=offset, limit=SHOWN)
            ),
            get=lambda s, a, i: units_service.read(session=s, unit_id=i),
            create_body=UnitCreate,
            create=lambda s, a, body: units_service.create(session=s, data=body),
            update_body=UnitUpdate,
            update=lambda s, a, i, body: units_service.update(session=s, unit_id=i, data=body),
            delete=lambda s, a, i: units_service.delete(session=s, unit_id=i),
            choices={"area_codes": _wards},
            current=lambda read: {"area_codes": [area.code for area in read.areas]},  # type: ignore[attr-defined]
            search_hint=("mã hoặc tên", "code or name"),
        ),
        Section(
            key="category-groups",
            title=("Nhóm lĩnh vực", "Category groups"),
            read=CategoryGroupRead,
            columns=("name", "name_en", "sort_order"),
            list_rows=lambda s, a, q, offset: _filtered(
                categories_service.list_groups(session=s), q, offset, "code", "name", "name_en"
            ),
            create_body=CategoryGroupCreate,
            create=lambda s, a, body: categories_service.create_group(session=s, data=body),
        ),
        Section(
            key="categories",
            title=("Lĩnh vực phản ánh", "Categories"),
            read=CategoryRead,
            columns=("name", "group", "default_priority", "is_active", "sort_order"),
            list_rows=lambda s, a, q, offset: _filtered(
                categories_service.list_categories(session=s, include_inactive=True),
                q,
                offset,
                *("code", "name", "name_en"),
            ),
            get=lambda s, a, i: categories_service.get(session=s, category_id=i),
            create_body=CategoryCreate,
            create=lambda s, a, body: categories_service.create(session=s, data=body),
            update_body=CategoryUpdate,
            update=lambda s, a, i, body: categories_service.update(session=s, category_id=i, data=body),
            delete=lambda s, a, i: categories_service.delete(session=s, category_id=i),
            choices={"group_code": _groups},
            current=lambda read: {"group_code": read.group.code},  # type: ignore[attr-defined]
            search_hint=("mã hoặc tên", "code or name"),
        ),
        Section(
            key="routing-rules",
            title=("Quy tắc điều phối", "Routing rules"),
            read=RuleRead,
            columns=("category_code", "group_code", "area_code", "unit_code", "order", "is_active", "note"),
            list_rows=lambda s, a, q, offset: _filtered(
                rules.find_rules(session=s, area_code=None, unit_id=None),
                q,
                offset,
                *("category_code", "group_code", "area_code", "unit_code", "note"),
                session=s,
                shown=RULE_NAMES,
            ),
            create_body=RuleCreate,
            create=lambda s, a, body: rules.add_rule(session=s, data=body),
            get=lambda s, a, i: rules.get_rule(session=s, rule_id=i),
            update_body=RuleUpdate,
            update=lambda s, a, i, body: rules.change_rule(session=s, rule_id=i, data=body),
            delete=lambda s, a, i: rules.remove_rule(session=s, rule_id=i),
            choices={"category_code": _categories, "group_code": _groups, "area_code": _wards, "unit_id": _units},
            names=RULE_NAMES,
            blank={"area_code": ("Cả tỉnh", "Whole province")},
            search_hint=("lĩnh vực, phường hoặc đơn vị", "category, ward or unit"),
        ),
        Section(
            key="sla-policies",
            title=("Thời hạn xử lý (SLA)", "SLA policies"),
            read=PolicyRead,
            columns=("category_code", "priority", "ack_hours", "resolve_hours"),
            list_rows=lambda s, a, q, offset: _filtered(
                sla.policies(session=s),
                q,
                offset,
                "category_code",
                "priority",
                session=s,
                shown={"category_code": _categories},
            ),
            create_body=PolicyCreate,
            create=lambda s, a, body: sla.add_policy(session=s, data=body),
            delete=lambda s, a, i: sla.remove_policy(session=s, policy_id=i),
            choices={"category_code": _categories},
            names={"category_code": _categories},
            blank={"category_code": ("Mọi lĩnh vực", "Every category"), "priority": ("Mọi mức", "Any priority")},
        ),
        Section(
            key="reply-templates",
            title=("Mẫu trả lời", "Reply templates"),
            read=ReplyTemplateRead,
            # The Vietnamese text only: an English one on a Vietnamese page reads as codes.
            columns=("title", "purpose", "category_code", "is_active", "body_vi"),
            list_rows=lambda s, a, q, offset: _filtered(
                replies.list_templates(session=s),
                q,
                offset,
                *("title", "category_code", "body_vi", "body_en"),
                session=s,
                shown={"category_code": _categories},
            ),
            get=lambda s, a, i: replies.get(session=s, template_id=i),
            create_body=ReplyTemplateCreate,
            create=lambda s, a, body: replies.create(session=s, data=body),
            update_body=ReplyTemplateUpdate,
            update=lambda s, a, i, body: replies.update(session=s, template_id=i, data=body),
            delete=lambda s, a, i: replies.delete(session=s, template_id=i),
            choices={"category_code": _categories},
            names={"category_code": _categories},
            blank={"category_code": ("Mọi lĩnh vực", "Every category")},
            search_hint=("tiêu đề, lĩnh vực hoặc nội dung", "title, category or text"),
        ),
        Section(
            key="users",
            title=("Tài khoản", "Users"),
            read=UserRead,
            columns=("username", "full_name", "role", "unit", "is_active", "last_login_at"),
            list_rows=lambda s, a, q, offset: _page(
                accounts.list_users(session=s, role=None, unit_id=None, query=q, offset=offset, limit=SHOWN)
            ),
            get=lambda s, a, i: accounts.get_user(session=s, user_id=i),
            create_body=UserCreate,
            create=lambda s, a, body: accounts.create_user(session=s, data=body),
            update_body=UserUpdate,
            update=lambda s, a, i, body: accounts.update_user(session=s, actor=a, user_id=i, data=body),
            choices={"unit_id": _units},
            current=lambda read: {"unit_id": read.unit.id if read.unit else None},  # type: ignore[attr-defined]
            search_hint=("tên đăng nhập, họ tên hoặc số điện thoại", "username, name or phone"),
        ),
    )
}


# --- forms from pydantic bodies ---------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text | number | email | password | select | multiple
    required: bool
    value: str | list[str] = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    step: str | None = None
    maxlength: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class FormError:
    """The line at the top of a refused form: words, and the refusal's stable code for
    machines and tests (``data-code``), which nobody reads."""

    text: str
    code: str


def _bare(annotation: Any) -> tuple[Any, bool]:
    """The type under ``Annotated[...]`` and ``X | None``, and whether None is allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (UnionType, typing.Union):
            args = [a for a in typing.get_args(annotation) if a is not NoneType]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _text(value: Any) -> str | list[str]:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def _enum_options(enum: type[Enum], lang: str) -> list[tuple[str, str]]:
    return [(str(m.value), words(VOCABULARY[enum], m.value, lang)) for m in enum]


def form_fields(
    session: Session, section: Section, body: type[BaseModel], values: Mapping[str, Any], lang: str
) -> list[FormField]:
    """The body's fields as inputs. A choice that may be left empty starts with "—"; a
    required one offers no answer until the admin picks (the template adds "— Chọn —")."""
    t = translator(lang)
    fields = []
    for name, info in body.model_fields.items():
        kind, optional = _bare(info.annotation)
        spec = FormField(name=name, kind="text", required=info.is_required())
        spec.maxlength = next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)
        empty = [("", "—")] if not spec.required else []
        if name in section.choices:
            spec.kind = "multiple" if typing.get_origin(kind) is list else "select"
            spec.options = (empty if spec.kind == "select" else []) + section.choices[name](session, lang)
        elif isinstance(kind, type) and issubclass(kind, Enum):
            spec.kind = "select"
            spec.options = ([("", "—")] if optional else []) + _enum_options(kind, lang)
        elif kind is bool:
            spec.kind = "select"
            spec.options = ([("", "—")] if optional else []) + [("true", t("Có", "Yes")), ("false", t("Không", "No"))]
        elif kind in (int, float):
            spec.kind, spec.step = "number", "1" if kind is int else "any"
        elif kind is EmailStr:
            spec.kind = "email"
        elif "password" in name:
            spec.kind = "password"
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        spec.value = _text(values.get(name, default)) if spec.kind != "password" else ""
        fields.append(spec)
    return fields


def _submitted(form: Any, spec: FormField) -> str | list[str]:
    if spec.kind == "multiple":
        return [v for v in form.getlist(spec.name) if v]
    return str(form.get(spec.name) or "").strip()


def _changes(fields: list[FormField], form: Any, *, editing: bool) -> dict[str, Any]:
    """The body's input: on a new row every field filled in; on an edit only the fields
    posted that changed (a field emptied is cleared, which the API refuses where a value
    is required; a field not posted at all is left alone)."""
    data: dict[str, Any] = {}
    for spec in fields:
        if editing and spec.name not in form:
            continue
        value = _submitted(form, spec)
        if editing:
            same = sorted(value) == sorted(spec.value) if spec.kind == "multiple" else value == spec.value
            if not same and not (spec.kind == "password" and not value):
                data[spec.name] = value if value not in ("", []) or spec.kind == "multiple" else None
        elif value not in ("", []) or spec.kind == "multiple":
            data[spec.name] = value
        spec.value = value if spec.kind != "password" else ""
    return data


# Pydantic's refusals in words, by its error type; ``{...}`` are the error's context.
PROBLEMS: dict[str, tuple[str, str]] = {
    "missing": ("cần điền", "is required"),
    "string_too_short": ("cần ít nhất {min_length} ký tự", "needs at least {min_length} characters"),
    "string_too_long": ("chỉ được tối đa {max_length} ký tự", "takes at most {max_length} characters"),
    "string_pattern_mismatch": (
        "chỉ dùng chữ không dấu, chữ số và các dấu được phép, không có dấu cách",
        "use only unaccented letters, digits and the allowed signs, no spaces",
    ),
    "too_short": ("cần ít nhất {min_length} mục", "needs at least {min_length} items"),
    "greater_than": ("phải lớn hơn {gt}", "must be more than {gt}"),
    "greater_than_equal": ("phải từ {ge} trở lên", "must be {ge} or more"),
    "less_than": ("phải nhỏ hơn {lt}", "must be less than {lt}"),
    "less_than_equal": ("phải không quá {le}", "must be {le} or less"),
    "int_parsing": ("phải là số nguyên", "must be a whole number"),
    "int_from_float": ("phải là số nguyên", "must be a whole number"),
    "float_parsing": ("phải là số", "must be a number"),
    "bool_parsing": ("phải là Có hoặc Không", "must be Yes or No"),
    "enum": ("không phải một lựa chọn có sẵn", "is not one of the choices"),
    "value_error": ("không hợp lệ", "is not valid"),
}


def _problem(problem: Mapping[str, Any], lang: str) -> str:
    vi, en = PROBLEMS.get(problem["type"], ("không hợp lệ", "is not valid"))
    try:
        return _in(lang, vi, en).format(**problem.get("ctx", {}))
    except (KeyError, IndexError):
        return _in(lang, vi, en)


def _field_errors(fields: list[FormField], error: Refusal, lang: str) -> FormError:
    """Put each refusal next to its field; the line for the top of the form."""
    by_name = {f.name: f for f in fields}
    t = translator(lang)
    if isinstance(error, ValidationError):
        lines = []
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            said = _problem(problem, lang)
            if name in by_name:
                by_name[name].error = said
            lines.append(f"{field_label(name, lang)}: {said}" if name in LABELS else said)
        return FormError(t("Dữ liệu chưa hợp lệ — ", "Invalid input — ") + "; ".join(lines), "invalid_input")
    message = t(error.detail_message, error.detail_message_en)
    if error.field in by_name:
        by_name[error.field].error = message
    return FormError(message, error.detail_code)


# --- cells ---------------------------------------------------------------------------------


class Cells:
    """How a read model's values show in a list or on a row's page, in ``lang``: enums in
    words, other tables' codes by name (``Section.names``), nested rows by name."""

    def __init__(self, session: Session, section: Section, lang: str) -> None:
        self.lang = lang
        self.names = {column: dict(choices(session, lang)) for column, choices in section.names.items()}
        self.blank = section.blank

    def __call__(self, row: BaseModel, column: str) -> str:
        value = getattr(row, column)
        if value is None and column in self.blank:
            return _in(self.lang, *self.blank[column])
        if column in self.names and value is not None:
            return self.names[column].get(str(value), str(value))
        return self.shown(value)

    def shown(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "✓" if value else "✗"
        if isinstance(value, Enum):
            return words(VOCABULARY[type(value)], value.value, self.lang)
        if isinstance(value, datetime):
            return format_local(value)
        if isinstance(value, float):
            return format_decimal(value, locale="en" if self.lang == "en" else "vi")  # "1,5" in Vietnamese
        if isinstance(value, list):
            shown = [self.shown(v) for v in value[:6]]
            return ", ".join(shown) + (f" … (+{len(value) - 6})" if len(value) > 6 else "")
        if isinstance(value, UnitBrief):
            return value.code  # short, and what staff call a unit
        if isinstance(value, BaseModel):
            name, name_en = getattr(value, "name", None), getattr(value, "name_en", None)
            if name is not None:
                return _in(self.lang, name, name_en or name)
            return str(getattr(value, "code", value))
        return str(value)


def heading(read: BaseModel, row_id: int, lang: str) -> str:
    """What a row's page is called: its name (a template's title), or its login name, or its number."""
    name = getattr(read, "name", None) or getattr(read, "title", None)
    if name is not None:
        return _in(lang, name, getattr(read, "name_en", None) or name)
    return str(getattr(read, "username", None) or f"#{row_id}")


# --- pages -----------------------------------------------------------------------------------


def _rows(
    session: Session, section: Section, admin: User, q: str | None, offset: int = 0
) -> tuple[list[BaseModel], int]:
    rows, total = section.list_rows(session, admin, q, offset)
    return [section.read.model_validate(row) for row in rows], total


def _values(section: Section, read: BaseModel) -> dict[str, Any]:
    return {**read.model_dump(), **section.current(read)}


def _lang(request: Request) -> str:
    return request.cookies.get(cookies.LANG_COOKIE, "vi")


async def _attempt(session: Session, work: Callable[[], Any]) -> tuple[int, Refusal] | None:
    """Run one admin edit; on a refusal undo it and answer (status, refusal)."""
    try:
        await run_in_threadpool(work)
        session.flush()
    except (ValidationError, PhanAnhError) as refusal:
        session.rollback()
        return (422 if isinstance(refusal, ValidationError) else refusal.status_code), refusal
    return None


def _done(path: str, text: str) -> Response:
    response = RedirectResponse(f"/web/admin/{path}", status_code=303)
    cookies.flash(response, text)
    return response


@router.get("")
def admin_home(request: Request, admin: AdminPageUser) -> Response:
    return render(request, "admin_index.html", user=admin, sections=SECTIONS.values())


def _list_page(
    request: Request,
    session: Session,
    admin: User,
    section: Section,
    q: str | None,
    *,
    offset: int = 0,
    fields: list[FormField] | None = None,
    error: FormError | None = None,
    status: int = 200,
) -> Response:
    rows, total = _rows(session, section, admin, q, offset)
    if fields is None and section.create_body is not None:
        fields = form_fields(session, section, section.create_body, {}, _lang(request))
    return render(
        request,
        "admin_list.html",
        user=admin,
        section=section,
        rows=rows,
        total=total,
        offset=offset,
        shown=SHOWN,
        q=q or "",
        fields=fields,
        error=error,
        cell=Cells(session, section, _lang(request)),
        field_label=field_label,
        column_label=column_label,
        status=status,
    )


@router.get("/{key}")
def admin_list(
    request: Request,
    key: str,
    admin: AdminPageUser,
    session: SessionDep,
    q: str | None = None,
    offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
) -> Response:
    if key not in SECTIONS:
        return render(request, "error.html", user=admin, status=404, code="not_found")
    return _list_page(request, session, admin, SECTIONS[key], (q or "").strip()[:64] or None, offset=offset)


@router.post("/{key}")
async def admin_create(request: Request, key: str, admin: AdminPageUser, session: SessionDep) -> Response:
    form = await request.form()
    cookies.check_csrf(request, str(form.get("csrf") or ""))
    section = SECTIONS.get(key)
    if section is None or section.create is None or section.create_body is None:
        return render(request, "error.html", user=admin, status=404, code="not_found")
    fields = form_fields(session, section, section.create_body, {}, _lang(request))
    data = _changes(fields, form, editing=False)
    body = section.create_body
    create = section.create
    refused = await _attempt(session, lambda: create(session, admin, body.model_validate(data)))
    if refused:
        status, refusal = refused
        error = _field_errors(fields, refusal, _lang(request))
        return _list_page(request, session, admin, section, None, fields=fields, error=error, status=status)
    return _done(key, translator(_lang(request))("Đã tạo.", "Created."))


def _edit_page(
    request: Request,
    session: Session,
    admin: User,
    section: Section,
    row_id: int,
    read: BaseModel,
    *,
    fields: list[FormField] | None = None,
    error: FormError | None = None,
    status: int = 200,
) -> Response:
    if fields is None and section.update_body is not None:
        fields = form_fields(session, section, section.update_body, _values(section, read), _lang(request))
    return render(
        request,
        "admin_edit.html",
        user=admin,
        section=section,
        row_id=row_id,
        read=read,
        heading=heading(read, row_id, _lang(request)),
        fields=fields,
        error=error,
        cell=Cells(session, section, _lang(request)),
        field_label=field_label,
        column_label=column_label,
        status=status,
    )


def _read_one(session: Session, section: Section, admin: User, row_id: int) -> BaseModel | None:
    if section.get is None:
        return None  # a section without a row page (SLA policies: add or delete only)
    try:
        return section.read.model_validate(section.get(session, admin, row_id))
    except PhanAnhError:
        return None


@router.get("/{key}/{row_id}")
def admin_edit(request: Request, key: str, row_id: IdPath, admin: AdminPageUser, session: SessionDep) -> Response:
    section = SECTIONS.get(key)
    read = _read_one(session, section, admin, row_id) if section else None
    if section is None or read is None:
        return render(request, "error.html", user=admin, status=404, code="not_found")
    return _edit_page(request, session, admin, section, row_id, read)


@router.post("/{key}/{row_id}")
async def admin_update(
    request: Request, key: str, row_id: IdPath, admin: AdminPageUser, session: SessionDep
) -> Response:
    form = await request.form()
    cookies.check_csrf(request, str(form.get("csrf") or ""))
    section = SECTIONS.get(key)
    read = _read_one(session, section, admin, row_id) if section else None
    if section is None or read is None or section.update is None or section.update_body is None:
        return render(request, "error.html", user=admin, status=404, code="not_found")
    fields = form_fields(session, section, section.update_body, _values(section, read), _lang(request))
    data = _changes(fields, form, editing=True)
    t = translator(_lang(request))
    if not data:
        return _done(f"{key}/{row_id}", t("Không có gì thay đổi.", "Nothing changed."))
    body = section.update_body
    update = section.update
    refused = await _attempt(session, lambda: update(session, admin, row_id, body.model_validate(data)))
    if refused:
        status, refusal = refused
        error = _field_errors(fields, refusal, _lang(request))
        return _edit_page(request, session, admin, section, row_id, read, fields=fields, error=error, status=status)
    return _done(f"{key}/{row_id}", t("Đã lưu.", "Saved."))


@router.post("/{key}/{row_id}/delete")
async def admin_delete(
    request: Request, key: str, row_id: IdPath, admin: AdminPageUser, session: SessionDep
) -> Response:
    form = await request.form()
    cookies.check_csrf(request, str(form.get("csrf") or ""))
    section = SECTIONS.get(key)
    if section is None or section.delete is None:
        return render(request, "error.html", user=admin, status=404, code="not_found")
    t = translator(_lang(request))
    delete = section.delete
    refused = await _attempt(session, lambda: delete(session, admin, row_id))
    if refused:
        _, refusal = refused
        return _done(key, _field_errors([], refusal, _lang(request)).text)
    return _done(key, t("Đã xoá.", "Deleted."))
