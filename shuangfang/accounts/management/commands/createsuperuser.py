"""`shuangfang createsuperuser` creates the first platform administrator: the system administrator
(系统管理员) of 三权分立, who then creates regulators, agencies and the other two administrators.

Django's command with two changes: the password must meet the platform's policy also with
--noinput, and the new user holds the `system_admin` role and no organization.
"""

import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event


class Command(createsuperuser.Command):
    help = "创建第一位平台系统管理员（system_admin）。"

    def handle(self, *args, **options):
        username = options.get("username") or os.environ.get("DJANGO_SUPERUSER_USERNAME")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options.get("interactive") and password:
            try:
                validate_password(password, User(username=username or ""))
            except ValidationError as error:
                raise CommandError(_("密码不符合平台口令策略：") + " ".join(error.messages)) from error
        with transaction.atomic():
            super().handle(*args, **options)
            username = options.get("username") or os.environ.get("DJANGO_SUPERUSER_USERNAME")
            user = User.objects.filter(username=username).first() if username else None
            if user is None:
                user = User.objects.filter(is_superuser=True).order_by("-id").first()
            if user is not None:
                User.objects.filter(pk=user.pk).update(roles=[Role.SYSTEM_ADMIN], organization=None)
                record_event(
                    "user.created", actor=None, obj=user, data={"username": user.username, "roles": ["system_admin"]}
                )
