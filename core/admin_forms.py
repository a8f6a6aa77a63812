"""Admin building blocks shared by the apps.

- `RegoleModelForm`: a ModelForm that saves through the record's service
  while it validates, so the admin goes through the same rules as every
  other entry point, once.
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
from django.forms.models import construct_instance
from simple_history.admin import SimpleHistoryAdmin

from core.formati import ImportoNonValido, numero, parse_importo
from core.moduli import aggiungi_errori
from core.widgets import AutocompleteSelectSicuro


class RegoleModelForm(forms.ModelForm):
    """An admin ModelForm that saves through the record's service while it
    validates.

    `servizio(istanza, utente)` is the record's service (e.g. a wrapper of
    budget.services.prestazione_salva): it checks every rule under the
    agreement's lock and saves, or raises ValidationError({field: [...]})
    having written nothing. Calling it from the form's validation is what
    puts its refusal on the form's fields, with the rules checked once and
    in the admin's transaction; `save_model` then has nothing left to write
    (AdminRiservato skips it). When the page comes back with errors (an
    inline refused after the record was saved, say), AdminRiservato rolls
    the transaction back, so nothing of a refused change stays.
    """

    servizio = None
    utente = None  # the user who saves, set by AdminRiservato.get_form
    salvata = False

    def _post_clean(self):
        servizio = type(self).servizio
        if servizio is None:
            super()._post_clean()
            return
        opts = self._meta
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except ValidationError as exc:
            self._update_errors(exc)
            return
        if self.errors:
            return
        try:
            with transaction.atomic(using=router.db_for_write(opts.model)):
                servizio(self.instance, self.utente)
        except ValidationError as exc:
            aggiungi_errori(self, exc)
            return
        self.salvata = True


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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if issubclass(form, RegoleModelForm):
            form = type(form.__name__, (form,), {"utente": request.user})
        return form

    def save_model(self, request, obj, form, change):
        if getattr(form, "salvata", False):
            return  # the form saved it through the service (RegoleModelForm)
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with transaction.atomic(using=router.db_for_write(self.model)):
            risposta = super().changeform_view(request, object_id, form_url, extra_context)
            _annulla_se_rifiutata(request, risposta)
        return risposta

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            # django-simple-history saves a posted revert for anyone who may
            # see the history, even when its button is hidden: a revert is a
            # change, so it needs the change permission.
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        with transaction.atomic(using=router.db_for_write(self.model)):
            risposta = super().history_form_view(request, object_id, version_id, extra_context)
            _annulla_se_rifiutata(request, risposta)
        return risposta


def _annulla_se_rifiutata(request, risposta) -> None:
    """A posted form shown again (status 200) was refused: roll back what
    its validation may have saved through a service (RegoleModelForm)."""
    if request.method == "POST" and risposta.status_code == 200:
        transaction.set_rollback(True)


def filtro_correlati(campo: str):
    """A list filter on a related field offering only the values present in
    the rows the user sees, so no other agreement's names leak into it."""
    return (campo, admin.RelatedOnlyFieldListFilter)
