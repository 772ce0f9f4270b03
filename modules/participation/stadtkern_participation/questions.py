"""Survey questions: their definition, answer validation and result tallies (pure functions)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

import msgspec

from core.api import Invalid, pick
from schemas import Key, LocalizedText

QuestionId = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Kind = Literal["single_choice", "multiple_choice", "free_text", "rating", "ranking", "yes_no"]
CHOICE_KINDS = ("single_choice", "multiple_choice", "ranking")


class Option(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A choice of a question, as editors define it (the label in the city's languages)."""

    id: QuestionId
    label: LocalizedText


class ShowIf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Show the question only if the earlier question ``question`` was answered with one of
    ``any_of`` (option ids; ``"yes"``/``"no"`` for yes/no; the number as text for ratings)."""

    question: QuestionId
    any_of: Annotated[list[Key], msgspec.Meta(min_length=1)]


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A question as editors define it; ``kind`` decides which of the other fields apply."""

    id: QuestionId
    kind: Kind
    text: LocalizedText
    required: bool = True
    options: list[Option] = []
    min_choices: Annotated[int, msgspec.Meta(ge=0)] | None = None
    max_choices: Annotated[int, msgspec.Meta(ge=1)] | None = None
    max_length: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 2000
    scale: Annotated[int, msgspec.Meta(ge=2, le=11)] = 5
    # Labels of scale points, keyed by the point as text ("1", "5").
    scale_labels: dict[Key, LocalizedText] = {}
    show_if: ShowIf | None = None


class OptionOut(msgspec.Struct, frozen=True):
    """An option as residents see it: the label in the caller's language."""

    id: str
    label: str


class QuestionOut(msgspec.Struct, frozen=True, kw_only=True):
    """A question as residents see it: text, option and scale labels in the caller's language."""

    id: str
    kind: Kind
    text: str
    required: bool = True
    options: list[OptionOut] = []
    min_choices: int | None = None
    max_choices: int | None = None
    max_length: int = 2000
    scale: int = 5
    scale_labels: dict[str, str] = {}
    show_if: ShowIf | None = None


def question_out(q: Question, locales: Sequence[str]) -> QuestionOut:
    """The residents' form of a question, its texts picked for ``locales``."""
    return QuestionOut(
        id=q.id,
        kind=q.kind,
        text=pick(q.text, locales),
        required=q.required,
        options=[OptionOut(id=o.id, label=pick(o.label, locales)) for o in q.options],
        min_choices=q.min_choices,
        max_choices=q.max_choices,
        max_length=q.max_length,
        scale=q.scale,
        scale_labels={point: pick(label, locales) for point, label in q.scale_labels.items()},
        show_if=q.show_if,
    )


def question_texts(questions: list[Question], field: str = "body.questions") -> dict[str, LocalizedText]:
    """Every text of the questions by its field (``body.questions[2].options[0].label``), for ``check_texts``."""
    texts: dict[str, LocalizedText] = {}
    for index, q in enumerate(questions):
        where = f"{field}[{index}]"
        texts[f"{where}.text"] = q.text
        texts.update({f"{where}.options[{i}].label": o.label for i, o in enumerate(q.options)})
        texts.update({f"{where}.scale_labels.{point}": label for point, label in q.scale_labels.items()})
    return texts


