"""Web forms for signing in and for users.

The forms only parse types, with the same limits as the API's serializers; the services decide
what is valid, so that the web and the API accept exactly the same input and say the same thing
when they refuse it.
"""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from shuangfang.core import pii

from .roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RolesField(forms.MultipleChoiceField):
    """Any role of the contract parses; which of them the user's organization may hold is the service's
    to say.  The checkboxes offer only the roles that fit the organization (`offer`)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Role.choices)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def offer(self, roles) -> None:
        allowed = set(roles)
        self.widget.choices = [(code, label) for code, label in Role.choices if code in allowed]


def _roles_field():
    return RolesField(label=_("角色"))


def _password_field(*, required: bool, label):
    return forms.CharField(
        label=label,
        required=required,
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
        error_messages={"required": _("请设置初始密码。")},
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autocapitalize": "none"})
    )
    full_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=32, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    roles = _roles_field()
    password = _password_field(required=True, label=_("初始密码"))


class UserUpdateForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=32, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    roles = _roles_field()
    is_active = forms.BooleanField(label=_("启用"), required=False)
    password = _password_field(required=False, label=_("重置密码"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        # The phone is never written into the page (core.pii: seen whole only through the audited "显示").
        if person.phone:
            self.fields["phone"].help_text = _("当前：%(masked)s。留空则不修改。") % {
                "masked": pii.shown(person, "phone")
            }

    def changes(self) -> dict:
        data = self.cleaned_data
        fields = (
            ("full_name", "phone", "email", "roles", "is_active")
            if data["phone"]
            else ("full_name", "email", "roles", "is_active")
        )
        changes = {field: data[field] for field in fields}
        if data.get("password"):
            changes["password"] = data["password"]
        return changes


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("用户名或姓名"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices])
    is_active = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), ("1", _("启用")), ("0", _("停用"))]
    )
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "autocapitalize": "none"}
        ),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("当前密码"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    confirm_password = forms.CharField(
        label=_("再次输入新密码"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("confirm_password") != data["new_password"]:
            self.add_error("confirm_password", _("两次输入的新密码不一致。"))
        return data


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
