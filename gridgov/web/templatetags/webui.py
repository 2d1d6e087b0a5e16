"""Small template helpers of the web UI."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from gridgov.places.models import mask_phone

register = template.Library()


@register.filter
def control(field: BoundField) -> SafeString:
    """The field's widget as a Bootstrap control, tied to its help text and errors."""
    described_by = []
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    if field.help_text:
        described_by.append(f"{field.auto_id}-help")
    css = {"select": "form-select", "checkbox": "form-check-input"}.get(
        field.widget_type, "form-control"
    )
    attrs: dict[str, str | bool] = {"class": css + (" is-invalid" if field.errors else "")}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def masked(phone: str | None) -> str:
    """138****5678: phone numbers are masked in every list and page."""
    return mask_phone(phone) if phone else ""


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """This page's URL with ``page=number``, keeping the other query parameters (filters)."""
    query = context["request"].GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()
