"""`{% load money %}` then `{{ amount|money:currency }}`: `359.72 USD` with the minor units in a tooltip."""

from django import template

from payments_platform.money import money_html

register = template.Library()


@register.filter
def money(amount, currency):
    return money_html(amount, currency)


@register.filter
def negate(amount):
    return -amount
