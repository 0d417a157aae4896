from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailMode, NotificationPreference


class PreferenceForm(forms.Form):
    service_models = (NotificationPreference,)

    email_mode = forms.ChoiceField(
        label=_("邮件提醒"),
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
        help_text=_("站内消息总会保留在消息中心；这里只决定是否同时发送邮件。"),
    )
