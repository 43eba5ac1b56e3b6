from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def pct(value) -> str:
    """75.31 -> '75,3 %' (vi) / '75.3 %' (en); None -> '—' (no population known)."""
    if value is None or value == "":
        return "—"
    return f"{floatformat(value, 1)} %"
