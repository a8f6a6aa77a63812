from django import forms
from django.contrib import admin
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from accordo.models import Accordo, Ente, Obiettivo, TipoEnte
from budget import services
from budget.selectors import stati_budget, stato_budget
from core.admin_forms import AdminRiservato, RegoleModelForm, filtro_correlati
from core.formati import euro


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


class ObiettivoInline(admin.TabularInline):
    model = Obiettivo
    extra = 0
    fields = ("numero", "testo")


class AccordoForm(RegoleModelForm):
    controllo_regole = services.errori_accordo

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

    def save_model(self, request, obj, form, change):
        services.accordo_salva(accordo=obj, utente=request.user)
