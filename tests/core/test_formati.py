"""Italian formatting and parsing of money, dates and rates."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from core.formati import (
    ImportoNonValido,
    data_it,
    euro,
    numero,
    parse_data,
    parse_importo,
    percentuale,
)

D = Decimal


@pytest.mark.parametrize(
    ("valore", "testo"),
    [
        (D("13000"), "€ 13.000,00"),
        (D("13000.00"), "€ 13.000,00"),
        (D("0.05"), "€ 0,05"),
        (D("0"), "€ 0,00"),
        (D("999.9"), "€ 999,90"),
        (D("1000"), "€ 1.000,00"),
        (D("12621.36"), "€ 12.621,36"),
        (D("1234567.89"), "€ 1.234.567,89"),
        (D("1000000"), "€ 1.000.000,00"),
        (D("-1234.5"), "-€ 1.234,50"),
        (D("-0.05"), "-€ 0,05"),
    ],
)
def test_euro_formats_in_italian(valore, testo):
    assert euro(valore) == testo


def test_euro_of_none_is_empty():
    assert euro(None) == ""


def test_euro_never_shows_a_negative_zero():
    assert euro(D("-0.001")) == "€ 0,00"


def test_numero_has_no_currency_sign():
    assert numero(D("1234.5")) == "1.234,50"
    assert numero(D("1234.5"), decimali=0) == "1.235"
    assert numero(D("6.85"), decimali=1) == "6,9"


def test_data_it_is_day_month_year():
    assert data_it(date(2024, 9, 1)) == "01/09/2024"
    assert data_it(datetime(2025, 12, 31, 23, 59)) == "31/12/2025"
    assert data_it(None) == ""


@pytest.mark.parametrize(
    ("aliquota", "testo"),
    [
        (D("3.00"), "3%"),
        (D("3"), "3%"),
        (D("2.50"), "2,5%"),
        (D("0.00"), "0%"),
        (D("100.00"), "100%"),
        (D("5.25"), "5,25%"),
    ],
)
def test_percentuale_drops_trailing_zeros(aliquota, testo):
    assert percentuale(aliquota) == testo


@pytest.mark.parametrize(
    ("testo", "valore"),
    [
        ("1.234,56", D("1234.56")),
        ("1234.56", D("1234.56")),
        ("1234,56", D("1234.56")),
        ("€ 1.234,56", D("1234.56")),
        ("€\u00a01.234,56", D("1234.56")),
        ("1.234.567,89", D("1234567.89")),
        ("1,234.56", D("1234.56")),
        ("1.234.567", D("1234567")),
        ("  12 ", D("12")),
        ("0,05", D("0.05")),
    ],
)
def test_parse_importo_reads_italian_and_plain_amounts(testo, valore):
    assert parse_importo(testo) == valore


@pytest.mark.parametrize("testo", ["1.234", "1,234", "1.234,567", "0,001"])
def test_parse_importo_refuses_more_than_two_decimals_instead_of_rounding(testo):
    with pytest.raises(ImportoNonValido, match="più di due decimali"):
        parse_importo(testo)


@pytest.mark.parametrize("testo", ["abc", "1,2,3", "1.2.3", "12a", "--1"])
def test_parse_importo_refuses_garbage(testo):
    with pytest.raises(ImportoNonValido, match="non è un importo valido"):
        parse_importo(testo)


@pytest.mark.parametrize("testo", ["", "   ", "€", None])
def test_parse_importo_refuses_a_missing_amount(testo):
    with pytest.raises(ImportoNonValido, match="Importo mancante"):
        parse_importo(testo)


def test_parse_importo_error_is_a_value_error():
    assert issubclass(ImportoNonValido, ValueError)


@pytest.mark.parametrize("testo", ["01/09/2024", "1/9/2024", "2024-09-01", " 01/09/2024 "])
def test_parse_data_reads_both_formats(testo):
    assert parse_data(testo) == date(2024, 9, 1)


@pytest.mark.parametrize(
    "testo", ["", "abc", "31/02/2024", "2024/09/01", "09-01-2024", "01/09/24", None]
)
def test_parse_data_refuses_garbage_in_italian(testo):
    with pytest.raises(ValueError, match="non è una data valida"):
        parse_data(testo)
