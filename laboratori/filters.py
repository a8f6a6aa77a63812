"""Filters of the laboratories' list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accordo.models import Ente
from laboratori.access import lavora_per_cooperativa
from laboratori.models import Laboratorio, StatoLaboratorio, TipoLaboratorio


class FiltroLaboratori(django_filters.FilterSet):
    """Filters over the laboratories `queryset` (already limited to what the
    user may see), so the cooperative choice lists only cooperatives the user
    sees a laboratory of, and a cooperative's own staff get no such choice."""

    titolo = django_filters.CharFilter(
        field_name="titolo", lookup_expr="icontains", label=_("Cerca nel titolo")
    )
    stato = django_filters.ChoiceFilter(
        choices=StatoLaboratorio.choices, label=_("Stato"), empty_label=_("Tutti")
    )
    tipo = django_filters.ChoiceFilter(
        choices=TipoLaboratorio.choices, label=_("Tipo"), empty_label=_("Tutti")
    )
    cooperativa = django_filters.ModelChoiceFilter(
        queryset=Ente.objects.none(), label=_("Cooperativa"), empty_label=_("Tutte")
    )

    class Meta:
        model = Laboratorio
        fields = ["titolo", "stato", "tipo", "cooperativa"]

    def __init__(self, *args, utente, **kwargs):
        super().__init__(*args, **kwargs)
        if lavora_per_cooperativa(utente):
            del self.filters["cooperativa"]
        else:
            self.filters["cooperativa"].queryset = Ente.objects.filter(
                pk__in=self.queryset.values("cooperativa")
            ).order_by("nome")
        ricerca = self.form.fields["titolo"].widget
        ricerca.input_type = "search"
        ricerca.attrs.update({"class": "form-control", "autocomplete": "off"})

    @property
    def attivi(self) -> bool:
        return self.is_bound and any(self.data.get(nome) for nome in self.filters)
