"""`{% load admin_links %}` then `{{ "tr_…"|admin_link }}` or `{{ obj|admin_link }}`: the admin link helper."""

from django import template

from payments_platform.admin import admin_link as _admin_link

register = template.Library()


@register.filter
def admin_link(target, text=None):
    return _admin_link(target, text)
