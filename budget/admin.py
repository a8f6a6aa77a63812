from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from accordo.models import Accordo, Ente, Obiettivo, StatoAccordo, TipoEnte
from accordo.periodi import errore_periodo_chiuso
from budget import rules, services
from budget.access import prestazioni_visibili, tranche_visibili
from budget.models import Prestazione, Tranche
from budget.selectors import stati_budget, stato_budget
from core.admin_forms import AdminRiservato, RegoleModelForm, filtro_correlati
from core.formati import data_it, euro, percentuale
from core.widgets import DocumentoPrivatoWidget
from laboratori.access import laboratori_visibili


def _situazione(accordo) -> str:
    return render_to_string("budget/admin/situazione.html", {"stato": stato_budget(accordo)})


class BudgetMedia:
    css = {"all": ["budget/admin.css"]}


def _etichetta_accordo(accordo) -> str:
    periodo = f"{data_it(accordo.data_inizio)} - {data_it(accordo.data_fine)}"
    return f"{Truncator(accordo.titolo).chars(70)} ({periodo})"


def _valida_importo(importo):
    """The rules' own messages for a non-positive or over-precise amount
    (rather than the database constraint's generic one)."""
    if importo is not None:
        messaggi = rules.errori_importo(importo)
        if messaggi:
            raise ValidationError(messaggi, code="importo")
    return importo


class TrancheForm(RegoleModelForm):
    @staticmethod
    def servizio(tranche, utente):
        return services.tranche_salva(tranche=tranche, utente=utente)

    class Meta:
        model = Tranche
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "accordo" in self.fields:
            self.fields["accordo"].label_from_instance = _etichetta_accordo

    def clean_importo(self):
        return _valida_importo(self.cleaned_data.get("importo"))


@admin.register(Tranche)
class TrancheAdmin(AdminRiservato):
    form = TrancheForm
    list_display = (
        "etichetta",
        "accordo_breve",
        "dal",
        "al",
        "importo_euro",
        "valore_prestazioni",
        "quote_amministrative",
        "quota_progettazione",
        "utilizzato",
        "disponibile",
        "percentuale",
    )
    list_display_links = ("etichetta",)
    list_filter = (filtro_correlati("accordo"),)
    list_select_related = ("accordo",)
    search_fields = ("etichetta", "nota", "accordo__titolo")
    readonly_fields = ("situazione_budget",)
    Media = BudgetMedia
    fieldsets = (
        (None, {"fields": ("accordo", "etichetta", ("data_inizio", "data_fine"), "importo")}),
        (_("Nota"), {"fields": ("nota",)}),
        (_("Situazione del budget"), {"fields": ("situazione_budget",)}),
    )

    def righe_visibili(self, request):
        return tranche_visibili(request.user)

    def get_list_display(self, request):
        colonne = super().get_list_display(request)
        if accordi_visibili(request.user).count() <= 1:
            colonne = tuple(c for c in colonne if c != "accordo_breve")
        return colonne

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

    @admin.display(description=_("accordo"), ordering="accordo__titolo")
    def accordo_breve(self, obj):
        return Truncator(obj.accordo.titolo).chars(60)

    @admin.display(description=_("importo"), ordering="importo")
    def importo_euro(self, obj):
        return euro(obj.importo)

    @admin.display(description=_("dal"), ordering="data_inizio")
    def dal(self, obj):
        return data_it(obj.data_inizio)

    @admin.display(description=_("al"), ordering="data_fine")
    def al(self, obj):
        return data_it(obj.data_fine)

    @admin.display(description=_("prestazioni"))
    def valore_prestazioni(self, obj):
        return euro(obj.riga.valore_prestazioni)

    @admin.display(description=_("quote amm."))
    def quote_amministrative(self, obj):
        return euro(obj.riga.quote_amministrative)

    @admin.display(description=_("progettazione"))
    def quota_progettazione(self, obj):
        return euro(obj.riga.quota_progettazione)

    @admin.display(description=_("utilizzato"))
    def utilizzato(self, obj):
        return euro(obj.riga.utilizzato)

    @admin.display(description=_("disponibile"))
    def disponibile(self, obj):
        return euro(obj.riga.disponibile)

    @admin.display(description=_("% usata"))
    def percentuale(self, obj):
        return percentuale(obj.riga.percentuale_utilizzata)

    @admin.display(description=_("tranche dell'accordo"))
    def situazione_budget(self, obj):
        if obj.pk is None:
            return _("Disponibile dopo il salvataggio.")
        return _situazione(obj.accordo)


