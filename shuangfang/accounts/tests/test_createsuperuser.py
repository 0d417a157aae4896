import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of


@pytest.mark.django_db
def test_createsuperuser_noinput_makes_the_system_administrator(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root_admin")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Str0ng-Passw0rd!")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admin@example.cn")
    call_command("createsuperuser", interactive=False, verbosity=0)
    user = User.objects.get(username="root_admin")
    assert user.roles == ["system_admin"]
    assert user.organization is None
    assert user.check_password("Str0ng-Passw0rd!")
    assert scope_of(user).kind == ScopeKind.PLATFORM
    assert Event.objects.filter(type="user.created", object_id=str(user.pk)).count() == 1


@pytest.mark.django_db
def test_createsuperuser_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root_admin")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "short")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admin@example.cn")
    with pytest.raises(CommandError, match="口令策略"):
        call_command("createsuperuser", interactive=False, verbosity=0)
    assert not User.objects.filter(username="root_admin").exists()
