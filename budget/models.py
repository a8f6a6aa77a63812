from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.formati import data_it
from core.storage import private_storage
from core.validators import valida_allegato

IMPORTO = {"max_digits": 12, "decimal_places": 2}


class Tranche(models.Model):
    """A slice of an agreement's budget (quota): a period and a gross amount."""

    accordo = models.ForeignKey(
        "accordo.Accordo",
        verbose_name=_("accordo"),
        on_delete=models.PROTECT,
        related_name="tranche",
    )
    etichetta = models.CharField(_("etichetta"), max_length=50, help_text=_("Es. «2024»."))
    data_inizio = models.DateField(_("dal"))
    data_fine = models.DateField(_("al"))
    importo = models.DecimalField(
        _("importo lordo (€)"),
        **IMPORTO,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Importo lordo, IVA compresa."),
    )
    nota = models.TextField(
        _("nota"),
        blank=True,
        help_text=_("Es. discrepanze tra il testo dell'accordo e i dati caricati."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranche")
        ordering = ["accordo", "data_inizio"]
        constraints = [
            models.UniqueConstraint(
                fields=["accordo", "etichetta"],
                name="tranche_etichetta_unica",
                violation_error_message=_("Esiste già una tranche con questa etichetta."),
            ),
            models.CheckConstraint(condition=Q(importo__gt=0), name="tranche_importo_positivo"),
        ]

    def __str__(self):
        return f"{self.etichetta} ({data_it(self.data_inizio)} - {data_it(self.data_fine)})"

    def clean(self):
        super().clean()
        if self.data_inizio and self.data_fine and self.data_fine < self.data_inizio:
            raise ValidationError({"data_fine": _("La fine non può precedere l'inizio.")})
        if not (self.accordo_id and self.data_inizio and self.data_fine):
            return
        accordo = self.accordo
        if self.data_inizio < accordo.data_inizio or self.data_fine > accordo.data_fine:
            raise ValidationError(
                _(
                    "Il periodo della tranche deve stare nella durata dell'accordo (%(dal)s - %(al)s)."
                )
                % {"dal": data_it(accordo.data_inizio), "al": data_it(accordo.data_fine)}
            )
        sovrapposte = Tranche.objects.filter(
            accordo_id=self.accordo_id,
            data_inizio__lte=self.data_fine,
            data_fine__gte=self.data_inizio,
        ).exclude(pk=self.pk)
        if sovrapposte.exists():
            raise ValidationError(
                _("Il periodo si sovrappone alla tranche «%(t)s».")
                % {"t": sovrapposte.first().etichetta}
            )


class TipoPrestazione(models.TextChoices):
    """Art. 3's kinds of spending, plus the consortium's own design work."""

    PERSONALE_INTERNO = "personale_interno", _("Personale interno")
    PERSONALE_ESTERNO = "personale_esterno", _("Personale esterno")
    SERVIZI = "servizi", _("Acquisto di servizi")
    BENI_CONSUMO = "beni_consumo", _("Beni di consumo")
    BENEFICIARI = "beneficiari", _("Spese a favore dei beneficiari diretti")
    PROGETTAZIONE = "progettazione", _("Quota progettazione")


class Prestazione(models.Model):
    """One service or purchase activated by the consortium: the unit of spending.

    Created, edited and deleted only through budget.services, which applies
    the money rules under a lock.
    """

    tranche = models.ForeignKey(
        Tranche, verbose_name=_("tranche"), on_delete=models.PROTECT, related_name="prestazioni"
    )
    tipo = models.CharField(_("tipo"), max_length=30, choices=TipoPrestazione.choices)
    fornitore = models.ForeignKey(
        "accordo.Ente",
        verbose_name=_("fornitore"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prestazioni",
        help_text=_("Obbligatorio, tranne che per la quota progettazione."),
    )
    laboratorio = models.ForeignKey(
        "laboratori.Laboratorio",
        verbose_name=_("laboratorio"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prestazioni",
        help_text=_("Il laboratorio a cui la spesa si riferisce, se uno solo."),
    )
    descrizione = models.CharField(_("descrizione"), max_length=500)
    data = models.DateField(_("data"))
    importo = models.DecimalField(
        _("valore lordo (€)"),
        **IMPORTO,
        help_text=_("Valore della prestazione, IVA compresa, senza la quota amministrativa."),
    )
    aliquota_quota_amministrativa = models.DecimalField(
        _("aliquota quota amministrativa (%)"),
        max_digits=5,
        decimal_places=2,
        editable=False,
        help_text=_("L'aliquota in vigore quando la prestazione è stata registrata."),
    )
    quota_amministrativa = models.DecimalField(
        _("quota amministrativa (€)"), **IMPORTO, editable=False
    )
    numero_documento = models.CharField(
        _("numero documento"), max_length=50, blank=True, help_text=_("Fattura o ricevuta.")
    )
    data_documento = models.DateField(_("data documento"), null=True, blank=True)
    documento = models.FileField(
        _("documento"),
        storage=private_storage,
        upload_to="prestazioni/%Y/%m/",
        blank=True,
        validators=[valida_allegato],
        help_text=_(
            "PDF, JPEG o PNG, al massimo 10 MB. Visibile solo a chi può vedere la prestazione."
        ),
    )
    creata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrata da"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    creata_il = models.DateTimeField(_("registrata il"), auto_now_add=True)
    modificata_il = models.DateTimeField(_("modificata il"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("prestazione")
        verbose_name_plural = _("prestazioni")
        ordering = ["-data", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(importo__gt=0), name="prestazione_importo_positivo"),
            models.CheckConstraint(
                condition=Q(quota_amministrativa__gte=0), name="prestazione_quota_non_negativa"
            ),
        ]
        indexes = [
            # What each tranche carries is summed from here under the
            # agreement's lock, and the dashboard's spending by month: on
            # PostgreSQL the amounts are in the index itself, so the sums
            # read no table rows.
            models.Index(
                fields=["tranche", "tipo", "data"],
                include=["importo", "quota_amministrativa"],
                name="prestazione_somme_tranche",
            ),
            # The lists show the newest first: a page is read from here
            # without sorting every prestazione.
            models.Index(fields=["-data", "-id"], name="prestazione_recenti"),
        ]

    def __str__(self):
        return f"{data_it(self.data)} {self.get_tipo_display()}: {self.descrizione[:60]}"

    @property
    def progettazione(self) -> bool:
        return self.tipo == TipoPrestazione.PROGETTAZIONE

    @property
    def totale_addebitato(self) -> Decimal:
        return self.importo + self.quota_amministrativa
