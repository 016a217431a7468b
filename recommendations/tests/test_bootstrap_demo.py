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


def test_on_an_empty_catalog_it_loads_demo_data_and_activates_a_model(db):
    from catalog.models import Item
    from recommendations.models import Interaction, ModelVersion

    call_command("bootstrap_demo", stdout=StringIO())
    call_command("bootstrap_demo", stdout=StringIO())  # a second start loads and trains nothing more

    assert Item.objects.count() == 500 and Interaction.objects.count() == 20_000
    assert ModelVersion.objects.count() == 1
    assert ModelVersion.objects.get().is_active
