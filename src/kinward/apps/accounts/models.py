"""Regions, agencies, people, roles and API clients."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Region(models.Model):
    """A place in the hierarchy country > province > district. `path` lets a region's subtree be found fast."""

    class Level(models.TextChoices):
        COUNTRY = "country", "Country"
        PROVINCE = "province", "Province"
        DISTRICT = "district", "District"

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    path = models.CharField(max_length=512, db_index=True, editable=False)
    external_ref = models.CharField(max_length=200, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="country", parent__isnull=True) | ~models.Q(level="country"),
                name="region_country_has_no_parent",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """An organisation that uses Kinward or appears in its records: a hospital, a registry office, a court..."""

    class Kind(models.TextChoices):
        PUBLIC_HOSPITAL = "public_hospital", "Public hospital"
        PRIVATE_CLINIC = "private_clinic", "Private clinic"
        MATERNITY_HOME = "maternity_home", "Maternity home"
        REGISTRY_OFFICE = "registry_office", "Civil registry office"
        ADOPTION_AUTHORITY = "adoption_authority", "Adoption authority or court"
        ADOPTION_AGENCY = "adoption_agency", "Adoption agency"
        POLICE_UNIT = "police_unit", "Police unit"
        CHILD_PROTECTION = "child_protection", "Child-protection / social-services agency"
        NGO = "ngo", "NGO service provider"
        DNA_LAB = "dna_lab", "DNA laboratory"
        STATISTICS_OFFICE = "statistics_office", "Statistics office"
        OVERSIGHT_BODY = "oversight_body", "Oversight body"

    HEALTH_FACILITY_KINDS = (Kind.PUBLIC_HOSPITAL, Kind.PRIVATE_CLINIC, Kind.MATERNITY_HOME)

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="agencies")
    external_ref = models.CharField(max_length=200, blank=True, default="", db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def is_health_facility(self) -> bool:
        return self.kind in self.HEALTH_FACILITY_KINDS


class Role(models.Model):
    """A role defined in `roles.yaml`; this table only lets users point at roles (synced at migrate)."""

    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class User(AbstractUser):
    """A person who signs in. Belongs to one agency and holds roles within it."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    preferred_language = models.CharField(max_length=10, blank=True, default="")

    def role_codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.roles.values_list("code", flat=True)))


class ApiToken(models.Model):
    """A system client's bearer token (a hospital information system, a laboratory system).

    Only a SHA-256 hash of the secret is stored; the secret is shown once when the token is issued. A token acts
    for one agency and only for the actions listed on it.
    """

    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    actions = models.JSONField(default=list)
    prefix = models.CharField(max_length=16, db_index=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
