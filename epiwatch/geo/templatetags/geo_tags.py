from django import template

from epiwatch.geo.models import group_digits

register = template.Library()


@register.filter
def grouped(value) -> str:
    """A head count with the active language's thousands separator: 900.000 (vi), 900,000 (en)."""
    if value is None or value == "":
        return ""
    try:
        return group_digits(int(value))
    except (TypeError, ValueError):
        return str(value)
