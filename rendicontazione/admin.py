"""Reports in the admin: to look things up, not to work on them.

Reports are created, edited, submitted, approved and sent back on their
pages (rendicontazione.views), through the services that check the role
and record each transition. Here everything is read-only, so the admin can
never move a report's state, rewrite a frozen submission or revert one
through the history pages.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.admin_forms import AdminRiservato, filtro_correlati
from rendicontazione.access import rendiconti_visibili
from rendicontazione.models import Invio, Rendiconto, Transizione


class SolaLetturaInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransizioneInline(SolaLetturaInline):
    model = Transizione
    fields = ("da_stato", "a_stato", "utente", "quando", "osservazioni")


class InvioInline(SolaLetturaInline):
    model = Invio
    fields = ("numero", "inviato_da", "inviato_il", "file_pdf")

    @admin.display(description=_("PDF inviato"))
    def file_pdf(self, obj):
        # Private storage has no URL; the report's page serves the latest PDF.
        return obj.pdf.name.rsplit("/", 1)[-1] if obj.pdf else "—"


@admin.register(Rendiconto)
class RendicontoAdmin(AdminRiservato):
    list_display = ("__str__", "accordo_breve", "dal", "al", "tipo", "stato", "modificato_il")
    list_filter = ("stato", "tipo", filtro_correlati("accordo"))
    list_select_related = ("accordo",)
    search_fields = ("accordo__titolo", "attivita_svolte", "risultati")
    date_hierarchy = "dal"
    inlines = (InvioInline, TransizioneInline)
    fieldsets = (
        (None, {"fields": ("pagina", "accordo", ("dal", "al"), "tipo", "stato")}),
        (
            _("Relazione del Consorzio (bozza attuale)"),
            {"fields": ("attivita_svolte", "risultati", "criticita", "prospettive")},
        ),
        (_("Registrazione"), {"fields": ("creato_da", "creato_il", "modificato_il")}),
    )
    readonly_fields = (
        "pagina",
        "accordo",
        "dal",
        "al",
        "tipo",
        "stato",
        "attivita_svolte",
        "risultati",
        "criticita",
        "prospettive",
        "creato_da",
        "creato_il",
        "modificato_il",
    )

    def righe_visibili(self, request):
        return rendiconti_visibili(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history saves the old version on a POST to this page
        # even when its revert button is hidden: that would move the state
        # behind the workflow's back. Reading a past version stays allowed.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description=_("accordo"), ordering="accordo__titolo")
    def accordo_breve(self, obj):
        return Truncator(obj.accordo.titolo).chars(60)

    @admin.display(description=_("pagina del rendiconto"))
    def pagina(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("rendicontazione:dettaglio", args=[obj.pk]),
            _("Apri il rendiconto: modifiche, invio e revisione si fanno da lì"),
        )
