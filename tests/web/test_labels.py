"""The catalogue of words (service/web/labels.py) covers every code a person may read: each
member of each vocabulary's enum, each code of the vocabularies that are not enums, and each
timeline line the services record. Pure: no database, no app."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.ioc import monthly
from service.web import labels

SERVICE = Path(labels.__file__).resolve().parents[1]
VOCABULARIES = sorted(labels.CATALOGUE)


def _words(kind: str) -> labels.Words:
    return labels.CATALOGUE[kind][0]


@pytest.mark.parametrize("kind", VOCABULARIES)
def test_every_entry_has_a_vietnamese_and_an_english_label(kind):
    for code, pair in _words(kind).items():
        assert isinstance(pair, tuple) and len(pair) == 2, (kind, code, pair)
        vi, en = pair
        assert vi.strip() and en.strip(), (kind, code, pair)
        assert vi != str(code), f"{kind}: the Vietnamese label of {code!r} is the code itself"


@pytest.mark.parametrize("kind", [k for k in VOCABULARIES if labels.CATALOGUE[k][1] is not None])
def test_every_member_of_every_enum_has_words(kind):
    words, enum = labels.CATALOGUE[kind]
    assert enum is not None
    missing = [member.value for member in enum if member.value not in words]
    assert not missing, f"{kind} ({enum.__name__}) has no words for {missing}"
    for member in enum:
        assert labels.label(kind, member, "vi") == words[member.value][0]
        assert labels.label(kind, member, "en") == words[member.value][1]


@pytest.mark.parametrize("kind", sorted(labels.CODES))
def test_every_code_of_the_vocabularies_that_are_not_enums_has_words(kind):
    words = _words(kind)
    missing = [code for code in labels.CODES[kind] if code not in words]
    assert labels.CODES[kind] and not missing, f"{kind} has no words for {missing}"


def test_an_unknown_value_is_a_defect_not_a_code_to_show():
    with pytest.raises(labels.UnknownLabel):
        labels.label("status", "no_such_status", "vi")
    assert labels.label("status", None, "en") == ""
    assert labels.options("priority", "en")[0] == ("low", "Low")


# --- figures as people read them (the IOC's tiles and tables) ---------------------------------


@pytest.mark.parametrize(
    ("rate", "vi", "en"),
    [
        (0.875, "87,5 %", "87.5%"),
        (0.89, "89 %", "89%"),  # a whole percent has no ",0"
        (1.0, "100 %", "100%"),
        (0.0, "0 %", "0%"),
        (2 / 3, "66,7 %", "66.7%"),  # a tenth at most, as the API rounds its rates
        (12.3456, "1.234,6 %", "1,234.6%"),
        # 5 of 11 as the API gives it: half up, as people round (Babel's own is half to even).
        (0.4545, "45,5 %", "45.5%"),
        (0.0625, "6,3 %", "6.3%"),
        (None, "—", "—"),
    ],
)
def test_a_rate_reads_in_the_pages_number_format(rate, vi, en):
    assert labels.percent(rate, "vi") == vi
    assert labels.percent(rate, "en") == en
    assert labels.percent(rate) == vi  # Vietnamese first


@pytest.mark.parametrize(
    ("value", "digits", "vi", "en"),
    [
        (1234, 2, "1.234", "1,234"),
        (4.25, 2, "4,25", "4.25"),
        (2.125, 2, "2,13", "2.13"),  # half up
        (1234567.891, 0, "1.234.568", "1,234,568"),
        (None, 2, "—", "—"),
    ],
)
def test_a_number_reads_with_the_pages_separators(value, digits, vi, en):
    assert labels.decimal(value, "vi", digits=digits) == vi
    assert labels.decimal(value, "en", digits=digits) == en


@pytest.mark.parametrize(
    ("hours", "vi", "en"),
    [
        (0.05, "3 phút làm việc", "3 min working time"),  # never "0.05" hours
        (1.5, "1 giờ 30 phút làm việc", "1 h 30 min working time"),
        (2.0, "2 giờ làm việc", "2 h working time"),
        (1234.5, "1.234 giờ 30 phút làm việc", "1,234 h 30 min working time"),
        (0.0, "0 phút làm việc", "0 min working time"),
        (None, "—", "—"),
    ],
)
def test_working_time_reads_in_hours_and_minutes_never_decimal_hours(hours, vi, en):
    assert labels.working_time(hours, "vi") == vi
    assert labels.working_time(hours, "en") == en


@pytest.mark.parametrize(
    ("minutes", "console", "pdf"),
    [
        (2.5, "3 phút làm việc", "3 phút"),  # half up, as the rates: never 2 here and 3 there
        (127.4, "2 giờ 7 phút làm việc", "2 giờ 7 phút"),
        (89.5, "1 giờ 30 phút làm việc", "1 giờ 30 phút"),
    ],
)
def test_the_console_and_the_monthly_pdf_say_a_time_alike(minutes, console, pdf):
    assert labels.working_time(minutes / 60, "vi") == console
    assert monthly.working_time(minutes) == console
    assert monthly.working_time(minutes, short=True) == pdf


# --- the timeline lines the services record ---------------------------------------------------


@dataclass(frozen=True)
class Forwarder:
    """A function that records a line whose action is one of its own parameters."""

    module: Path
    name: str
    index: int  # the parameter's position


class Unresolved(Exception):
    pass


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SERVICE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def _is_record(call: ast.Call) -> bool:
    f = call.func
    return (
        isinstance(f, ast.Attribute)
        and f.attr == "record"
        and isinstance(f.value, ast.Name)
        and f.value.id == "timeline"
    )


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    keyword = next((k.value for k in call.keywords if k.arg == name), None)
    if keyword is not None:
        return keyword
    return call.args[index] if len(call.args) > index else None


def _constants(module: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = <dict or str literal>``: what an action may be looked up in."""
    found: dict[str, ast.expr] = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def _actions(expr: ast.expr, constants: dict[str, ast.expr], parameters: list[str]) -> set[str] | int:
    """The action strings ``expr`` can be, or the index of the enclosing function's parameter
    it passes on."""
    match expr:
        case ast.Constant(value=str(value)):
            return {value}
        case ast.IfExp(body=body, orelse=orelse):
            left, right = _actions(body, constants, parameters), _actions(orelse, constants, parameters)
            if isinstance(left, set) and isinstance(right, set):
                return left | right
        case ast.Subscript(value=ast.Name(id=table)) if isinstance(constants.get(table), ast.Dict):
            values: set[str] = set()
            for value in constants[table].values:  # type: ignore[attr-defined]
                resolved = _actions(value, constants, parameters)
                if not isinstance(resolved, set):
                    break
                values |= resolved
            else:
                return values
        case ast.Name(id=name) if name in parameters:
            return parameters.index(name)
        case ast.Name(id=name) if isinstance(constants.get(name), ast.Constant):
            return _actions(constants[name], constants, parameters)
    raise Unresolved(ast.unparse(expr))


