"""The knowledge base's pages, edited in Wagtail's admin at /cms/.

One `KnowledgeBaseRoot` page per organization (created by `kb.services.tenancy`),
sections and articles below it. Every page below a root carries the root's
organization, copied on save, so reads filter on a column instead of the tree.
Articles also have a search vector and an accent-folded title kept by raw SQL
(columns Django does not manage, see migration 0002 and `kb.search`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from ruledesk.tenancy.models import Locale, Organization

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "image"]


# An article's language: the languages people use Ruledesk in.
Language = Locale


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")


class KnowledgeBaseRoot(Page):
    """The top of one organization's knowledge base; only Ruledesk creates these."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="kb_root"
    )

    parent_page_types: ClassVar[list[str]] = ["wagtailcore.Page"]
    subpage_types: ClassVar[list[str]] = ["kb.SectionPage", "kb.ArticlePage"]
    content_panels: ClassVar[list[Any]] = [FieldPanel("title")]
    promote_panels: ClassVar[list[Any]] = []

    class Meta:
        verbose_name = _("knowledge base")

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        return False  # one per organization, made by kb.services.tenancy


class OrganizationPageForm(WagtailAdminPageForm):
    """Offers only the categories and translations of the page's own organization."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_id = _organization_of(self.instance, getattr(self, "parent_page", None)) or 0
        if "categories" in self.fields:
            from workflows.models import Category

            self.fields["categories"].queryset = Category.objects.filter(
                organization_id=org_id, is_archived=False
            ).order_by("name")
        if "translation_of" in self.fields:
            self.fields["translation_of"].queryset = ArticlePage.objects.filter(
                organization_id=org_id
            ).exclude(pk=self.instance.pk)


def _organization_of(page: Page, parent: Page | None) -> int | None:
    org_id = getattr(page, "organization_id", None)
    if org_id is not None:
        return int(org_id)
    anchor = parent if parent is not None else page.get_parent() if page.pk else None
    if anchor is None:
        return None
    return (
        KnowledgeBaseRoot.objects.filter(path=anchor.path[: KnowledgeBaseRoot.steplen * 2])
        .values_list("organization_id", flat=True)
        .first()
    )


class OrganizationPage(Page):
    """A page below one organization's root; `organization` is copied from that root."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", editable=False
    )
    base_form_class = OrganizationPageForm

    class Meta:
        abstract = True

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "organization_id", None) is None and self.path:
            self.organization_id = _organization_of(self, self.get_parent())
        super().full_clean(*args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "organization_id", None) is None and self.path:
            self.organization_id = _organization_of(self, self.get_parent())
        return super().save(*args, **kwargs)


class SectionPage(OrganizationPage):
    summary = models.TextField(_("summary"), blank=True, max_length=500)

    parent_page_types: ClassVar[list[str]] = ["kb.KnowledgeBaseRoot", "kb.SectionPage"]
    subpage_types: ClassVar[list[str]] = ["kb.SectionPage", "kb.ArticlePage"]
    content_panels: ClassVar[list[Any]] = [FieldPanel("title"), FieldPanel("summary")]

    class Meta:
        verbose_name = _("section")


class ArticlePage(OrganizationPage):
    summary = models.TextField(_("summary"), max_length=500)
    body = RichTextField(_("body"), features=RICH_TEXT_FEATURES)
    # Plain text of `body`, for the search vector (kept by `save`).
    body_text = models.TextField(blank=True, editable=False)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=8,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_("Public articles are for requesters and staff; internal ones for staff only."),
    )
    translation_of = models.ForeignKey(
        "kb.ArticlePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text=_("The same article in the other language."),
    )
    categories = ParentalManyToManyField(
        "workflows.Category", blank=True, related_name="+", verbose_name=_("categories")
    )

    parent_page_types: ClassVar[list[str]] = ["kb.KnowledgeBaseRoot", "kb.SectionPage"]
    subpage_types: ClassVar[list[str]] = []
    content_panels: ClassVar[list[Any]] = [
        FieldPanel("title"),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("language"),
                FieldPanel("visibility"),
                FieldPanel("translation_of"),
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Audience"),
        ),
    ]

    class Meta:
        verbose_name = _("article")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["organization", "language"], name="kb_article_org_lang_idx"),
        ]

    def clean(self) -> None:
        super().clean()
        org_id = getattr(self, "organization_id", None)
        other = self.translation_of
        if other is not None:
            if other.organization_id != org_id or other.pk == self.pk:
                raise ValidationError(
                    {"translation_of": _("Choose an article of this knowledge base.")}
                )
            if other.language == self.language:
                raise ValidationError(
                    {"translation_of": _("A translation must be in the other language.")}
                )

    def save(self, *args: Any, **kwargs: Any) -> Any:
        from kb.text import html_to_text

        self.body_text = html_to_text(self.body or "")
        result = super().save(*args, **kwargs)
        from kb import search

        search.index_article(self)
        return result


class KbTenant(models.Model):
    """What Ruledesk set up in Wagtail for one organization (see kb.services.tenancy)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="kb_tenant"
    )
    root = models.OneToOneField(KnowledgeBaseRoot, on_delete=models.PROTECT, related_name="+")
    editors = models.OneToOneField("auth.Group", on_delete=models.PROTECT, related_name="+")
    collection = models.OneToOneField(
        "wagtailcore.Collection", on_delete=models.PROTECT, related_name="+"
    )
    workflow = models.OneToOneField(
        "wagtailcore.Workflow", on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"kb:{self.organization_id}"


class NbCategory(models.Model):
    """Naive Bayes class totals: resolved tickets (`docs`) and their tokens, per category."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("workflows.Category", on_delete=models.CASCADE, related_name="+")
    docs = models.IntegerField(default=0)
    tokens = models.IntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["organization", "category"], name="kb_nb_category_uq")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.docs} docs"


class NbToken(models.Model):
    """How often a token occurred in the titles of one category's resolved tickets."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("workflows.Category", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=80)
    count = models.IntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organization", "token", "category"], name="kb_nb_token_uq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.token}@{self.category_id}={self.count}"


class NbExample(models.Model):
    """What one resolved ticket contributed to the counts (so a re-resolve replaces it)."""

    ticket = models.OneToOneField(
        "workflows.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("workflows.Category", on_delete=models.CASCADE, related_name="+")
    tokens = models.JSONField(default=list)
    learned_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} -> {self.category_id}"
