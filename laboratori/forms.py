"""The session form used by cooperative staff, often on a phone in the
laboratory itself, and the admin's forms that go through the same rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import construct_instance
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.formati import data_it
from laboratori import services
from laboratori.access import partecipanti_visibili
from laboratori.models import (
    FasciaEta,
    Genere,
    Laboratorio,
    LivelloScolastico,
    Partecipante,
    ServizioInviante,
    Sessione,
)

MAX_NUOVI_PARTECIPANTI = 20

CAMPI_SESSIONE = (
    "data",
    "ora_inizio",
    "ora_fine",
    "educatori",
    "numero_educatori",
    "ore_educatori",
    "volontari",
    "ore_volontari",
    "note",
)


def _con_vuoto(scelte):
    return [("", "—"), *scelte]


def aggiungi_errori(form: forms.Form, errori: dict[str, list[str]]) -> None:
    """Put a service's {field: [messages]} on the form: on the field when the
    form has it, otherwise among the errors of the whole form."""
    for campo, messaggi in errori.items():
        destinazione = campo if campo in form.fields else None
        for messaggio in messaggi:
            form.add_error(destinazione, messaggio)


class SenzaVincoliDelDatabase:
    """Skip Django's model validation in `_post_clean`: the session service
    validates the instance itself (fields and rules) and words each problem
    for the person typing, where the database constraints would only say
    that "sessione_fine_dopo_inizio" is violated."""

    def _post_clean(self):
        opts = self._meta
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except ValidationError as exc:
            self._update_errors(exc)


class CampoPresenti(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Partecipante) -> str:
        # The code on its own line, as written in the paper register.
        return format_html(
            '<span class="codice">{}</span> <span class="fascia">{}</span>',
            obj.codice,
            obj.get_fascia_eta_display(),
        )


class SessioneForm(SenzaVincoliDelDatabase, forms.ModelForm):
    """A session with its attendance, and optionally a few participants met
    for the first time, registered with fresh codes and marked present."""

    presenti = CampoPresenti(
        label=_("Presenti"),
        queryset=Partecipante.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "Il partecipante indicato (%(value)s) non è tra quelli che può registrare."
            ),
            "invalid_pk_value": _("«%(pk)s» non è un partecipante valido."),
        },
    )
    nuovi_quanti = forms.IntegerField(
        label=_("Quanti nuovi partecipanti con queste caratteristiche"),
        min_value=0,
        max_value=MAX_NUOVI_PARTECIPANTI,
        initial=0,
        required=False,
        help_text=_("Ragazzi alla prima presenza: ricevono un codice nuovo e risultano presenti."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    nuovi_fascia_eta = forms.ChoiceField(
        label=_("Fascia d'età"), choices=_con_vuoto(FasciaEta.choices), required=False
    )
    nuovi_genere = forms.ChoiceField(
        label=_("Genere"), choices=_con_vuoto(Genere.choices), required=False
    )
    nuovi_livello_scolastico = forms.ChoiceField(
        label=_("Livello scolastico"),
        choices=_con_vuoto(LivelloScolastico.choices),
        required=False,
    )
    nuovi_servizio_inviante = forms.ChoiceField(
        label=_("Servizio inviante"),
        choices=_con_vuoto(ServizioInviante.choices),
        required=False,
    )

    CARATTERISTICHE_NUOVI = (
        "nuovi_fascia_eta",
        "nuovi_genere",
        "nuovi_livello_scolastico",
        "nuovi_servizio_inviante",
    )

    class Meta:
        model = Sessione
        fields = CAMPI_SESSIONE
        widgets = {
            "data": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ora_inizio": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ora_fine": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "educatori": forms.TextInput(attrs={"autocomplete": "off"}),
            "numero_educatori": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "ore_educatori": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.25"}),
            "volontari": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "ore_volontari": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.25"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, laboratorio: Laboratorio, utente, **kwargs):
        kwargs.setdefault("instance", Sessione(laboratorio=laboratorio))
        super().__init__(*args, **kwargs)
        self.laboratorio = laboratorio
        self.utente = utente
        self.nuovi: list[Partecipante] = []
        for campo in self.fields.values():
            if not isinstance(campo.widget, forms.CheckboxSelectMultiple | forms.Select):
                campo.widget.attrs.setdefault("class", "form-control")

        # Any participant the user may see can be ticked (the service refuses
        # one of another agreement, saying so); the boxes offer the ones
        # enrolled in this laboratory, which includes everyone who attended.
        presenti = self.fields["presenti"]
        presenti.queryset = partecipanti_visibili(utente)
        iscritti = laboratorio.iscritti.order_by("codice")
        presenti.widget.choices = [(p.pk, presenti.label_from_instance(p)) for p in iscritti]
        if self.instance.pk:
            self.initial.setdefault(
                "presenti",
                list(self.instance.righe_presenza.values_list("partecipante_id", flat=True)),
            )

    @property
    def nuovi_aperti(self) -> bool:
        """Show the new participants' fieldset open when it is the only way
        to record attendance, or when it was filled in or is wrong."""
        if not self.fields["presenti"].widget.choices:
            return True
        if not self.is_bound:
            return False
        campi = ("nuovi_quanti", *self.CARATTERISTICHE_NUOVI)
        return any(campo in self.errors for campo in campi) or any(
            self.data.get(self.add_prefix(campo)) not in (None, "", "0") for campo in campi
        )

    def clean(self):
        dati = super().clean()
        quanti = dati.get("nuovi_quanti") or 0
        scelte = {campo: dati.get(campo) for campo in self.CARATTERISTICHE_NUOVI}
        if quanti:
            for campo, valore in scelte.items():
                if not valore:
                    self.add_error(campo, _("Indicare questo dato per i nuovi partecipanti."))
        elif any(scelte.values()):
            self.add_error(
                "nuovi_quanti",
                _("Indicare quanti nuovi partecipanti registrare con queste caratteristiche."),
            )
        return dati

    def _post_clean(self):
        super()._post_clean()
        if any(campo in self.errors for campo in (*CAMPI_SESSIONE, "presenti")):
            return
        aggiungi_errori(
            self,
            services.errori_sessione(
                self.instance, self.cleaned_data.get("presenti") or [], self.utente
            ),
        )

    def messaggio_salvata(self) -> str:
        """What the page says once the session is saved: how many attended
        and, standing out, the codes of the new participants, which the
        educator copies into the paper register."""
        sessione = self.instance
        presenti = sessione.righe_presenza.count()
        messaggio = ngettext(
            "Sessione del %(data)s salvata con %(n)s presente.",
            "Sessione del %(data)s salvata con %(n)s presenti.",
            presenti,
        ) % {"data": data_it(sessione.data), "n": presenti}
        if not self.nuovi:
            return messaggio
        codici = format_html_join(
            ", ", '<strong class="codice">{}</strong>', ((p.codice,) for p in self.nuovi)
        )
        return format_html(
            "{} {}",
            messaggio,
            format_html(
                ngettext(
                    "Nuovo partecipante: {codici}. Riportare il codice sul registro cartaceo.",
                    "Nuovi partecipanti: {codici}. Riportare i codici sul registro cartaceo.",
                    len(self.nuovi),
                ),
                codici=codici,
            ),
        )

    @transaction.atomic
    def salva(self) -> Sessione:
        """Register the new participants and save the session with its
        attendance in one transaction: if the session is refused, no
        participant is left behind. Raises ValidationError like the service."""
        dati = self.cleaned_data
        self.nuovi = [
            services.partecipante_crea(
                laboratorio=self.laboratorio,
                fascia_eta=dati["nuovi_fascia_eta"],
                genere=dati["nuovi_genere"],
                livello_scolastico=dati["nuovi_livello_scolastico"],
                servizio_inviante=dati["nuovi_servizio_inviante"],
            )
            for _n in range(dati.get("nuovi_quanti") or 0)
        ]
        return services.sessione_salva(
            sessione=self.instance,
            presenti=[*dati["presenti"], *self.nuovi],
            utente=self.utente,
        )


class SessioneAdminForm(SenzaVincoliDelDatabase, forms.ModelForm):
    """The admin edits a session's data, not its attendance; the rules are
    the service's, checked with the attendance as it stands."""

    utente = None  # set by the admin for each request

    class Meta:
        model = Sessione
        fields = ("laboratorio", *CAMPI_SESSIONE)

    def presenti_attuali(self) -> list[Partecipante]:
        if self.instance.pk is None:
            return []
        return list(Partecipante.objects.filter(righe_presenza__sessione=self.instance))

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        aggiungi_errori(
            self, services.errori_sessione(self.instance, self.presenti_attuali(), self.utente)
        )


class LaboratorioAdminForm(forms.ModelForm):
    class Meta:
        model = Laboratorio
        fields = (
            "accordo",
            "titolo",
            "tipo",
            "cooperativa",
            "luogo",
            "descrizione",
            "data_inizio",
            "data_fine",
            "eta_minima",
            "eta_massima",
            "sessioni_previste",
            "ore_previste",
            "stato",
            "obiettivi",
        )

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        aggiungi_errori(
            self,
            services.errori_laboratorio(
                self.instance, obiettivi=self.cleaned_data.get("obiettivi")
            ),
        )