def _calls_in(function: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            yield node


def recorded_actions() -> dict[str, list[str]]:
    """Every timeline action a service records -> where (file:line)."""
    found: dict[str, list[str]] = {}
    unresolved: list[str] = []
    for path, module in _modules():
        constants = _constants(module)
        forwarders: dict[str, int] = {}
        functions = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        # First the helpers that pass an action parameter on to timeline.record.
        for function in functions:
            parameters = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
            for call in _calls_in(function):
                if _is_record(call) and (expr := _argument(call, 2, "action")) is not None:
                    try:
                        resolved = _actions(expr, constants, parameters)
                    except Unresolved:
                        continue
                    if isinstance(resolved, int):
                        forwarders[function.name] = resolved
        for function in functions:
            for call in _calls_in(function):
                if _is_record(call):
                    expr = _argument(call, 2, "action")
                elif isinstance(call.func, ast.Name) and call.func.id in forwarders:
                    index = forwarders[call.func.id]
                    parameter = next(f for f in functions if f.name == call.func.id).args.args[index].arg
                    expr = _argument(call, index, parameter)
                else:
                    continue
                where = f"{path.relative_to(SERVICE.parent)}:{call.lineno}"
                if expr is None:
                    unresolved.append(f"{where}: no action")
                    continue
                try:
                    resolved = _actions(expr, constants, [])
                except Unresolved as what:
                    if not (_is_record(call) and function.name in forwarders):
                        unresolved.append(f"{where}: {what}")
                    continue
                assert isinstance(resolved, set)
                for action in resolved:
                    found.setdefault(action, []).append(where)
    assert not unresolved, f"timeline actions this test cannot read (use a literal or a constant): {unresolved}"
    return found


def test_the_timeline_reader_finds_the_lines_of_every_service():
    found = recorded_actions()
    # One of each way a line is recorded: directly, through workflow's _line, from a table.
    assert {"submitted", "routed", "reopened", "deadline_warning", "extension_refused", "photo_failed"} <= set(found)
    assert len(found) >= 25, sorted(found)


def test_every_timeline_line_the_services_record_has_words():
    words = _words("timeline")
    found = recorded_actions()
    missing = {action: where for action, where in found.items() if action not in words}
    assert not missing, f"timeline lines without words in service/web/labels.py: {missing}"
    for action in found:
        vi, en = words[action]
        assert vi.strip() and en.strip() and vi != action, action
