"""Web forms of training exams and the regulator's spot-check (抽查考核): a new exam, a unit's own question, and the
answer sheet a candidate fills in.

The forms parse types; the services judge (too few questions in the bank, a region outside the jurisdiction, roles a
spot-check does not examine), so that the browser shows the same messages as the API.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangfang.accounts.roles import Role
from shuangfang.equipment.forms import ReferenceChoiceField
from shuangfang.orgs.models import Region

from . import rules
from .choices import QuestionKind
from .compliance import category_label
from .models import Exam, Question

# The roles a unit examines (the service says the same) and those a regulator's spot-check examines.
UNIT_EXAM_ROLES = (Role.PRINCIPAL, Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER, Role.OPERATOR)
SPOT_CHECK_ROLES = (Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER)
# Options are lettered A, B, C … on the pages; a unit's question has at most this many.
LETTERS = "ABCDEFGH"


def option_letter(index: int) -> str:
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


def category_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {category_label(code)}") for code in rules.ORDER_74_CATEGORIES]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OfferedMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes offering the sensible choices, while any value reaches the service, which says why one does not
    fit (as it does for an API client)."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and bool(value.strip())


class ExamForm(forms.Form):
    """A unit's exam of its own people, or (with `regions`) a regulator's spot-check of the directors and officers of
    the units in a region of its jurisdiction."""

    service_models = (Exam,)

    title = forms.CharField(label=_("考试名称"), max_length=200)
    region = ReferenceChoiceField(
        Region.objects.all(), offered=[], empty_label=_("本辖区"), label=_("抽查范围"), required=False
    )
    roles = OfferedMultipleChoiceField(label=_("参考岗位"), widget=forms.CheckboxSelectMultiple)
    equipment_category = forms.ChoiceField(label=_("设备种类"), required=False)
    question_count = forms.IntegerField(label=_("题目数量"), initial=20)
    pass_score = forms.IntegerField(label=_("合格分"), initial=rules.DEFAULT_PASS_SCORE, help_text=_("满分 100 分。"))
    opens_on = forms.DateField(label=_("开考日期"), widget=_date_input())
    closes_on = forms.DateField(label=_("截止日期"), widget=_date_input())

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        if regions is None:
            del fields["region"]
            fields["roles"].choices = [(role.value, role.label) for role in UNIT_EXAM_ROLES]
            fields["roles"].help_text = _("本单位具有所选岗位的在职人员均为考生。")
        else:
            fields["region"].widget.choices = [(region.code, f"{region.name}（{region.code}）") for region in regions]
            fields["region"].help_text = _("辖区内使用单位的安全总监、安全员均为考生。")
            fields["roles"].choices = [(role.value, role.label) for role in SPOT_CHECK_ROLES]
            fields["roles"].initial = [role.value for role in SPOT_CHECK_ROLES]
        fields["equipment_category"].choices = [("", _("不限（通用题目）")), *category_choices()]
        fields["equipment_category"].help_text = _("选定设备种类时，抽取通用题目和该种类的题目。")
        fields["roles"].error_messages["required"] = _("请选择参考岗位。")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "title": data["title"],
            "roles": data["roles"],
            "equipment_category": data["equipment_category"],
            "question_count": data["question_count"],
            "pass_score": data["pass_score"],
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
        }
        if "region" in self.fields and data.get("region") is not None:
            kwargs["region"] = data["region"]
        return kwargs


class QuestionForm(forms.Form):
    """A unit's own question: the options one per line, lettered A, B, C … in that order, and the right ones ticked
    by letter.  A true-or-false question has the options 正确 (A) and 错误 (B)."""

    service_models = (Question,)

    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一个选项，依次为 A、B、C……；判断题不用填写（A 正确，B 错误）。"),
    )
    answer = forms.MultipleChoiceField(
        label=_("正确答案"),
        choices=[(letter, letter) for letter in LETTERS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请勾选正确答案。")},
    )
    roles = forms.MultipleChoiceField(
        label=_("适用岗位"),
        required=False,
        choices=[(role.value, role.label) for role in UNIT_EXAM_ROLES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选：适用于所有岗位。"),
    )
    equipment_category = forms.ChoiceField(label=_("设备种类"), required=False)
    citation = forms.CharField(label=_("依据"), max_length=200, required=False, help_text=_("如本单位制度名称和条款。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment_category"].choices = [("", _("不限")), *category_choices()]

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        data["option_list"] = lines
        if data.get("kind") == QuestionKind.JUDGE:
            if any(letter not in "AB" for letter in data.get("answer") or []):
                self.add_error("answer", _("判断题的答案为 A（正确）或 B（错误）。"))
        else:
            if len(lines) > len(LETTERS):
                self.add_error("options", _("最多 %(n)s 个选项。") % {"n": len(LETTERS)})
            beyond = [letter for letter in data.get("answer") or [] if LETTERS.index(letter) >= max(len(lines), 2)]
            if beyond and lines:
                self.add_error(
                    "answer",
                    _("正确答案 %(letters)s 没有对应的选项（共 %(n)s 个选项）。")
                    % {"letters": "、".join(beyond), "n": len(lines)},
                )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "options": data["option_list"],
            "answer": [LETTERS.index(letter) for letter in data["answer"]],
            "roles": data["roles"],
            "equipment_category": data["equipment_category"],
            "citation": data["citation"].strip(),
        }


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class AnswerSheetForm(forms.Form):
    """The candidate's answers: one field per question of the paper, a radio group for a single-choice or
    true-or-false question, checkboxes for a multiple-choice one.  A question left blank is scored wrong."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(str(i), f"{option_letter(i)}. {text}") for i, text in enumerate(question.options)]
            if question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(choices=choices, required=False, widget=forms.CheckboxSelectMultiple)
            else:
                field = forms.ChoiceField(choices=choices, required=False, widget=forms.RadioSelect)
            field.label = question.text
            self.fields[field_name(question)] = field

    def answers(self) -> dict[str, list[int]]:
        out = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            values = value if isinstance(value, list) else [value] if value not in (None, "") else []
            out[str(question.pk)] = [int(v) for v in values]
        return out

    def rows(self):
        """Each question with its bound field, for the template."""
        return [(question, self[field_name(question)]) for question in self.questions]
