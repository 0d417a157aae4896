"""Exam questions made from a unit's own risk list (安全风险管控清单), so that its exams ask its people about the risks
of the equipment they look after (the question bank's "本单位风险" topic; SAMR Order 74 art 75 and 81).

Every active risk of the unit gives up to three questions, keyed by code `risk-<risk pk>-<kind>`:

* `level`: the level the risk is graded at (single choice over the four levels);
* `control`: the management level that controls it (single choice over the five control levels);
* `measures`: which of the options are its control measures (multiple choice: two or three of its own measures and
  one or two measures of other risks of the unit; left out when the risk has fewer than two measures or the unit no
  other material).

The questions are stored data in the platform's language, like the rest of the bank.  Building them is
deterministic: the same risks give the same questions, so a sync over an unchanged risk list writes nothing.  A
question already on an exam paper is never rewritten: it is retired (inactive, code freed) and a new row takes its
code, as `services.sync_question_bank` does for the platform's questions.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.rules import category_of
from shuangfang.orgs.models import Organization
from shuangfang.risks.choices import ControlLevel, RiskLevel
from shuangfang.risks.models import Risk

from .choices import QuestionKind, QuestionTopic
from .models import Exam, Question

CODE_PREFIX = "risk-"
# The question cites the unit's own list; it names a Chinese document, so it stays Chinese in every language.
CITATION_PREFIX = "本单位安全风险管控清单："
CITATION_MAX_LENGTH = 200  # Question.citation
MAX_OWN_MEASURES = 3
MAX_DISTRACTORS = 2


def risk_question_code(risk_pk: int, kind: str) -> str:
    return f"{CODE_PREFIX}{risk_pk}-{kind}"


def _risks_of(unit: Organization) -> list[Risk]:
    """The unit's current risk list: active risks, of sites and operations or of equipment not scrapped."""
    return list(
        Risk.objects.filter(organization=unit, is_active=True)
        .filter(Q(equipment__isnull=True) | ~Q(equipment__status=EquipmentStatus.SCRAPPED))
        .select_related("equipment", "risk_point")
        .order_by("pk")
    )


def _measure_texts(risk: Risk) -> list[str]:
    texts: list[str] = []
    for measure in risk.measures or []:
        text = str(measure.get("text") or "").strip() if isinstance(measure, dict) else ""
        if text and text not in texts:
            texts.append(text)
    return texts


def _distractors(index: int, risks: list[Risk], measures: dict[int, list[str]]) -> list[str]:
    """Measures of other risks of the unit that are not this risk's: one from each of the risks that follow it in
    the list (wrapping round), so that a risk added at the end changes few other questions.  Risks with the same
    title (the same hazard on another device) are skipped: their measures would be right answers in all but name."""
    risk = risks[index]
    own = set(measures[risk.pk])
    title = risk.title.strip()
    picked: list[str] = []
    for other in risks[index + 1 :] + risks[:index]:
        if other.title.strip() == title:
            continue
        for text in measures[other.pk]:
            if text not in own and text not in picked:
                picked.append(text)
                break
        if len(picked) == MAX_DISTRACTORS:
            break
    return picked


def _questions_of(index: int, risks: list[Risk], measures: dict[int, list[str]]) -> dict[str, dict]:
    """The questions of one risk, code → field values.  Call in the platform's language."""
    risk = risks[index]
    equipment = risk.equipment
    subject = equipment.name if equipment is not None else risk.risk_point.name
    names = {"subject": subject, "title": risk.title.strip()}
    common = {
        "topic": QuestionTopic.UNIT_RISKS,
        "roles": [],
        "equipment_category": category_of(equipment.category_id) if equipment is not None else "",
        "citation": f"{CITATION_PREFIX}{names['title']}"[:CITATION_MAX_LENGTH],
        "is_active": True,
    }
    questions: dict[str, dict] = {}
    if risk.level in RiskLevel.values:
        questions[risk_question_code(risk.pk, "level")] = {
            **common,
            "kind": QuestionKind.SINGLE,
            "text": _("「%(subject)s」的风险「%(title)s」评定为哪一级？") % names,
            "options": [str(label) for label in RiskLevel.labels],
            "answer": [RiskLevel.values.index(risk.level)],
        }
    if risk.control_level in ControlLevel.values:
        questions[risk_question_code(risk.pk, "control")] = {
            **common,
            "kind": QuestionKind.SINGLE,
            "text": _("「%(subject)s」的风险「%(title)s」由哪一层级管控？") % names,
            "options": [str(label) for label in ControlLevel.labels],
            "answer": [ControlLevel.values.index(risk.control_level)],
        }
    own = measures[risk.pk]
    distractors = _distractors(index, risks, measures)
    if len(own) >= 2 and distractors:
        code = risk_question_code(risk.pk, "measures")
        rng = random.Random(code)  # a string seed: the same on every run and machine
        if len(own) > MAX_OWN_MEASURES:
            own = [own[i] for i in sorted(rng.sample(range(len(own)), MAX_OWN_MEASURES))]
        options = own + distractors
        rng.shuffle(options)
        questions[code] = {
            **common,
            "kind": QuestionKind.MULTIPLE,
            "text": _("下列哪些是「%(subject)s」的风险「%(title)s」的管控措施？") % names,
            "options": options,
            "answer": sorted(options.index(text) for text in own),
        }
    return questions


def unit_risk_questions(unit: Organization) -> dict[str, dict]:
    """Every question the unit's current risk list gives, code → field values (not saved)."""
    risks = _risks_of(unit)
    measures = {risk.pk: _measure_texts(risk) for risk in risks}
    questions: dict[str, dict] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for index in range(len(risks)):
            questions.update(_questions_of(index, risks, measures))
    return questions


def sync_unit_risk_questions(unit: Organization) -> int:
    """Bring the unit's risk questions up to date with its risk list: new risks add questions, changed ones update
    theirs (or replace them when an exam has used them), retired ones deactivate theirs.  Returns how many questions
    changed; an unchanged list writes nothing."""
    with transaction.atomic():
        # One sync of a unit at a time: two exams made at once would otherwise both add the same codes.
        list(Organization.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True))
        wanted = unit_risk_questions(unit)
        ours = Question.objects.filter(organization=unit, code__startswith=CODE_PREFIX)
        existing = {question.code: question for question in ours}
        used = set(
            Exam.questions.through.objects.filter(question__in=ours).values_list("question_id", flat=True).distinct()
        )
        changed = 0
        retired: list[int] = []
        new: list[Question] = []
        for code, values in wanted.items():
            question = existing.get(code)
            if question is None:
                new.append(Question(organization=unit, code=code, **values))
            elif all(getattr(question, field) == value for field, value in values.items()):
                continue
            elif question.pk in used:
                # A paper already sat keeps the question as it was asked.
                retired.append(question.pk)
                new.append(Question(organization=unit, code=code, **values))
            else:
                for field, value in values.items():
                    setattr(question, field, value)
                question.version += 1
                question.save()
            changed += 1
        if retired:
            Question.objects.filter(pk__in=retired).update(code=None, is_active=False)
        Question.objects.bulk_create(new)
        gone = [question.pk for code, question in existing.items() if code not in wanted and question.is_active]
        if gone:
            changed += Question.objects.filter(pk__in=gone).update(is_active=False)
    return changed
