"""Template filters for Italian money, dates and rates (pages and PDF alike)."""

from django import template

from core import formati

register = template.Library()

register.filter("euro", formati.euro)
register.filter("data_it", formati.data_it)
register.filter("percentuale", formati.percentuale)
register.filter("numero", formati.numero)
