from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin_forms import AutocompleteSicuro
from core.models import Utente
from core.ruoli import GRUPPI, gruppo_per_ruolo

DESCRIZIONE_ENTE = _(
    "Il ruolo segue dall'ente: il personale di un Comune entra nel gruppo «Comune», quello del "
    "Consorzio nel gruppo «Consorzio», quello di una cooperativa nel gruppo «Cooperativa». Il "
    "gruppo è assegnato al salvataggio. Comune e Consorzio lavorano nell'amministrazione: "
    "attivare per loro «Privilegi di staff»."
)


@admin.register(Utente)
class UtenteAdmin(AutocompleteSicuro, UserAdmin):
    list_display = ("username", "first_name", "last_name", "ente", "is_staff", "is_active")
    list_filter = ("ente__tipo", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("ente",)
    search_fields = (*UserAdmin.search_fields, "ente__nome")
    autocomplete_fields = ("ente",)
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Ente"), {"fields": ("ente",), "description": DESCRIZIONE_ENTE}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Ente"), {"fields": ("ente",), "description": DESCRIZIONE_ENTE}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The role's group follows the organisation, so role and permissions
        # can never disagree (core/ruoli.py).
        utente = form.instance
        gruppo = gruppo_per_ruolo(utente.ruolo)
        altri = utente.groups.filter(name__in=GRUPPI)
        if gruppo is not None:
            altri = altri.exclude(pk=gruppo.pk)
            utente.groups.add(gruppo)
        utente.groups.remove(*altri)
