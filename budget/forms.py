"""The prestazione form of the web pages, and the preview's form.

They validate what a form can (an amount typed the Italian way, dates, the
type and size of the receipt); the money rules are checked once, by
budget.services.prestazione_salva, which the view calls with the form's
instance and whose refusal lands on these fields (core.moduli.aggiungi_errori).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from accordo.models import Ente, StatoAccordo, TipoEnte
from budget import rules
from budget.access import tranche_visibili
from budget.filters import etichetta_tranche
from budget.models import Prestazione, TipoPrestazione, Tranche
from core.admin_forms import ImportoField
from core.widgets import DocumentoPrivatoWidget
from laboratori.access import laboratori_visibili

CAMPI_PRESTAZIONE = (
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

TIPI_FORNITORE = (TipoEnte.FORNITORE, TipoEnte.ASSOCIAZIONE)


def fornitori_possibili(utente):
    """Suppliers and associations (not tied to an agreement), and the
    consortia of the user's agreements with their member cooperatives: never
    another agreement's parties, nor a Comune."""
    accordi = accordi_visibili(utente)
    return (
        Ente.objects.filter(
            Q(tipo__in=TIPI_FORNITORE)
            | Q(tipo=TipoEnte.CONSORZIO, accordi_come_partner__in=accordi)
            | Q(tipo=TipoEnte.COOPERATIVA, consorzio__accordi_come_partner__in=accordi)
        )
        .distinct()
        .order_by("nome")
    )


class PrestazioneForm(forms.ModelForm):
    """A prestazione as the Consorzio registers it.

    `utente` limits every choice to the user's agreements. When editing, the
    tranche and the laboratory stay within the prestazione's agreement (the
    service refuses a move to another one anyway).
    """

    class Meta:
        model = Prestazione
        fields = CAMPI_PRESTAZIONE
        field_classes = {"importo": ImportoField}
        labels = {"importo": _("Valore lordo (€)")}
        help_texts = {
            "importo": _(
                "IVA compresa, senza la quota amministrativa: si calcola da sé. Es. 1.234,56."
            ),
            "fornitore": _(
                "Obbligatorio, tranne che per la quota progettazione. Un fornitore che manca "
                "si aggiunge dall'amministrazione (Enti)."
            ),
        }
        widgets = {
            "descrizione": forms.Textarea(attrs={"rows": 2}),
            "data": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "data_documento": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "numero_documento": forms.TextInput(attrs={"autocomplete": "off"}),
            "documento": DocumentoPrivatoWidget(
                attrs={"accept": "application/pdf,image/jpeg,image/png"}
            ),
        }

    def __init__(self, *args, utente, **kwargs):
        super().__init__(*args, **kwargs)
        self.utente = utente
        accordo_id = self.instance.tranche.accordo_id if self.instance.tranche_id else None

        tranche = tranche_visibili(utente).select_related("accordo")
        laboratori = laboratori_visibili(utente)
        if accordo_id is not None:
            tranche = tranche.filter(accordo_id=accordo_id)
            laboratori = laboratori.filter(accordo_id=accordo_id)
        else:
            tranche = tranche.exclude(accordo__stato=StatoAccordo.CONCLUSO)
        piu_accordi = accordi_visibili(utente).count() > 1
        campo_tranche = self.fields["tranche"]
        campo_tranche.queryset = tranche.order_by("accordo__titolo", "data_inizio")
        campo_tranche.label_from_instance = lambda t: etichetta_tranche(t, piu_accordi)
        self.fields["laboratorio"].queryset = laboratori.order_by("titolo")
        self.fields["fornitore"].queryset = fornitori_possibili(utente)
        for nome in ("tranche", "fornitore", "laboratorio"):
            self.fields[nome].empty_label = "—"
        self.fields["tipo"].choices = [("", "—"), *TipoPrestazione.choices]

        documento = self.fields["documento"].widget
        if self.instance.pk and self.instance.documento:
            documento.url_documento = reverse(
                "budget:documento_prestazione", args=[self.instance.pk]
            )
        for campo in self.fields.values():
            if not isinstance(campo.widget, forms.Select):
                campo.widget.attrs.setdefault("class", "form-control")

    def clean_importo(self):
        """The rules' own words for a zero, negative or oversized amount."""
        importo = self.cleaned_data.get("importo")
        if importo is not None:
            messaggi = rules.errori_importo(importo)
            if messaggi:
                raise ValidationError(messaggi, code="importo")
        return importo


class AnteprimaForm(forms.Form):
    """What the preview needs, as typed so far (a query string or a posted
    form): the tranche among the user's, the kind and the amount, read the
    way PrestazioneForm reads them."""

    tranche = forms.ModelChoiceField(
        queryset=Tranche.objects.none(),
        error_messages={
            "required": _("Scegliere la tranche."),
            "invalid_choice": _("Scegliere la tranche."),
        },
    )
    tipo = forms.ChoiceField(
        choices=TipoPrestazione.choices,
        error_messages={
            "required": _("Scegliere il tipo di prestazione."),
            "invalid_choice": _("Scegliere il tipo di prestazione."),
        },
    )
    importo = ImportoField(
        max_digits=12,
        decimal_places=2,
    )

    def __init__(self, *args, utente, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tranche"].queryset = tranche_visibili(utente).select_related("accordo")

    def clean_importo(self):
        importo = self.cleaned_data["importo"]
        messaggi = rules.errori_importo(importo)
        if messaggi:
            raise ValidationError(messaggi, code="importo")
        return importo

    def messaggi(self) -> list[str]:
        """Every problem in one list, in the fields' order."""
        return [m for campo in self.fields for m in self.errors.get(campo, [])]
