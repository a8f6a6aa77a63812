"""Forms of the report pages: the report itself (Consorzio), the Comune's
review (approve, send back with remarks), and the list's filter."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from core.formati import data_it, euro
from rendicontazione.models import Rendiconto, StatoRendiconto
from rendicontazione.riepilogo import Riepilogo

NON_IDENTIFICARE = _(
    "Non indicare nomi, iniziali o altri dati che permettano di riconoscere i ragazzi."
)


def aggiungi_errori(form: forms.Form, errori: dict[str, list[str]]) -> None:
    """Put a service's {field: [messages]} on the form: on the field when the
    form has it (and it is not disabled), otherwise on the whole form."""
    for campo, messaggi in errori.items():
        destinazione = campo if campo in form.fields and not form.fields[campo].disabled else None
        for messaggio in messaggi:
            form.add_error(destinazione, messaggio)


def errori_di(exc) -> dict[str, list[str]]:
    """A ValidationError as {field: [messages]}, whatever its shape."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


class RendicontoForm(forms.ModelForm):
    """The report's period, kind and narrative. The agreement and the period
    are fixed once the report has been sent (the service refuses a change)."""

    class Meta:
        model = Rendiconto
        fields = (
            "accordo",
            "dal",
            "al",
            "tipo",
            "attivita_svolte",
            "risultati",
            "criticita",
            "prospettive",
        )
        widgets = {
            "dal": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "al": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "attivita_svolte": forms.Textarea(attrs={"rows": 8}),
            "risultati": forms.Textarea(attrs={"rows": 6}),
            "criticita": forms.Textarea(attrs={"rows": 5}),
            "prospettive": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "tipo": _("Periodico per una parte dell'accordo, finale per la chiusura."),
            "attivita_svolte": _(
                "Cosa è stato fatto nel periodo: laboratori, incontri di rete, progettazione. "
                "Obbligatorio per inviare il rendiconto. "
            )
            + NON_IDENTIFICARE,
            "risultati": _("Cosa è cambiato per i ragazzi e per il territorio. ")
            + NON_IDENTIFICARE,
            "criticita": _("Difficoltà incontrate e come sono state affrontate. ")
            + NON_IDENTIFICARE,
            "prospettive": _("Cosa si intende fare nel periodo successivo. ") + NON_IDENTIFICARE,
        }

    def __init__(self, *args, utente, **kwargs):
        super().__init__(*args, **kwargs)
        accordi = accordi_visibili(utente).order_by("-data_inizio", "pk")
        campo_accordo = self.fields["accordo"]
        campo_accordo.queryset = accordi
        campo_accordo.empty_label = None if accordi.count() == 1 else "—"
        if self.instance.pk and self.instance.stato != StatoRendiconto.BOZZA:
            for nome in ("accordo", "dal", "al"):
                self.fields[nome].disabled = True
                self.fields[nome].help_text = _(
                    "Non si cambia dopo l'invio: il periodo è quello del rendiconto inviato."
                )
        for nome, campo in self.fields.items():
            if nome not in ("accordo", "tipo"):
                campo.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        dati = super().clean()
        dal, al = dati.get("dal"), dati.get("al")
        if dal and al and al < dal:
            self.add_error(
                "al",
                _("La fine del periodo (%(al)s) non può precedere l'inizio (%(dal)s).")
                % {"al": data_it(al), "dal": data_it(dal)},
            )
        return dati


class ApprovaForm(forms.Form):
    osservazioni = forms.CharField(
        label=_("Osservazioni"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Facoltative: restano nello storico del rendiconto."),
    )


class RimandaForm(forms.Form):
    osservazioni = forms.CharField(
        label=_("Cosa integrare o correggere"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_(
            "Osservazioni sul rendiconto nel suo insieme. Per una singola prestazione o "
            "sessione usare le righe qui sotto."
        ),
    )


def scelte_voci(riassunto: Riepilogo) -> list:
    """The items of a sent summary a remark can be about, grouped: values
    `p-<id>` for a prestazione and `s-<id>` for a session."""
    prestazioni = [
        (f"p-{v.id}", f"{data_it(v.data)} · {v.descrizione} ({euro(v.totale)})")
        for v in riassunto.prestazioni
    ]
    sessioni = [
        (f"s-{s.id}", f"{data_it(s.data)} · {s.laboratorio} ({s.ora_inizio:%H:%M})")
        for s in riassunto.sessioni
    ]
    scelte: list = [("", "—")]
    if prestazioni:
        scelte.append((_("Prestazioni"), prestazioni))
    if sessioni:
        scelte.append((_("Sessioni"), sessioni))
    return scelte


class OsservazioneVoceForm(forms.Form):
    voce = forms.ChoiceField(label=_("Prestazione o sessione"), required=False, choices=())
    testo = forms.CharField(
        label=_("Osservazione"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args, scelte, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voce"].choices = scelte

    def clean(self):
        dati = super().clean()
        voce, testo = dati.get("voce"), (dati.get("testo") or "").strip()
        if voce and not testo:
            self.add_error("testo", _("Scrivere l'osservazione sulla voce scelta."))
        if testo and not voce:
            self.add_error("voce", _("Scegliere la prestazione o la sessione a cui si riferisce."))
        return dati

    def voce_scelta(self) -> tuple[int | None, int | None]:
        """(prestazione_id, sessione_id) of the chosen item."""
        tipo, _trattino, numero = self.cleaned_data["voce"].partition("-")
        return (int(numero), None) if tipo == "p" else (None, int(numero))


OsservazioniVociFormSet = forms.formset_factory(
    OsservazioneVoceForm, extra=5, max_num=5, validate_max=True
)


class FiltroRendiconti(django_filters.FilterSet):
    stato = django_filters.ChoiceFilter(
        choices=StatoRendiconto.choices, label=_("Stato"), empty_label=_("Tutti")
    )

    class Meta:
        model = Rendiconto
        fields = ["stato"]

    @property
    def attivi(self) -> bool:
        return self.is_bound and any(self.data.get(nome) for nome in self.filters)
