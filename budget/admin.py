from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accordo.access import accordi_visibili
from budget import services
from budget.access import prestazioni_visibili, tranche_visibili
from budget.models import Prestazione, Tranche
from budget.selectors import stati_budget, stato_budget
from core.admin_forms import RegoleModelForm
from core.formati import euro, percentuale
from core.widgets import DocumentoPrivatoWidget


class TrancheForm(RegoleModelForm):
    controllo_regole = services.errori_tranche

    class Meta:
        model = Tranche
        fields = "__all__"


@admin.register(Tranche)
class TrancheAdmin(SimpleHistoryAdmin):
    form = TrancheForm
    list_display = (
        "etichetta",
        "accordo",
        "data_inizio",
        "data_fine",
        "importo_euro",
        "valore_prestazioni",
        "quote_amministrative",
        "quota_progettazione",
        "utilizzato",
        "disponibile",
        "percentuale",
    )
    list_filter = ("accordo",)
    list_select_related = ("accordo",)
    search_fields = ("etichetta", "nota")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=tranche_visibili(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "accordo":
            kwargs["queryset"] = accordi_visibili(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        accordi = {t.accordo_id: t.accordo for t in changelist.result_list}
        righe = {r.id: r for s in stati_budget(accordi.values()) for r in s.tranche}
        for tranche in changelist.result_list:
            tranche.riga = righe[tranche.pk]
        return changelist

    @admin.display(description=_("importo"), ordering="importo")
    def importo_euro(self, obj):
        return euro(obj.importo)

    @admin.display(description=_("valore prestazioni"))
    def valore_prestazioni(self, obj):
        return euro(obj.riga.valore_prestazioni)

    @admin.display(description=_("quote amministrative"))
    def quote_amministrative(self, obj):
        return euro(obj.riga.quote_amministrative)

    @admin.display(description=_("quota progettazione"))
    def quota_progettazione(self, obj):
        return euro(obj.riga.quota_progettazione)

    @admin.display(description=_("utilizzato"))
    def utilizzato(self, obj):
        return euro(obj.riga.utilizzato)

    @admin.display(description=_("disponibile"))
    def disponibile(self, obj):
        return euro(obj.riga.disponibile)

    @admin.display(description=_("% utilizzata"))
    def percentuale(self, obj):
        return percentuale(obj.riga.percentuale_utilizzata)

    def save_model(self, request, obj, form, change):
        services.tranche_salva(tranche=obj, utente=request.user)


class PrestazioneForm(RegoleModelForm):
    controllo_regole = services.errori_prestazione

    class Meta:
        model = Prestazione
        fields = (
            "tranche",
            "tipo",
            "fornitore",
            "descrizione",
            "data",
            "importo",
            "numero_documento",
            "data_documento",
            "documento",
        )
        widgets = {"documento": DocumentoPrivatoWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.documento:
            self.fields["documento"].widget.url_documento = reverse(
                "budget:documento_prestazione", args=[self.instance.pk]
            )


@admin.register(Prestazione)
class PrestazioneAdmin(SimpleHistoryAdmin):
    form = PrestazioneForm
    list_display = (
        "data",
        "descrizione",
        "tipo",
        "fornitore",
        "tranche",
        "valore",
        "aliquota",
        "quota",
        "totale",
    )
    list_filter = (
        "tranche__accordo",
        "tranche",
        "tipo",
        ("fornitore", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("tranche", "fornitore")
    search_fields = ("descrizione", "fornitore__nome", "numero_documento")
    date_hierarchy = "data"
    autocomplete_fields = ("fornitore",)
    readonly_fields = (
        "aliquota_quota_amministrativa",
        "quota_amministrativa",
        "creata_da",
        "creata_il",
        "modificata_il",
        "situazione_budget",
    )
    fieldsets = (
        (None, {"fields": ("tranche", "tipo", "fornitore", "descrizione", "data", "importo")}),
        (
            _("Quota amministrativa"),
            {
                "fields": ("aliquota_quota_amministrativa", "quota_amministrativa"),
                "description": _(
                    "Calcolata al salvataggio sul valore della singola prestazione, arrotondata "
                    "al centesimo. Non si applica alla quota progettazione."
                ),
            },
        ),
        (_("Documento di spesa"), {"fields": ("numero_documento", "data_documento", "documento")}),
        (_("Situazione del budget"), {"fields": ("situazione_budget",)}),
        (_("Registrazione"), {"fields": ("creata_da", "creata_il", "modificata_il")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=prestazioni_visibili(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tranche":
            kwargs["queryset"] = tranche_visibili(request.user).select_related("accordo")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("valore"), ordering="importo")
    def valore(self, obj):
        return euro(obj.importo)

    @admin.display(description=_("aliquota"))
    def aliquota(self, obj):
        return percentuale(obj.aliquota_quota_amministrativa)

    @admin.display(description=_("quota amm."), ordering="quota_amministrativa")
    def quota(self, obj):
        return euro(obj.quota_amministrativa)

    @admin.display(description=_("addebitato"))
    def totale(self, obj):
        return euro(obj.totale_addebitato)

    @admin.display(description=_("tranche dell'accordo"))
    def situazione_budget(self, obj):
        if obj.pk is None:
            return _(
                "Scegliere la tranche e salvare: il disponibile è mostrato qui e nell'elenco tranche."
            )
        return render_to_string(
            "budget/admin/situazione.html", {"stato": stato_budget(obj.tranche.accordo)}
        )

    def save_model(self, request, obj, form, change):
        services.prestazione_salva(prestazione=obj, utente=request.user)

    def delete_model(self, request, obj):
        services.prestazione_delete(prestazione=obj, utente=request.user)

    def delete_queryset(self, request, queryset):
        for prestazione in queryset.select_related("tranche"):
            services.prestazione_delete(prestazione=prestazione, utente=request.user)
