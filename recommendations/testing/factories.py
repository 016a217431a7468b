"""factory-boy factories for tests (and nothing else)."""
import factory

from accounts.models import User
from catalog.models import Item


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(None)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    item_code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Item {n}")
    category = "books"
    tags = factory.LazyFunction(list)
    price = "9.99"
    popularity_score = 0.0
