"""rendicontazione.grafici: SVG bar charts as plain strings (no database)."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from core.formati import euro
from rendicontazione.grafici import LARGHEZZA, MARGINE, barre_budget

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"
AREA = LARGHEZZA - 2 * MARGINE


def leggi(svg: str) -> ET.Element:
    radice = ET.fromstring(svg)  # noqa: S314 - markup we generated, not untrusted input
    assert radice.tag == f"{SVG}svg"
    return radice


def barre(radice: ET.Element, classe: str) -> list[float]:
    return [float(r.get("width")) for r in radice.iter(f"{SVG}rect") if r.get("class") == classe]


def scritte(radice: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in radice.iter(f"{SVG}text"))


def test_chart_is_accessible_svg_listing_every_figure():
    svg = barre_budget(
        [("Tranche 2024", D("8902.18"), D("4097.82")), ("Tranche 2025", D("0"), D("27000"))],
        titolo="Budget al 31/12/2024",
    )
    radice = leggi(svg)
    assert radice.get("role") == "img"
    titolo = radice.find(f"{SVG}title")
    desc = radice.find(f"{SVG}desc")
    assert titolo.text == "Budget al 31/12/2024"
    assert radice.get("aria-labelledby") == f"{titolo.get('id')} {desc.get('id')}"
    for cifra in ("€ 8.902,18", "€ 4.097,82", "€ 0,00", "€ 27.000,00"):
        assert cifra in desc.text
        assert cifra in scritte(radice)
    assert "Utilizzato" in scritte(radice) and "Disponibile" in scritte(radice)
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_bar_widths_are_proportional_on_one_scale():
    # The largest row (1.000) fills the width; every segment is its share.
    radice = leggi(
        barre_budget(
            [
                ("A", D("300.00"), D("700.00")),
                ("B", D("500.00"), D("0.00")),
                ("C", D("125.00"), D("125.00")),
            ]
        )
    )
    usati, liberi = barre(radice, "utilizzato"), barre(radice, "disponibile")
    assert usati == pytest.approx([0.3 * AREA, 0.5 * AREA, 0.125 * AREA], abs=0.01)
    assert liberi == pytest.approx([0.7 * AREA, 0.0, 0.125 * AREA], abs=0.01)
    # Each "disponibile" segment starts where its "utilizzato" ends.
    rettangoli = [r for r in radice.iter(f"{SVG}rect") if r.get("class") == "disponibile"]
    assert float(rettangoli[0].get("x")) == pytest.approx(MARGINE + 0.3 * AREA, abs=0.01)


def test_overspent_row_is_drawn_beyond_its_amount_in_another_colour():
    radice = leggi(barre_budget([("Tranche 2024", D("13500.00"), D("-500.00"))]))
    assert barre(radice, "utilizzato") == pytest.approx([AREA * 13000 / 13500], abs=0.01)
    assert barre(radice, "eccedenza") == pytest.approx([AREA * 500 / 13500], abs=0.01)
    assert barre(radice, "disponibile") == []
    eccedenza = next(r for r in radice.iter(f"{SVG}rect") if r.get("class") == "eccedenza")
    utilizzato = next(r for r in radice.iter(f"{SVG}rect") if r.get("class") == "utilizzato")
    assert eccedenza.get("fill") != utilizzato.get("fill")
    assert "Oltre il disponibile" in scritte(radice)
    assert euro(D("500")) in radice.find(f"{SVG}desc").text
    assert "-€" not in scritte(radice)


def test_zero_rows_and_no_rows_still_make_a_valid_chart():
    radice = leggi(barre_budget([("Tranche vuota", D("0"), D("0"))]))
    assert barre(radice, "utilizzato") == [0.0]
    assert barre(radice, "disponibile") == [0.0]
    assert "€ 0,00" in scritte(radice)
    assert leggi(barre_budget([])).find(f"{SVG}desc").text == "Nessun dato."


def test_labels_are_escaped():
    etichetta = 'Tranche <2024> "A" & B'
    radice = leggi(barre_budget([(etichetta, D("1"), D("2"))], titolo="Uso & resto"))
    assert etichetta in scritte(radice)
    assert radice.find(f"{SVG}title").text == "Uso & resto"


def test_two_charts_on_one_page_have_distinct_ids():
    uno = leggi(barre_budget([("A", D("1"), D("1"))], ident="primo"))
    due = leggi(barre_budget([("A", D("1"), D("1"))], ident="secondo"))
    assert uno.find(f"{SVG}title").get("id") != due.find(f"{SVG}title").get("id")
