"""Serializers of the unit's safety management file.  Bodies are parsed here; every rule is the service's."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action
from shuangfang.core.api.fields import CodeRelatedField, ScopedPrimaryKeyRelatedField
from shuangfang.core.api.serializers import VersionedUpdateSerializer
from shuangfang.core.models import Attachment
from shuangfang.equipment.models import Equipment, OperatorCertificate
from shuangfang.orgs.models import Region
from shuangfang.safety import rules
from shuangfang.safety.choices import AttemptStatus, EmergencyPlanKind, HazardSourceGrade, LicenceKind
from shuangfang.safety.filtersets import DOCUMENT_KIND_CHOICES
from shuangfang.safety.models import (
    Appointment,
    ComplianceGap,
    Drill,
    EmergencyPlan,
    Exam,
    ExamAttempt,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Question,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingPlan,
    TrainingSession,
    UnitLicence,
)


def _coded_choice(choices):
    """A choice field described in the schema by a pattern and its labels rather than an enumeration: the names
    `status` and `grade` already belong to other enumerations of the schema, and a second choice set under the same
    name makes the generator rename them (ENUM_NAME_OVERRIDES in the settings would name them apart)."""
    values = [value for value, _label in choices]

    @extend_schema_field(
        {
            "type": "string",
            "pattern": "^(" + "|".join(values) + ")$",
            "description": "; ".join(f"`{value}` {label}" for value, label in choices),
        }
    )
    class CodedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return CodedChoiceField


AttemptStatusField = _coded_choice(AttemptStatus.choices)
HazardSourceGradeField = _coded_choice(HazardSourceGrade.choices)


def _attachment_field(**kwargs):
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), **kwargs)


def _user_of(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# -- the profile ----------------------------------------------------------------------------------------------------


class SafetyProfileSerializer(VersionedUpdateSerializer):
    """The unit's safety management body and the facts the staffing rules read.  A unit with no profile yet reads a
    blank one (`id` null, `version` 1) and creates it by saving it with that version."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    body_document = _attachment_field()
    has_body = serializers.BooleanField(read_only=True)

    class Meta:
        model = SafetyProfile
        fields = [
            "id",
            "organization",
            "region",
            "body_name",
            "body_established_on",
            "body_document",
            "public_elevator_business",
            "public_ride_business",
            "power_station_boiler",
            "petrochemical_plant",
            "boiler_over_2_5_mpa",
            "industrial_piping_km",
            "has_body",
            "version",
        ]


# -- licences -------------------------------------------------------------------------------------------------------


class LicenceSerializer(serializers.ModelSerializer):
    """A licence the unit holds; a new one of the same kind supersedes the current one."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.ChoiceField(choices=LicenceKind.choices)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    attachment = _attachment_field()

    class Meta:
        model = UnitLicence
        fields = [
            "id",
            "organization",
            "kind",
            "kind_label",
            "number",
            "issued_by",
            "issued_on",
            "expires_on",
            "scope",
            "attachment",
            "is_current",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["is_current", "recorded_by", "created_at"]
        # The service names what is missing, in its words.
        extra_kwargs = {
            "number": {"allow_blank": True, "required": False},
            "issued_on": {"required": False},
            "expires_on": {"required": False},
        }


# -- appointments ---------------------------------------------------------------------------------------------------


class AppointmentSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    person = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())
    person_name = serializers.CharField(source="person.display_name", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    equipment_categories = serializers.ListField(
        child=serializers.CharField(max_length=4),
        required=False,
        default=list,
        help_text=_("负责的设备种类（目录种类代码，如 3000）；空表示全部"),
    )
    document = _attachment_field(help_text=_("任命文件（附件 id）"))
    active = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "organization",
            "person",
            "person_name",
            "role",
            "role_label",
            "equipment_categories",
            "full_time",
            "starts_on",
            "ends_on",
            "document",
            "note",
            "end_reason",
            "appointed_by",
            "ended_by",
            "active",
            "created_at",
            "version",
        ]
        read_only_fields = ["ends_on", "end_reason", "appointed_by", "ended_by", "created_at", "version"]

    def get_active(self, appointment) -> bool:
        """In force today: started, and not ended before today."""
        today = timezone.localdate()
        return appointment.starts_on <= today and (appointment.ends_on is None or appointment.ends_on >= today)


class EndAppointmentSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    ends_on = serializers.DateField(help_text=_("免职日期"))
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


# -- documents ------------------------------------------------------------------------------------------------------


class SafetyDocumentSerializer(serializers.ModelSerializer):
    """One version of a required management document; a new upload of the same kind and category is the next
    version."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.ChoiceField(choices=DOCUMENT_KIND_CHOICES)
    kind_label = serializers.SerializerMethodField()
    attachment = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all())

    class Meta:
        model = SafetyDocument
        fields = [
            "id",
            "organization",
            "kind",
            "kind_label",
            "equipment_category",
            "title",
            "version_no",
            "effective_on",
            "attachment",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = ["version_no", "uploaded_by", "created_at"]
        # The service numbers the versions: the body never names one.
        validators = []

    def get_kind_label(self, document) -> str:
        rule = rules.DOCUMENT_RULES_BY_CODE.get(document.kind)
        return str(_(rule.name)) if rule else document.kind


# -- training -------------------------------------------------------------------------------------------------------


class TrainingPlanSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    attachment = _attachment_field()

    class Meta:
        model = TrainingPlan
        fields = ["id", "organization", "year", "title", "content", "attachment", "created_at"]
        read_only_fields = ["created_at"]


class TrainingSessionSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    plan = ScopedPrimaryKeyRelatedField(queryset=TrainingPlan.objects.all(), required=False, allow_null=True)
    attendees = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    materials = _attachment_field()
    sign_in_photo = _attachment_field()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "organization",
            "plan",
            "topic",
            "held_on",
            "hours",
            "trainer",
            "location",
            "attendees",
            "materials",
            "sign_in_photo",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]
        extra_kwargs = {"topic": {"allow_blank": True}, "trainer": {"allow_blank": True}}


