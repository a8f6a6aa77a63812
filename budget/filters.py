"""Filters of the prestazioni's list."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accordo.access import accordi_visibili
from accordo.models import Accordo, Ente
from budget.access import tranche_visibili
from budget.models import Prestazione, TipoPrestazione, Tranche
from laboratori.access import laboratori_visibili
from laboratori.models import Laboratorio


def etichetta_tranche(tranche: Tranche, con_accordo: bool) -> str:
    """«2024 (01/09/2024 - 31/12/2024)», with the agreement's title when the
    user sees more than one agreement and «2024» alone is ambiguous."""
    if con_accordo:
        return f"{tranche} · {tranche.accordo.titolo}"
    return str(tranche)


class FiltroPrestazioni(django_filters.FilterSet):
    """Filters over the prestazioni `queryset` (already limited to what the
    user may see): the choices offer only the user's agreements, and only the
    suppliers that appear in the visible rows, so no other agreement's names
    leak into a select."""

    q = django_filters.CharFilter(method="cerca", label=_("Cerca"))
    accordo = django_filters.ModelChoiceFilter(
        field_name="tranche__accordo",
        queryset=Accordo.objects.none(),
        label=_("Accordo"),
        empty_label=_("Tutti"),
    )
    tranche = django_filters.ModelChoiceFilter(
        queryset=Tranche.objects.none(), label=_("Tranche"), empty_label=_("Tutte")
    )
    tipo = django_filters.ChoiceFilter(
        choices=TipoPrestazione.choices, label=_("Tipo"), empty_label=_("Tutti")
    )
    fornitore = django_filters.ModelChoiceFilter(
        queryset=Ente.objects.none(), label=_("Fornitore"), empty_label=_("Tutti")
    )
    laboratorio = django_filters.ModelChoiceFilter(
        queryset=Laboratorio.objects.none(), label=_("Laboratorio"), empty_label=_("Tutti")
    )
    dal = django_filters.DateFilter(
        field_name="data",
        lookup_expr="gte",
        label=_("Dal"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    al = django_filters.DateFilter(
        field_name="data",
        lookup_expr="lte",
        label=_("Al"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Prestazione
        fields = ["q", "accordo", "tranche", "tipo", "fornitore", "laboratorio", "dal", "al"]

    def __init__(self, *args, utente, **kwargs):
        super().__init__(*args, **kwargs)
        accordi = accordi_visibili(utente)
        # One agreement in reach (the usual case): its select would offer a
        # single choice, and tranche labels need no agreement title.
        piu_accordi = accordi.count() > 1
        if piu_accordi:
            self.filters["accordo"].queryset = accordi.order_by("-data_inizio", "titolo")
        else:
            del self.filters["accordo"]
        self.filters["tranche"].queryset = (
            tranche_visibili(utente)
            .select_related("accordo")
            .order_by("accordo__titolo", "data_inizio")
        )
        self.filters["fornitore"].queryset = Ente.objects.filter(
            pk__in=self.queryset.values("fornitore")
        ).order_by("nome")
        self.filters["laboratorio"].queryset = laboratori_visibili(utente).order_by("titolo")
        # The form is built from the filters on first access: only now.
        self.form.fields["tranche"].label_from_instance = lambda t: etichetta_tranche(
            t, piu_accordi
        )
        for campo in self.form.fields.values():
            if not isinstance(campo.widget, forms.Select):
                campo.widget.attrs.setdefault("class", "form-control")
        ricerca = self.form.fields["q"]
        ricerca.widget.input_type = "search"
        ricerca.widget.attrs.update({"autocomplete": "off"})
        ricerca.help_text = _("Nella descrizione, nel fornitore o nel numero del documento.")

    def cerca(self, queryset, name, value):
        return queryset.filter(
            Q(descrizione__icontains=value)
            | Q(fornitore__nome__icontains=value)
            | Q(numero_documento__icontains=value)
        )

    @property
    def attivi(self) -> bool:
        return self.is_bound and any(self.data.get(nome) for nome in self.filters)
