"""Admin building blocks shared by the apps.

- `RegoleModelForm`: a ModelForm whose validation ends with a service's rule
  check, so the admin goes through the same rules as every other entry point.
- `ImportoField`: a decimal typed the Italian way (1.234,56).
- `AdminRiservato`: a history-keeping ModelAdmin that shows each user only the
  rows their role and agreement allow, also on pages Django's admin does not
  filter by `get_queryset` (object history, revert).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from simple_history.admin import SimpleHistoryAdmin

from core.formati import ImportoNonValido, numero, parse_importo
from core.widgets import AutocompleteSelectSicuro


class RegoleModelForm(forms.ModelForm):
    """A ModelForm whose validation ends with a service's rule check.

    `controllo_regole` is a function from budget.services returning
    {field: [messages]} for the instance as the form would save it. It runs
    after Django's own model validation, inside the admin's transaction
    (`changeform_view` and `AdminRiservato.history_form_view` are atomic), so
    the lock it takes is held until `save_model` writes through the service,
    which checks again under the same lock and therefore agrees.
    """

    controllo_regole = None

    def _post_clean(self):
        super()._post_clean()
        if self.errors or type(self).controllo_regole is None:
            return
        for campo, messaggi in type(self).controllo_regole(self.instance).items():
            destinazione = campo if campo in self.fields else None
            for messaggio in messaggi:
                self.add_error(destinazione, messaggio)


class ImportoField(forms.DecimalField):
    """A decimal written as `1.234,56`, `1234,56`, `1234.56` or `€ 1.234,56`.

    Read with core.formati.parse_importo, the same parser as the imports, so
    more than two decimals is refused, never rounded; shown back as 1.234,56.
    """

    widget = forms.TextInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.setdefault("inputmode", "decimal")
        attrs.setdefault("autocomplete", "off")
        return attrs

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return numero(value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_importo(str(value))
        except ImportoNonValido as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class AutocompleteSicuro:
    """For a ModelAdmin or an inline: its autocomplete fields answer a posted
    value that is not an id with the field's error, not a server error
    (core.widgets.AutocompleteSelectSicuro)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectSicuro(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AdminRiservato(AutocompleteSicuro, SimpleHistoryAdmin):
    """A ModelAdmin limited to the rows `righe_visibili` returns.

    Django's admin filters lists and change pages through `get_queryset`, but
    django-simple-history's object history and revert pages load the record
    by id; the object-level permissions below close that gap. Money fields
    are typed the Italian way, and a revert runs in one transaction like a
    change, so the rule check and the write share the lock.
    """

    def righe_visibili(self, request) -> models.QuerySet:
        return self.model._default_manager.all()

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=self.righe_visibili(request))

    def riga_visibile(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        cache = request.__dict__.setdefault("_righe_visibili", {})
        chiave = (self.model._meta.label, obj.pk)
        if chiave not in cache:
            cache[chiave] = self.righe_visibili(request).filter(pk=obj.pk).exists()
        return cache[chiave]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.riga_visibile(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.riga_visibile(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.riga_visibile(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField):
            kwargs.setdefault("form_class", ImportoField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            # django-simple-history saves a posted revert for anyone who may
            # see the history, even when its button is hidden: a revert is a
            # change, so it needs the change permission.
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)


def filtro_correlati(campo: str):
    """A list filter on a related field offering only the values present in
    the rows the user sees, so no other agreement's names leak into it."""
    return (campo, admin.RelatedOnlyFieldListFilter)