def check_definition(questions: list[Question], field: str = "body.questions") -> None:
    """Refuse a survey whose questions cannot be answered consistently."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, Question] = {}
    for index, q in enumerate(questions):
        where = f"{field}[{index}]"
        if q.id in seen:
            problems.append((f"{where}.id", f"duplicate question id {q.id!r}"))
        if q.kind in CHOICE_KINDS:
            ids = [o.id for o in q.options]
            if len(ids) < 2:
                problems.append((f"{where}.options", "needs at least two options"))
            if len(set(ids)) != len(ids):
                problems.append((f"{where}.options", "option ids must be unique"))
        elif q.options:
            problems.append((f"{where}.options", f"a {q.kind} question has no options"))
        if q.kind == "multiple_choice":
            low, high = q.min_choices or 0, q.max_choices or len(q.options)
            if low > high or high > len(q.options):
                problems.append((f"{where}.max_choices", "need min_choices <= max_choices <= number of options"))
        if q.kind == "rating":
            bad = [k for k in q.scale_labels if not (k.isdigit() and 1 <= int(k) <= q.scale)]
            if bad:
                problems.append((f"{where}.scale_labels", f"labels must be for points 1..{q.scale}"))
        if q.show_if is not None:
            problems.extend(_check_condition(q.show_if, seen.get(q.show_if.question), f"{where}.show_if"))
        seen[q.id] = q
    if problems:
        raise Invalid.many(problems)


def condition_values(q: Question) -> list[str] | None:
    """The values ``show_if.any_of`` may name for an earlier question ``q``; None: it cannot be a condition."""
    if q.kind in CHOICE_KINDS:
        return [o.id for o in q.options]
    if q.kind == "yes_no":
        return ["yes", "no"]
    if q.kind == "rating":
        return [str(point) for point in range(1, q.scale + 1)]
    return None  # free text: no value an editor could list is a meaningful condition


def _check_condition(cond: ShowIf, earlier: Question | None, where: str) -> list[tuple[str, str]]:
    """A condition must be reachable: an earlier question, and only values it can be answered with."""
    if earlier is None:
        return [(f"{where}.question", "must name an earlier question")]
    values = condition_values(earlier)
    if values is None:
        return [(where, f"a {earlier.kind} answer cannot be a condition")]
    return [
        (f"{where}.any_of[{i}]", f"{earlier.id!r} has no answer {value!r}; one of {', '.join(values)}")
        for i, value in enumerate(cond.any_of)
        if value not in values
    ]


def _as_condition_values(q: Question, value: Any) -> set[str]:
    if isinstance(value, bool):
        return {"yes" if value else "no"}
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)}


def visible(q: Question, answers: Mapping[str, Any], shown: Mapping[str, bool]) -> bool:
    """Whether the question is shown, given the answers and which earlier questions were shown."""
    if q.show_if is None:
        return True
    cond = q.show_if
    if not shown.get(cond.question, False) or cond.question not in answers:
        return False
    return bool(_as_condition_values(q, answers[cond.question]) & set(cond.any_of))


def validate_answers(questions: list[Question], answers: dict[str, Any], field: str = "body.answers") -> None:
    """Check every answer against its question; raise one 422 naming every offending question."""
    problems: list[tuple[str, str]] = []
    known = {q.id for q in questions}
    for key in answers:
        if key not in known:
            problems.append((f"{field}.{key}", "no such question in this survey"))
    shown: dict[str, bool] = {}
    for q in questions:
        where = f"{field}.{q.id}"
        is_shown = visible(q, answers, shown)
        shown[q.id] = is_shown
        value = answers.get(q.id)
        if value is None:
            if is_shown and q.required:
                problems.append((where, "this question requires an answer"))
            continue
        if not is_shown:
            problems.append((where, "this question is not shown for the earlier answers"))
            continue
        message = _check_value(q, value)
        if message:
            problems.append((where, message))
    if problems:
        raise Invalid.many(problems)


def _check_value(q: Question, value: Any) -> str | None:
    option_ids = [o.id for o in q.options]
    if q.kind == "single_choice":
        if not isinstance(value, str) or value not in option_ids:
            return f"unknown option; one of {', '.join(option_ids)}"
    elif q.kind in ("multiple_choice", "ranking"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "expected a list of option ids"
        unknown = [v for v in value if v not in option_ids]
        if unknown:
            return f"unknown option {unknown[0]!r}"
        if len(set(value)) != len(value):
            return "an option may appear only once"
        if q.kind == "multiple_choice":
            low, high = q.min_choices or 0, q.max_choices or len(option_ids)
            if len(value) < max(low, 1 if q.required else 0):
                return f"choose at least {max(low, 1)} option(s)"
            if len(value) > high:
                return f"choose at most {high} option(s)"
        elif not value:
            return "rank at least one option"
    elif q.kind == "free_text":
        if not isinstance(value, str):
            return "expected text"
        if len(value) > q.max_length:
            return f"at most {q.max_length} characters"
        if q.required and not value.strip():
            return "this question requires an answer"
    elif q.kind == "rating":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= q.scale:
            return f"expected a whole number from 1 to {q.scale}"
    elif q.kind == "yes_no" and not isinstance(value, bool):
        return "expected true or false"
    return None


# -- results ---------------------------------------------------------------------------------------


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def tally(questions: list[Question], answer_sets: Iterable[dict[str, Any]], *, with_text: bool) -> dict[str, Any]:
    """Counts and shares per option, rating distribution with mean and median, Borda scores."""
    rows = list(answer_sets)
    out: dict[str, Any] = {"responses": len(rows), "questions": []}
    for q in questions:
        given = [r[q.id] for r in rows if r.get(q.id) is not None]
        n = len(given)
        item: dict[str, Any] = {"id": q.id, "kind": q.kind, "answered": n}
        if q.kind in ("single_choice", "multiple_choice"):
            counts = {o.id: 0 for o in q.options}
            for value in given:
                for v in value if isinstance(value, list) else [value]:
                    counts[v] = counts.get(v, 0) + 1
            item["options"] = [{"id": k, "count": c, "share": _share(c, n)} for k, c in counts.items()]
        elif q.kind == "yes_no":
            yes = sum(1 for v in given if v is True)
            item["options"] = [
                {"id": "yes", "count": yes, "share": _share(yes, n)},
                {"id": "no", "count": n - yes, "share": _share(n - yes, n)},
            ]
        elif q.kind == "rating":
            dist = {str(p): 0 for p in range(1, q.scale + 1)}
            for v in given:
                dist[str(v)] += 1
            item["distribution"] = dist
            item["mean"] = round(statistics.fmean(given), 3) if given else None
            item["median"] = statistics.median(given) if given else None
        elif q.kind == "ranking":
            # Borda count: with k options, first place earns k-1 points, the k-th 0; unranked options 0.
            k = len(q.options)
            scores = {o.id: 0 for o in q.options}
            firsts = {o.id: 0 for o in q.options}
            for ranking in given:
                for place, option in enumerate(ranking):
                    scores[option] += k - 1 - place
                if ranking:
                    firsts[ranking[0]] += 1
            item["options"] = sorted(
                ({"id": o, "borda": s, "first_places": firsts[o]} for o, s in scores.items()),
                key=lambda e: (-e["borda"], e["id"]),
            )
        elif q.kind == "free_text" and with_text:
            item["texts"] = sorted(str(v) for v in given if str(v).strip())
        out["questions"].append(item)
    return out


# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets (OWASP "CSV
# Injection"; the fullwidth forms are folded to ASCII by some East Asian spreadsheet settings).
# defusedcsv (Apache-2.0, maintained) was checked: it skips tab and CR, and the rule is one line.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading single quote if it starts like a formula: spreadsheets then show it as text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_cell(q: Question, value: Any) -> str:
    """An answer as one CSV cell (choices joined by ``;``, a ranking by `` > ``), formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return (" > " if q.kind == "ranking" else ";").join(str(v) for v in value)
    # Residents type free text: "=HYPERLINK(...)" must not run in the editor's spreadsheet.
    return spreadsheet_safe(str(value))
