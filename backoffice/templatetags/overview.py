"""`{% load overview %}{% overview as data %}`: the admin index's overview figures."""

from django import template

from backoffice.overview import overview as _overview

register = template.Library()


@register.simple_tag(takes_context=True)
def overview(context):
    user = context.get("user")
    if user is None or not user.is_active or not user.is_staff:
        return None
    return _overview()


@register.filter
def age(seconds):
    """`4321.0` -> `"1 h 12 min"`; None -> `"-"`."""
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"
