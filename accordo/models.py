from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accordo.validators import normalizza_codice, valida_codice_fiscale, valida_partita_iva
from core.formati import data_it


class TipoEnte(models.TextChoices):
    COMUNE = "comune", _("Comune")
    CONSORZIO = "consorzio", _("Consorzio")
    COOPERATIVA = "cooperativa", _("Cooperativa")
    ASSOCIAZIONE = "associazione", _("Associazione")
    FORNITORE = "fornitore", _("Fornitore")


class Ente(models.Model):
    """An organisation: the Comune, the consortium, a member cooperative, an
    association or a supplier."""

    nome = models.CharField(_("denominazione"), max_length=200)
    tipo = models.CharField(_("tipo"), max_length=20, choices=TipoEnte.choices)
    codice_fiscale = models.CharField(
        _("codice fiscale"),
        max_length=16,
        blank=True,
        validators=[valida_codice_fiscale],
        help_text=_("11 cifre per un ente, 16 caratteri per una persona fisica."),
    )
    partita_iva = models.CharField(
        _("partita IVA"), max_length=11, blank=True, validators=[valida_partita_iva]
    )
    consorzio = models.ForeignKey(
        "self",
        verbose_name=_("consorzio"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consorziate",
        limit_choices_to={"tipo": TipoEnte.CONSORZIO},
        help_text=_("Per una cooperativa: il consorzio di cui fa parte."),
    )
    indirizzo = models.CharField(_("indirizzo"), max_length=200, blank=True)
    cap = models.CharField(_("CAP"), max_length=5, blank=True)
    citta = models.CharField(_("comune"), max_length=100, blank=True)
    provincia = models.CharField(_("provincia"), max_length=2, blank=True)
    legale_rappresentante = models.CharField(_("legale rappresentante"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    pec = models.EmailField(_("PEC"), blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ente")
        verbose_name_plural = _("enti")
        ordering = ["nome"]
        constraints = [
            models.UniqueConstraint(
                fields=["partita_iva"],
                condition=~Q(partita_iva=""),
                name="ente_partita_iva_unica",
                violation_error_message=_("Esiste già un ente con questa partita IVA."),
            ),
            models.UniqueConstraint(
                fields=["codice_fiscale"],
                condition=~Q(codice_fiscale=""),
                name="ente_codice_fiscale_unico",
                violation_error_message=_("Esiste già un ente con questo codice fiscale."),
            ),
        ]

    def __str__(self):
        return self.nome

    def clean(self):
        super().clean()
        self.codice_fiscale = normalizza_codice(self.codice_fiscale)
        self.partita_iva = normalizza_codice(self.partita_iva)
        if self.cap and not (self.cap.isdigit() and len(self.cap) == 5):
            raise ValidationError({"cap": _("Il CAP deve avere 5 cifre.")})
        if self.tipo == TipoEnte.COOPERATIVA and self.consorzio_id is None:
            raise ValidationError({"consorzio": _("Indicare il consorzio della cooperativa.")})
        if self.consorzio_id is not None:
            if self.tipo != TipoEnte.COOPERATIVA:
                raise ValidationError(
                    {"consorzio": _("Solo una cooperativa fa parte di un consorzio.")}
                )
            if self.consorzio.tipo != TipoEnte.CONSORZIO:
                raise ValidationError({"consorzio": _("L'ente indicato non è un consorzio.")})


class StatoAccordo(models.TextChoices):
    BOZZA = "bozza", _("Bozza")
    IN_VIGORE = "in_vigore", _("In vigore")
    CONCLUSO = "concluso", _("Concluso")


def _aliquota_validators():
    return [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Accordo(models.Model):
    """A collaboration agreement between a public body and a Third Sector
    partner, with its money rules held as data."""

    titolo = models.CharField(_("titolo"), max_length=300)
    riferimento = models.CharField(
        _("riferimento"),
        max_length=100,
        blank=True,
        help_text=_("Numero di protocollo o di repertorio, quando assegnato."),
    )
    oggetto = models.TextField(_("oggetto"), blank=True, help_text=_("Art. 1 dell'accordo."))
    ente_pubblico = models.ForeignKey(
        Ente,
        verbose_name=_("ente pubblico"),
        on_delete=models.PROTECT,
        related_name="accordi_come_ente_pubblico",
        limit_choices_to={"tipo": TipoEnte.COMUNE},
    )
    ufficio = models.CharField(
        _("settore / ufficio"),
        max_length=200,
        blank=True,
        help_text=_("Es. «Settore Politiche Sociali»: compare nell'intestazione dei rendiconti."),
    )
    firmatario_pubblico = models.CharField(_("firmatario per l'ente pubblico"), max_length=200)
    ente_partner = models.ForeignKey(
        Ente,
        verbose_name=_("ente del Terzo Settore"),
        on_delete=models.PROTECT,
        related_name="accordi_come_partner",
        limit_choices_to=~Q(tipo=TipoEnte.COMUNE),
    )
    firmatario_partner = models.CharField(_("firmatario per l'ente partner"), max_length=200)
    data_sottoscrizione = models.DateField(
        _("data di sottoscrizione"),
        null=True,
        blank=True,
        help_text=_("Lasciare vuota finché l'accordo non è firmato."),
    )
    data_inizio = models.DateField(_("in vigore dal"))
    data_fine = models.DateField(_("scadenza"))
    stato = models.CharField(
        _("stato"), max_length=20, choices=StatoAccordo.choices, default=StatoAccordo.BOZZA
    )
    aliquota_quota_amministrativa = models.DecimalField(
        _("quota amministrativa (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=_aliquota_validators(),
        help_text=_(
            "Percentuale applicata al valore di ogni singola prestazione. Cambiarla vale per "
            "le prestazioni future: ognuna conserva l'aliquota con cui è stata registrata."
        ),
    )
    tetto_progettazione = models.DecimalField(
        _("tetto quota progettazione (€)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("6000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Importo massimo per progettazione e costruzione della rete, su tutto l'accordo."
        ),
    )
    aliquota_iva = models.DecimalField(
        _("IVA (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=_aliquota_validators(),
        help_text=_("Gli importi sono lordi, IVA compresa. 0 se le somme sono fuori campo IVA."),
    )
    riporto_residui = models.BooleanField(
        _("riporto dei residui"),
        default=False,
        help_text=_(
            "Se attivo, la somma non spesa di una tranche si aggiunge alla tranche successiva. "
            "Attivare solo se l'accordo lo prevede."
        ),
    )
    giorni_modifica_sessioni = models.PositiveSmallIntegerField(
        _("giorni per modificare una sessione"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "Per quanti giorni dopo una sessione la cooperativa può ancora correggerla o "
            "cancellarla. Il Consorzio può correggerla anche dopo."
        ),
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accordo")
        verbose_name_plural = _("accordi")
        ordering = ["-data_inizio", "titolo"]

    def __str__(self):
        return f"{self.titolo} ({data_it(self.data_inizio)} - {data_it(self.data_fine)})"

    def clean(self):
        super().clean()
        if self.data_inizio and self.data_fine and self.data_fine < self.data_inizio:
            raise ValidationError(
                {"data_fine": _("La scadenza non può precedere la data di inizio.")}
            )
        if self.ente_pubblico_id and self.ente_pubblico.tipo != TipoEnte.COMUNE:
            raise ValidationError({"ente_pubblico": _("L'ente pubblico deve essere un Comune.")})
        if self.ente_partner_id and self.ente_partner.tipo == TipoEnte.COMUNE:
            raise ValidationError(
                {"ente_partner": _("L'ente partner deve essere un ente del Terzo Settore.")}
            )


class Obiettivo(models.Model):
    """One of the agreement's general objectives (Art. 2), in order."""

    accordo = models.ForeignKey(
        Accordo, verbose_name=_("accordo"), on_delete=models.CASCADE, related_name="obiettivi"
    )
    numero = models.PositiveSmallIntegerField(_("numero"))
    testo = models.TextField(_("testo"))

    class Meta:
        verbose_name = _("obiettivo")
        verbose_name_plural = _("obiettivi")
        ordering = ["accordo", "numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["accordo", "numero"],
                name="obiettivo_numero_unico",
                violation_error_message=_("Questo numero di obiettivo esiste già nell'accordo."),
            )
        ]

    def __str__(self):
        testo = self.testo if len(self.testo) <= 80 else self.testo[:77] + "..."
        return f"{self.numero}. {testo}"


class PeriodoChiuso(models.Model):
    """A period whose report was approved: its prestazioni and sessions can
    no longer be created, changed or deleted.

    Kept here, below budget and laboratori, so their services can check it
    without depending on the reporting app that creates it.
    """

    accordo = models.ForeignKey(
        Accordo, verbose_name=_("accordo"), on_delete=models.CASCADE, related_name="periodi_chiusi"
    )
    dal = models.DateField(_("dal"))
    al = models.DateField(_("al"))
    motivo = models.CharField(_("motivo"), max_length=300)
    chiuso_il = models.DateTimeField(_("chiuso il"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("periodo chiuso")
        verbose_name_plural = _("periodi chiusi")
        ordering = ["accordo", "dal"]

    def __str__(self):
        return f"{data_it(self.dal)} - {data_it(self.al)}"
