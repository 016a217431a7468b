from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class User(AbstractUser):
    """A person recommendations are for. Staff and API clients are users too.

    End users are created without a usable password: they never log in, the shop's backend
    speaks for them through the API. The primary key is the id the API and imports use.
    """

    class Gender(models.TextChoices):
        FEMALE = "F", "female"
        MALE = "M", "male"
        OTHER = "O", "other"

    email = models.EmailField("email address", unique=True, null=True, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    location = models.CharField(max_length=255, blank=True)
    preferences = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(age__lte=150), name="user_age_at_most_150"),
        ]

    def __str__(self) -> str:
        return self.username
