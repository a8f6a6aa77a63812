"""The dashboard's monthly spending chart (cruscotto/grafici.py), pure: SVG
markup from figures."""

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from cruscotto.grafici import LARGHEZZA, istogramma_mensile, passo_asse

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"


def leggi(svg: str) -> ET.Element:
    radice = ET.fromstring(svg)  # noqa: S314 - markup we generated, not untrusted input
    assert radice.tag == f"{SVG}svg"
    return radice


def scritte(radice: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in radice.iter(f"{SVG}text")]


SERIE = [
    (date(2024, 11, 1), D("1560.91")),
    (date(2024, 12, 1), D("0.00")),
    (date(2025, 1, 1), D("3120.00")),
]


def test_the_monthly_chart_is_accessible_responsive_svg_listing_every_month():
    radice = leggi(istogramma_mensile(SERIE, titolo="Spesa <mensile> & altro"))
    assert radice.get("role") == "img"
    assert radice.get("width") == "100%"
    assert radice.get("viewBox") == f"0 0 {LARGHEZZA} {radice.get('viewBox').split()[3]}"
    titolo, desc = radice.find(f"{SVG}title"), radice.find(f"{SVG}desc")
    assert titolo.text == "Spesa <mensile> & altro"  # escaped in the markup, read back
    assert radice.get("aria-labelledby") == f"{titolo.get('id')} {desc.get('id')}"
    assert desc.text == (
        "novembre 2024: € 1.560,91; dicembre 2024: € 0,00; gennaio 2025: € 3.120,00."
    )
    testi = scritte(radice)
    assert {"nov", "dic", "gen", "2024", "2025"} <= set(testi)
    assert "€ 0,00" in testi and "€ 4.000,00" in testi  # y axis, in euro
    assert "<script" not in istogramma_mensile(SERIE, titolo="x")


def test_bars_are_proportional_and_empty_months_draw_none():
    radice = leggi(istogramma_mensile(SERIE, titolo="Spesa"))
    barre = [r for r in radice.iter(f"{SVG}rect") if r.get("class") == "mese"]
    assert len(barre) == 2  # December is zero
    novembre, gennaio = (float(b.get("height")) for b in barre)
    assert novembre / gennaio == pytest.approx(1560.91 / 3120.00, rel=1e-3)
    assert [b.find(f"{SVG}title").text for b in barre] == [
        "novembre 2024: € 1.560,91",
        "gennaio 2025: € 3.120,00",
    ]


def test_a_chart_of_no_spending_still_draws_its_axis():
    radice = leggi(istogramma_mensile([(date(2025, 1, 1), D("0"))], titolo="Spesa"))
    assert "€ 0,00" in scritte(radice)
    assert not [r for r in radice.iter(f"{SVG}rect") if r.get("class") == "mese"]


@pytest.mark.parametrize(
    ("massimo", "passo"),
    [("3308.77", "1000"), ("980", "250"), ("12000", "5000"), ("0", "1"), ("45", "20")],
)
def test_the_axis_step_is_round(massimo, passo):
    assert passo_asse(D(massimo)) == D(passo)
