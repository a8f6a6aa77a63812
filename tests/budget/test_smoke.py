from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budget.selectors import stato_budget


def test_worked_example_charges_tranche(tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "1234.56")
    assert prestazione.quota_amministrativa == Decimal("37.04")
    assert prestazione.totale_addebitato == Decimal("1271.60")
    riga = stato_budget(tranche_2024.accordo).tranche[0]
    assert riga.utilizzato == Decimal("1271.60")
    assert riga.disponibile == Decimal("11728.40")


def test_over_capacity_prestazione_is_refused(tranche_2024, crea_prestazione):
    crea_prestazione(tranche_2024, "12621.36")
    with pytest.raises(ValidationError) as exc:
        crea_prestazione(tranche_2024, "0.01")
    assert "Capienza della tranche «2024» superata" in str(exc.value)
