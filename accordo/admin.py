from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from accordo.models import Accordo, Ente
from core.admin_forms import AdminRiservato, filtro_correlati


def enti_di_altri_accordi(utente):
    """The parties of the agreements the user does not see, and their member
    cooperatives: their data is for their own staff to edit."""
    altri = Accordo.objects.exclude(pk__in=accordi_visibili(utente))
    return Ente.objects.filter(
        Q(accordi_come_ente_pubblico__in=altri)
        | Q(accordi_come_partner__in=altri)
        | Q(consorzio__accordi_come_partner__in=altri)
    )


@admin.register(Ente)
class EnteAdmin(AdminRiservato):
    list_display = ("nome", "tipo", "codice_fiscale", "partita_iva", "consorzio", "citta")
    list_filter = ("tipo", filtro_correlati("consorzio"))
    list_select_related = ("consorzio",)
    search_fields = ("nome", "codice_fiscale", "partita_iva", "citta")
    fieldsets = (
        (None, {"fields": ("nome", "tipo", "consorzio")}),
        (_("Dati fiscali"), {"fields": ("codice_fiscale", "partita_iva")}),
        (
            _("Sede e contatti"),
            {
                "fields": (
                    "indirizzo",
                    "cap",
                    "citta",
                    "provincia",
                    "legale_rappresentante",
                    "email",
                    "pec",
                )
            },
        ),
        (_("Note"), {"fields": ("note",)}),
    )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return not enti_di_altri_accordi(request.user).filter(pk=obj.pk).exists()