# -- the question bank and exams ------------------------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    """A question of the bank.  `answer` (option indexes, from 0) is shown only to the managers of the unit that
    wrote the question — never for the platform's questions, which every exam may draw."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # null: the platform's bank
    roles = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list)
    options = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=500), required=False)
    answer = serializers.ListField(child=serializers.IntegerField(), help_text=_("正确选项的序号（从 0 开始）"))

    class Meta:
        model = Question
        fields = [
            "id",
            "organization",
            "code",
            "topic",
            "kind",
            "roles",
            "equipment_category",
            "text",
            "options",
            "answer",
            "citation",
            "is_active",
            "version",
        ]
        read_only_fields = ["code", "topic", "is_active", "version"]
        extra_kwargs = {"text": {"allow_blank": True}}
        omitted_from_response = ["answer"]  # see to_representation

    def to_representation(self, question):
        data = super().to_representation(question)
        if not self.answer_visible(question):
            data.pop("answer", None)
        return data

    def answer_visible(self, question) -> bool:
        user = _user_of(self)
        return bool(
            user is not None
            and question.organization_id is not None
            and question.organization_id == user.organization_id
            and user.may(Action.MANAGE_SAFETY)
        )


class ExamSerializer(serializers.ModelSerializer):
    """A unit's exam of its own people, or (made by a regulator) a spot-check of the safety directors and officers of
    the units in `region` (the regulator's jurisdiction by default)."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    region = CodeRelatedField(queryset=Region.objects.all(), required=False, help_text=_("抽查范围（行政区划代码）"))
    roles = serializers.ListField(child=serializers.CharField(max_length=20))
    question_count = serializers.IntegerField(
        min_value=1, help_text=_("题目数量：创建时从题库抽取"), source="n_questions"
    )
    pass_score = serializers.IntegerField(required=False, default=rules.DEFAULT_PASS_SCORE, min_value=1, max_value=100)

    class Meta:
        model = Exam
        fields = [
            "id",
            "organization",
            "region",
            "kind",
            "title",
            "roles",
            "equipment_category",
            "question_count",
            "pass_score",
            "opens_on",
            "closes_on",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["kind", "created_by", "created_at"]
        extra_kwargs = {"title": {"allow_blank": True}}


class AttemptRowSerializer(serializers.ModelSerializer):
    candidate_name = serializers.CharField(source="candidate.display_name", read_only=True)
    status = AttemptStatusField(read_only=True)

    class Meta:
        model = ExamAttempt
        fields = ["id", "candidate", "candidate_name", "status", "score", "passed", "submitted_at"]


class ExamResultsByUnitSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    candidates = serializers.IntegerField()
    submitted = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    attempts = AttemptRowSerializer(many=True)


class ExamResultsSerializer(serializers.Serializer):
    exam = serializers.IntegerField()
    pass_score = serializers.IntegerField()
    candidates = serializers.IntegerField()
    submitted = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    organizations = ExamResultsByUnitSerializer(many=True)


class ExamAttemptSerializer(serializers.ModelSerializer):
    exam_title = serializers.CharField(source="exam.title", read_only=True)
    exam_kind = serializers.CharField(source="exam.kind", read_only=True)
    candidate_name = serializers.CharField(source="candidate.display_name", read_only=True)
    status = AttemptStatusField(read_only=True)

    class Meta:
        model = ExamAttempt
        fields = [
            "id",
            "exam",
            "exam_title",
            "exam_kind",
            "candidate",
            "candidate_name",
            "organization",
            "status",
            "score",
            "passed",
            "submitted_at",
            "version",
        ]
        read_only_fields = fields


class PaperQuestionSerializer(serializers.Serializer):
    """A question as the paper shows it: never the answer key while anyone may still sit the exam."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    given = serializers.ListField(child=serializers.IntegerField(), required=False, help_text=_("考生的作答（交卷后）"))
    correct = serializers.BooleanField(required=False, help_text=_("判分（交卷后）"))
    answer = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=_("正确答案（考试截止后）")
    )
    citation = serializers.CharField(required=False, help_text=_("依据（考试截止后）"))


