from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key in a request body, resolved through the caller's scope: an id the caller may
    not see is "not found" (404), exactly as if it were asked for in the URL."""

    def get_queryset(self):
        request = self.context["request"]
        return super().get_queryset().visible_to(request.user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not str(data).isdigit():
            raise serializers.ValidationError(_("请提供对象的数字 id。"))
        # A list of items naming the same object (a check's results all name its equipment) looks it up once: the
        # field belongs to this one request's serializer, so the memo lives as long as the request.
        resolved = self.__dict__.setdefault("_resolved", {})
        if int(data) not in resolved:
            try:
                resolved[int(data)] = self.get_queryset().get(pk=int(data))
            except self.get_queryset().model.DoesNotExist as missing:
                raise NotFound(_("%(field)s %(id)s 不存在。") % {"field": self.field_name, "id": data}) from missing
        return resolved[int(data)]


class CodeRelatedField(serializers.SlugRelatedField):
    """A reference-data foreign key given by its code (region, catalog, industry, certificate item)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    # The code is the primary key of every reference table, so the row's own foreign-key column
    # already holds it: reading it costs no query per row.
    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        return value.pk

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(code=str(data).strip().upper() if self.upper else str(data).strip())
        except self.get_queryset().model.DoesNotExist as missing:
            raise serializers.ValidationError(_("代码 %(code)s 不存在。") % {"code": data}) from missing
        except (TypeError, ValueError) as bad:
            raise serializers.ValidationError(_("代码格式不正确。")) from bad

    upper = False


class CatalogCodeField(CodeRelatedField):
    upper = True
