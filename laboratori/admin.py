"""The admin of laboratories, sessions and participants, for the consortium
(which edits) and the Comune (which reads).

Every list starts from laboratori.access, and every write goes through
laboratori.services, so the admin neither shows another agreement's rows nor
saves a session the pages would refuse. Cooperatives do not use the admin.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from accordo.models import Ente, Obiettivo, TipoEnte
from core.admin_forms import AdminRiservato, AutocompleteSicuro, filtro_correlati
from laboratori import services
from laboratori.access import (
    laboratori_modificabili,
    laboratori_visibili,
    partecipanti_visibili,
    sessioni_visibili,
)
from laboratori.forms import LaboratorioAdminForm, SessioneAdminForm
from laboratori.models import Laboratorio, Partecipante, PartnerLaboratorio, Sessione


class PartnerLaboratorioInline(AutocompleteSicuro, admin.TabularInline):
    model = PartnerLaboratorio
    extra = 0
    autocomplete_fields = ("ente",)


@admin.register(Laboratorio)
class LaboratorioAdmin(AdminRiservato):
    form = LaboratorioAdminForm
    inlines = [PartnerLaboratorioInline]
    list_display = ("titolo", "tipo", "cooperativa", "luogo", "data_inizio", "data_fine", "stato")
    list_filter = (
        filtro_correlati("accordo"),
        filtro_correlati("cooperativa"),
        "tipo",
        "stato",
    )
    list_select_related = ("cooperativa",)
    search_fields = ("titolo", "luogo")
    filter_horizontal = ("obiettivi",)
    fieldsets = (
        (None, {"fields": ("accordo", "titolo", "tipo", "cooperativa", "luogo", "descrizione")}),
        (
            _("Periodo e destinatari"),
            {"fields": (("data_inizio", "data_fine"), ("eta_minima", "eta_massima"))},
        ),
        (_("Programma"), {"fields": ("sessioni_previste", "ore_previste", "stato", "obiettivi")}),
    )

    def righe_visibili(self, request):
        return laboratori_visibili(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "accordo":
            kwargs["queryset"] = accordi_visibili(request.user)
        elif db_field.name == "cooperativa":
            kwargs["queryset"] = (
                Ente.objects.filter(
                    tipo=TipoEnte.COOPERATIVA,
                    consorzio__accordi_come_partner__in=accordi_visibili(request.user),
                )
                .distinct()
                .order_by("nome")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "obiettivi":
            kwargs["queryset"] = Obiettivo.objects.filter(
                accordo__in=accordi_visibili(request.user)
            ).select_related("accordo")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The objectives are saved with the form's other relations, after this.
        services.laboratorio_salva(laboratorio=obj, utente=request.user)


@admin.register(Sessione)
class SessioneAdmin(AdminRiservato):
    form = SessioneAdminForm
    list_display = (
        "data",
        "orario",
        "laboratorio",
        "numero_presenti",
        "ore_educatori",
        "volontari",
    )
    list_filter = (
        filtro_correlati("laboratorio__accordo"),
        filtro_correlati("laboratorio__cooperativa"),
        filtro_correlati("laboratorio"),
    )
    list_select_related = ("laboratorio",)
    search_fields = ("laboratorio__titolo", "educatori", "note")
    date_hierarchy = "data"
    readonly_fields = ("presenti", "creata_da", "creata_il", "modificata_il")
    fieldsets = (
        (None, {"fields": ("laboratorio", "data", ("ora_inizio", "ora_fine"))}),
        (
            _("Educatori e volontari"),
            {
                "fields": (
                    "educatori",
                    ("numero_educatori", "ore_educatori"),
                    ("volontari", "ore_volontari"),
                )
            },
        ),
        (_("Attività"), {"fields": ("note",)}),
        (
            _("Presenze"),
            {
                "fields": ("presenti",),
                "description": _(
                    "Le presenze si registrano dalla pagina della sessione, dove si aggiungono "
                    "anche i nuovi partecipanti."
                ),
            },
        ),
        (_("Registrazione"), {"fields": ("creata_da", "creata_il", "modificata_il")}),
    )

    def righe_visibili(self, request):
        return sessioni_visibili(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(numero_presenti=Count("righe_presenza"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.utente = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "laboratorio":
            kwargs["queryset"] = laboratori_modificabili(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("orario"))
    def orario(self, obj):
        return f"{obj.ora_inizio:%H:%M}–{obj.ora_fine:%H:%M}"

    @admin.display(description=_("presenti"), ordering="numero_presenti")
    def numero_presenti(self, obj):
        return obj.numero_presenti

    @admin.display(description=_("presenti"))
    def presenti(self, obj):
        if obj.pk is None:
            return "—"
        codici = sorted(
            Partecipante.objects.filter(righe_presenza__sessione=obj).values_list(
                "codice", flat=True
            )
        )
        return f"{len(codici)}: {', '.join(codici)}" if codici else "0"

    def save_model(self, request, obj, form, change):
        services.sessione_salva(sessione=obj, presenti=form.presenti_attuali(), utente=request.user)

    def delete_model(self, request, obj):
        services.sessione_elimina(sessione=obj, utente=request.user)

    def delete_queryset(self, request, queryset):
        for sessione in queryset:
            services.sessione_elimina(sessione=sessione, utente=request.user)


class PartecipanteAdminForm(forms.ModelForm):
    class Meta:
        model = Partecipante
        fields = ("fascia_eta", "genere", "livello_scolastico", "servizio_inviante", "laboratori")

    def clean_laboratori(self):
        laboratori = self.cleaned_data["laboratori"]
        if any(lab.accordo_id != self.instance.accordo_id for lab in laboratori):
            raise forms.ValidationError(
                _("Si può iscrivere il partecipante solo a laboratori del suo accordo.")
            )
        return laboratori


@admin.register(Partecipante)
class PartecipanteAdmin(admin.ModelAdmin):
    """Participants are registered from the session page, where each gets a
    generated code; here they can be read and their categories corrected."""

    form = PartecipanteAdminForm
    list_display = (
        "codice",
        "fascia_eta",
        "genere",
        "livello_scolastico",
        "servizio_inviante",
        "elenco_laboratori",
    )
    list_filter = (
        filtro_correlati("accordo"),
        "fascia_eta",
        "genere",
        "livello_scolastico",
        "servizio_inviante",
        filtro_correlati("laboratori"),
    )
    search_fields = ("codice",)
    readonly_fields = ("codice", "accordo", "creato_il")
    fields = (
        "codice",
        "accordo",
        "fascia_eta",
        "genere",
        "livello_scolastico",
        "servizio_inviante",
        "laboratori",
        "creato_il",
    )
    filter_horizontal = ("laboratori",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=partecipanti_visibili(request.user))
            .prefetch_related("laboratori")
        )

    def has_add_permission(self, request):
        return False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "laboratori":
            kwargs["queryset"] = laboratori_visibili(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("laboratori"))
    def elenco_laboratori(self, obj):
        return ", ".join(lab.titolo for lab in obj.laboratori.all())