class ExamAttemptDetailSerializer(ExamAttemptSerializer):
    """One sitting with its paper.  While assigned: the questions and options.  After submission: also the
    candidate's answers and the mark of each question.  After the exam closes: also the answer key, so that the
    key never reaches a candidate who may still sit the same paper."""

    pass_score = serializers.IntegerField(source="exam.pass_score", read_only=True)
    opens_on = serializers.DateField(source="exam.opens_on", read_only=True)
    closes_on = serializers.DateField(source="exam.closes_on", read_only=True)
    questions = serializers.SerializerMethodField()

    class Meta(ExamAttemptSerializer.Meta):
        fields = [*ExamAttemptSerializer.Meta.fields, "pass_score", "opens_on", "closes_on", "questions"]
        read_only_fields = fields

    @staticmethod
    def paper(attempt) -> list[dict]:
        submitted = attempt.status == AttemptStatus.SUBMITTED
        closed = attempt.exam.closes_on < timezone.localdate()
        rows = []
        for question in attempt.exam.questions.all():
            row = {"id": question.pk, "kind": question.kind, "text": question.text, "options": list(question.options)}
            if submitted:
                row["given"] = list((attempt.answers or {}).get(str(question.pk), []))
                row["correct"] = bool((attempt.marks or {}).get(str(question.pk), False))
            if submitted and closed:
                row["answer"] = list(question.answer)
                row["citation"] = question.citation
            rows.append(row)
        return rows

    @extend_schema_field(PaperQuestionSerializer(many=True))
    def get_questions(self, attempt):
        return PaperQuestionSerializer(self.paper(attempt), many=True).data


class SubmitAttemptSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(min_value=0)),
        help_text=_("{题目 id: [所选选项序号]}"),
    )


# -- certified operators --------------------------------------------------------------------------------------------


class OperatorAssignmentSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all())
    certificate = ScopedPrimaryKeyRelatedField(queryset=OperatorCertificate.objects.all())
    holder_name = serializers.CharField(source="certificate.holder_name", read_only=True)
    item = serializers.CharField(source="certificate.item_id", read_only=True)
    certificate_expires_on = serializers.DateField(source="certificate.expires_on", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = OperatorAssignment
        fields = [
            "id",
            "organization",
            "equipment",
            "certificate",
            "holder_name",
            "item",
            "certificate_expires_on",
            "assigned_on",
            "ended_on",
            "assigned_by",
            "active",
            "created_at",
            "version",
        ]
        read_only_fields = ["ended_on", "assigned_by", "created_at", "version"]
        # "One active assignment per device and certificate" is the service's rule, with its own message.
        validators = []

    def get_active(self, assignment) -> bool:
        return assignment.ended_on is None or assignment.ended_on >= timezone.localdate()


class EndAssignmentSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    ended_on = serializers.DateField(help_text=_("离岗日期"))


# -- emergency ------------------------------------------------------------------------------------------------------


class EmergencyPlanSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.ChoiceField(choices=EmergencyPlanKind.choices, required=False, default=EmergencyPlanKind.SPECIAL)
    attachment = _attachment_field()

    class Meta:
        model = EmergencyPlan
        fields = [
            "id",
            "organization",
            "kind",
            "equipment_category",
            "title",
            "approved_on",
            "review_by",
            "attachment",
            "is_current",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["is_current", "recorded_by", "created_at"]
        extra_kwargs = {"review_by": {"required": False}, "title": {"allow_blank": True}}


class DrillSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    plan = ScopedPrimaryKeyRelatedField(queryset=EmergencyPlan.objects.all(), required=False, allow_null=True)
    photos = ScopedPrimaryKeyRelatedField(queryset=Attachment.objects.all(), many=True, required=False)

    class Meta:
        model = Drill
        fields = [
            "id",
            "organization",
            "plan",
            "equipment_category",
            "held_on",
            "scenario",
            "participants",
            "participant_count",
            "evaluation",
            "photos",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]
        extra_kwargs = {"scenario": {"allow_blank": True}}


# -- major hazard sources and monitoring ----------------------------------------------------------------------------


class HazardSourceSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    equipment = ScopedPrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    grade = HazardSourceGradeField(help_text=_("GB 18218-2018 级别：1 一级（最高）至 4 四级"))

    class Meta:
        model = MajorHazardSource
        fields = [
            "id",
            "organization",
            "name",
            "grade",
            "equipment",
            "location",
            "description",
            "is_active",
            "created_at",
            "version",
        ]
        read_only_fields = ["is_active", "created_at", "version"]
        extra_kwargs = {"name": {"allow_blank": True}}


class MonitoringPointSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    source = ScopedPrimaryKeyRelatedField(queryset=MajorHazardSource.objects.all())

    class Meta:
        model = MonitoringPoint
        fields = [
            "id",
            "organization",
            "source",
            "name",
            "quantity",
            "unit_of_measure",
            "low",
            "high",
            "is_active",
            "created_at",
            "version",
        ]
        read_only_fields = ["is_active", "created_at", "version"]


class ReadingSerializer(serializers.ModelSerializer):
    """A measured value.  The answer says whether it was out of bounds, and the control-failure investigation task
    and the hazard it raised (or the open ones it was recorded against)."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    point = ScopedPrimaryKeyRelatedField(queryset=MonitoringPoint.objects.all())

    class Meta:
        model = Reading
        fields = [
            "id",
            "organization",
            "point",
            "value",
            "measured_at",
            "source",
            "out_of_bounds",
            "hazard",
            "task",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["source", "out_of_bounds", "hazard", "task", "recorded_by", "created_at"]
        extra_kwargs = {"measured_at": {"required": False}}


# -- compliance -----------------------------------------------------------------------------------------------------


class ComplianceGapSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ComplianceGap
        fields = [
            "id",
            "organization",
            "kind",
            "kind_label",
            "key",
            "message",
            "citation",
            "equipment",
            "person",
            "hazard",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class RegionGapCountsSerializer(serializers.Serializer):
    region = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


class GapSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=_("未消除的缺项数，按类别"))
    labels = serializers.DictField(child=serializers.CharField())
    by_region = RegionGapCountsSerializer(
        many=True, required=False, help_text=_("监管部门：辖区下一级各地区的未消除缺项数")
    )


# -- the unit's file at a glance ------------------------------------------------------------------------------------


class DocumentStateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    equipment_category = serializers.CharField(allow_blank=True)
    state = serializers.CharField(help_text=_("ok、missing、predates_rule 或 review_overdue"))
    document = serializers.IntegerField(allow_null=True)
    version_no = serializers.IntegerField(allow_null=True)
    effective_on = serializers.DateField(allow_null=True)


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    kind = serializers.CharField()
    region = serializers.CharField(source="region_id")
    small_micro = serializers.BooleanField()


class UnitFileSerializer(serializers.Serializer):
    organization = UnitSerializer()
    profile = SafetyProfileSerializer()
    appointments = AppointmentSerializer(many=True)
    documents = DocumentStateSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    gaps = GapSummarySerializer()
