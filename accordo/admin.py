from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accordo.access import accordi_visibili
from accordo.models import Accordo, Ente, Obiettivo
from budget import services
from budget.selectors import stati_budget, stato_budget
from core.admin_forms import RegoleModelForm
from core.formati import euro


@admin.register(Ente)
class EnteAdmin(SimpleHistoryAdmin):
    list_display = ("nome", "tipo", "codice_fiscale", "partita_iva", "consorzio", "citta")
    list_filter = ("tipo",)
    list_select_related = ("consorzio",)
    search_fields = ("nome", "codice_fiscale", "partita_iva")
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


class ObiettivoInline(admin.TabularInline):
    model = Obiettivo
    extra = 0
    fields = ("numero", "testo")


class AccordoForm(RegoleModelForm):
    controllo_regole = services.errori_accordo

    class Meta:
        model = Accordo
        fields = "__all__"


@admin.register(Accordo)
class AccordoAdmin(SimpleHistoryAdmin):
    form = AccordoForm
    inlines = [ObiettivoInline]
    list_display = (
        "titolo",
        "ente_pubblico",
        "ente_partner",
        "data_inizio",
        "data_fine",
        "stato",
        "budget_totale",
        "budget_disponibile",
        "progettazione_disponibile",
    )
    list_filter = ("stato", "ente_pubblico", "ente_partner")
    list_select_related = ("ente_pubblico", "ente_partner")
    search_fields = ("titolo", "riferimento", "oggetto")
    readonly_fields = ("situazione_budget",)
    fieldsets = (
        (None, {"fields": ("titolo", "riferimento", "stato", "oggetto")}),
        (
            _("Parti"),
            {
                "fields": (
                    ("ente_pubblico", "ufficio"),
                    "firmatario_pubblico",
                    "ente_partner",
                    "firmatario_partner",
                )
            },
        ),
        (_("Durata"), {"fields": ("data_sottoscrizione", ("data_inizio", "data_fine"))}),
        (
            _("Regole economiche (art. 3)"),
            {
                "fields": (
                    "aliquota_quota_amministrativa",
                    "tetto_progettazione",
                    "aliquota_iva",
                    "riporto_residui",
                )
            },
        ),
        (_("Situazione del budget"), {"fields": ("situazione_budget",)}),
        (_("Note"), {"fields": ("note",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=accordi_visibili(request.user))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        stati = {s.accordo_id: s for s in stati_budget(changelist.result_list)}
        for accordo in changelist.result_list:
            accordo.stato_budget = stati[accordo.pk]
        return changelist

    @admin.display(description=_("budget"))
    def budget_totale(self, obj):
        return euro(obj.stato_budget.totale.importo)

    @admin.display(description=_("disponibile"))
    def budget_disponibile(self, obj):
        return euro(obj.stato_budget.totale.disponibile)

    @admin.display(description=_("progettazione disponibile"))
    def progettazione_disponibile(self, obj):
        return euro(obj.stato_budget.progettazione.disponibile)

    @admin.display(description=_("per tranche e tetto progettazione"))
    def situazione_budget(self, obj):
        if obj.pk is None:
            return _("Disponibile dopo il salvataggio, quando sono state aggiunte le tranche.")
        return render_to_string("budget/admin/situazione.html", {"stato": stato_budget(obj)})

    def save_model(self, request, obj, form, change):
        services.accordo_salva(accordo=obj, utente=request.user)
