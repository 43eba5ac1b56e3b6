"""Records of a pretend later app: a plain ForeignKey, a hidden one, a pair of person fields, a one-to-one, a
many-to-many, and a ForeignKey inside a unique constraint."""

from django.db import models
from django.db.models.functions import Lower

from epiwatch.people.models import Person


class Referral(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    note = models.CharField(max_length=100)


class Contact(models.Model):
    # hidden reverse relations (related_name="+"): Person._meta.related_objects does not list them
    source = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")


class HealthCard(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="health_card")
    number = models.CharField(max_length=20)


class Household(models.Model):
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Person, related_name="households")


class Seat(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="seats")
    room = models.CharField(max_length=10)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "person"], name="mergeapp_seat_unique")]


class Badge(models.Model):
    """A uniqueness the merge cannot read from the field list (an expression): the database has the last word."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="badges")
    code = models.CharField(max_length=10)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("code"), "person", name="mergeapp_badge_unique")]
