from io import StringIO

from django.core.management import call_command
from rest_framework.authtoken.models import Token

from accounts.models import User


def test_it_creates_a_staff_user_and_token_and_prints_them(db):
    out = StringIO()
    call_command("bootstrap_demo", "--skip-data", stdout=out)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    token = Token.objects.get(user=admin)
    assert token.key in out.getvalue()
    assert "/docs" in out.getvalue() and "/admin/" in out.getvalue()


def test_running_it_twice_keeps_one_user_and_one_token(db):
    call_command("bootstrap_demo", "--skip-data", stdout=StringIO())
    call_command("bootstrap_demo", "--skip-data", stdout=StringIO())
    assert User.objects.filter(username="admin").count() == 1
    assert Token.objects.filter(user__username="admin").count() == 1