class PrestazioneForm(RegoleModelForm):
    @staticmethod
    def servizio(prestazione, utente):
        return services.prestazione_salva(prestazione=prestazione, utente=utente)

    class Meta:
        model = Prestazione
        fields = (
            "tranche",
            "tipo",
            "fornitore",
            "laboratorio",
            "descrizione",
            "data",
            "importo",
            "numero_documento",
            "data_documento",
            "documento",
        )
        widgets = {
            "documento": DocumentoPrivatoWidget,
            "descrizione": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "documento" in self.fields and self.instance.pk and self.instance.documento:
            self.fields["documento"].widget.url_documento = reverse(
                "budget:documento_prestazione", args=[self.instance.pk]
            )
        if "tranche" in self.fields:
            # With more than one agreement in reach, «2024» alone is ambiguous.
            campo = self.fields["tranche"]
            accordi = {t.accordo_id for t in campo.queryset}
            if len(accordi) > 1:
                campo.label_from_instance = lambda t: (
                    f"{t} · {Truncator(t.accordo.titolo).chars(50)}"
                )

    def clean_importo(self):
        return _valida_importo(self.cleaned_data.get("importo"))


SOLO_MODIFICA = (_("Quota amministrativa"), _("Situazione del budget"), _("Registrazione"))


@admin.register(Prestazione)
class PrestazioneAdmin(AdminRiservato):
    form = PrestazioneForm
    list_display = (
        "data_breve",
        "descrizione",
        "tipo",
        "fornitore_breve",
        "tranche_breve",
        "valore",
        "quota",
        "totale",
        "con_documento",
    )
    list_filter = (
        filtro_correlati("tranche__accordo"),
        filtro_correlati("tranche"),
        "tipo",
        filtro_correlati("fornitore"),
        filtro_correlati("laboratorio"),
    )
    list_select_related = ("tranche", "fornitore")
    search_fields = ("descrizione", "fornitore__nome", "numero_documento")
    date_hierarchy = "data"
    autocomplete_fields = ("fornitore",)
    Media = BudgetMedia
    readonly_fields = (
        "aliquota_quota_amministrativa",
        "quota_amministrativa",
        "creata_da",
        "creata_il",
        "modificata_il",
        "situazione_budget",
        "documento_privato",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "tranche",
                    "tipo",
                    "fornitore",
                    "laboratorio",
                    "descrizione",
                    "data",
                    "importo",
                )
            },
        ),
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

    def righe_visibili(self, request):
        return prestazioni_visibili(request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # Nothing is computed or registered yet: the add page shows the
            # budget of the agreements instead (add_view, change_form.html).
            return [(nome, opzioni) for nome, opzioni in fieldsets if nome not in SOLO_MODIFICA]
        if not self.has_change_permission(request, obj):
            # Read-only, Django would link the file through its storage URL,
            # which private files do not have: link the checking view instead.
            fieldsets = [
                (
                    nome,
                    {
                        **opzioni,
                        "fields": tuple(
                            "documento_privato" if campo == "documento" else campo
                            for campo in opzioni["fields"]
                        ),
                    },
                )
                for nome, opzioni in fieldsets
            ]
        return fieldsets

    def add_view(self, request, form_url="", extra_context=None):
        accordi = accordi_visibili(request.user).exclude(stato=StatoAccordo.CONCLUSO)
        situazioni = [
            render_to_string("budget/admin/situazione.html", {"stato": stato})
            for stato in stati_budget(accordi)
        ]
        extra_context = {**(extra_context or {}), "situazioni_budget": situazioni}
        return super().add_view(request, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tranche":
            kwargs["queryset"] = tranche_visibili(request.user).select_related("accordo")
        elif db_field.name == "laboratorio":
            kwargs["queryset"] = laboratori_visibili(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("data"), ordering="data")
    def data_breve(self, obj):
        return data_it(obj.data)

    @admin.display(description=_("fornitore"), ordering="fornitore__nome")
    def fornitore_breve(self, obj):
        return Truncator(obj.fornitore.nome).chars(35) if obj.fornitore_id else "-"

    @admin.display(description=_("tranche"), ordering="tranche__data_inizio")
    def tranche_breve(self, obj):
        return obj.tranche.etichetta

    @admin.display(description=_("valore"), ordering="importo")
    def valore(self, obj):
        return euro(obj.importo)

    @admin.display(description=_("quota amm."), ordering="quota_amministrativa")
    def quota(self, obj):
        return euro(obj.quota_amministrativa)

    @admin.display(description=_("addebitato"))
    def totale(self, obj):
        return euro(obj.totale_addebitato)

    @admin.display(description=_("documento"), boolean=True)
    def con_documento(self, obj):
        return bool(obj.documento)

    @admin.display(description=_("documento"))
    def documento_privato(self, obj):
        if obj is None or obj.pk is None or not obj.documento:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("budget:documento_prestazione", args=[obj.pk]),
            obj.documento.name.rsplit("/", 1)[-1],
        )

    @admin.display(description=_("tranche dell'accordo"))
    def situazione_budget(self, obj):
        if obj.pk is None:
            return _(
                "Scegliere la tranche e salvare: il disponibile è mostrato qui e nell'elenco tranche."
            )
        return _situazione(obj.tranche.accordo)

    def get_deleted_objects(self, objs, request):
        """Prestazioni of a closed period (approved report) are listed as
        protected, so the delete page explains the refusal and deletes
        nothing, for one prestazione and for the bulk action alike."""
        cancellabili, conteggio, permessi, protetti = super().get_deleted_objects(objs, request)
        for prestazione in objs:
            chiuso = errore_periodo_chiuso(prestazione.tranche.accordo_id, prestazione.data)
            if chiuso:
                protetti = [*protetti, f"{prestazione}: {chiuso}"]
        return cancellabili, conteggio, permessi, protetti

    def delete_model(self, request, obj):
        services.prestazione_elimina(prestazione=obj, utente=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for prestazione in queryset.select_related("tranche"):
                services.prestazione_elimina(prestazione=prestazione, utente=request.user)


# The agreement's page of the admin lives here, not in accordo/admin.py: its
# money rules (rates, design cap, carry-over) are checked and saved by
# budget.services, and the page shows the budget; accordo sits below budget.


class ObiettivoInline(admin.TabularInline):
    model = Obiettivo
    extra = 0
    fields = ("numero", "testo")


class AccordoForm(RegoleModelForm):
    @staticmethod
    def servizio(accordo, utente):
        return services.accordo_salva(accordo=accordo, utente=utente)

    class Meta:
        model = Accordo
        fields = "__all__"
        widgets = {"titolo": forms.Textarea(attrs={"rows": 2, "cols": 80})}


@admin.register(Accordo)
class AccordoAdmin(AdminRiservato):
    form = AccordoForm
    inlines = [ObiettivoInline]
    list_display = (
        "titolo_breve",
        "ente_pubblico",
        "ente_partner",
        "data_inizio",
        "data_fine",
        "stato",
        "budget_totale",
        "budget_disponibile",
        "progettazione_disponibile",
    )
    list_filter = ("stato", filtro_correlati("ente_pubblico"), filtro_correlati("ente_partner"))
    list_select_related = ("ente_pubblico", "ente_partner")
    search_fields = (
        "titolo",
        "riferimento",
        "oggetto",
        "ente_pubblico__nome",
        "ente_partner__nome",
    )
    readonly_fields = ("situazione_budget",)

    class Media:
        css = {"all": ["budget/admin.css"]}

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
        (_("Laboratori"), {"fields": ("giorni_modifica_sessioni",)}),
        (_("Situazione del budget"), {"fields": ("situazione_budget",)}),
        (_("Note"), {"fields": ("note",)}),
    )

    def righe_visibili(self, request):
        return accordi_visibili(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        utente = request.user
        if (
            db_field.name == "ente_pubblico"
            and not utente.is_superuser
            and utente.ente_id is not None
            and utente.ente.tipo == TipoEnte.COMUNE
        ):
            # A Comune's staff set up their own Comune's agreements.
            kwargs["queryset"] = Ente.objects.filter(pk=utente.ente_id)
            kwargs.setdefault("initial", utente.ente_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        stati = {s.accordo_id: s for s in stati_budget(changelist.result_list)}
        for accordo in changelist.result_list:
            accordo.stato_budget = stati[accordo.pk]
        return changelist

    @admin.display(description=_("titolo"), ordering="titolo")
    def titolo_breve(self, obj):
        return Truncator(obj.titolo).chars(90)

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
