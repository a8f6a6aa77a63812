"""The Cremona agreement (shared/accordo/testo-accordo.md) as data.

Where the text is wrong or incomplete the data follows DESIGN.md rule 6 and
a note says what differs from the text.
"""

from datetime import date
from decimal import Decimal

COMUNE = {
    "nome": "Comune di Cremona",
    "tipo": "comune",
    "codice_fiscale": "00297960197",
    "partita_iva": "00297960197",
    "indirizzo": "Piazza del Comune 8",
    "cap": "26100",
    "citta": "Cremona",
    "provincia": "CR",
    "legale_rappresentante": "Prof. Gianluca Galimberti, Sindaco",
    "note": (
        "Nel testo dell'accordo la sede è indicata come «Piazza del Comune n. 8, 2100 Cremona»: "
        "il CAP corretto di Cremona è 26100."
    ),
}

CONSORZIO = {
    "nome": "Consorzio Sol.Co Cremona Società Cooperativa Sociale",
    "tipo": "consorzio",
    "codice_fiscale": "00903210193",
    "partita_iva": "00903210193",
    "indirizzo": "Via del Sale 40/E",
    "cap": "26100",
    "citta": "Cremona",
    "provincia": "CR",
    "legale_rappresentante": "Dott. Davide Longhi",
}

ACCORDO = {
    "titolo": (
        "Accordo di collaborazione tra il Settore Politiche Sociali del Comune di Cremona e il "
        "Consorzio Sol.Co Cremona Società Cooperativa Sociale"
    ),
    "oggetto": (
        "Per l'implementazione di strumenti e risorse a supporto degli interventi sviluppati "
        "nell'ambito di progetti e servizi a favore di minori e famiglie, promossi dal Comune di "
        "Cremona e dalla rete degli Enti del Terzo Settore partner progettuali, finalizzati al "
        "miglioramento degli aspetti organizzativi, alla promozione del coinvolgimento attivo del "
        "territorio e delle risorse in esso attive per l'ampliamento e la diversificazione della "
        "gamma delle opportunità.\n\n"
        "Art. 1 Oggetto dell'accordo. Il Settore Politiche Sociali del Comune di Cremona e il "
        "Consorzio Sol.Co Società Cooperativa Sociale definiscono di collaborare per la "
        "progettazione e l'attivazione di strumenti e proposte a supporto e funzionali allo "
        "sviluppo degli interventi promossi dai servizi a favore di pre-adolescenti e adolescenti "
        "con particolare riferimento ai dispositivi di natura laboratoriale finalizzati allo "
        "sviluppo delle competenze anche di natura relazionale funzionali a rinforzare la "
        "prospettiva dell'aggancio precoce e in ottica di contrasto al fenomeno della dispersione "
        "scolastica e del rischio di sviluppo di condotte di rischio in grado di condizionare i "
        "percorsi di crescita e di transizione all'età adulta."
    ),
    "ufficio": "Settore Politiche Sociali",
    "firmatario_pubblico": "Prof. Gianluca Galimberti, Sindaco",
    "firmatario_partner": "Dott. Davide Longhi, legale rappresentante",
    "data_sottoscrizione": None,
    "data_inizio": date(2024, 9, 1),
    "data_fine": date(2025, 12, 31),
    "stato": "in_vigore",
    "aliquota_quota_amministrativa": Decimal("3.00"),
    "tetto_progettazione": Decimal("6000.00"),
    "aliquota_iva": Decimal("5.00"),
    "riporto_residui": False,
    "note": (
        "Il testo dell'accordo è marcato «BOZZA» e la data di sottoscrizione è in bianco "
        "(«Cremona, li»). L'accordo decorre dalla sottoscrizione (art. 4): è caricato come in "
        "vigore dal 01/09/2024, inizio della prima tranche; la data di sottoscrizione è da "
        "inserire a cura del Comune. Il testo non prevede il riporto dei residui tra tranche."
    ),
}

# Art. 2, verbatim (including the text's own wording).
OBIETTIVI = [
    "Approfondire i bisogni emergenti di pre-adolescenti e adolescenti del territorio al fine di "
    "potenziare gli strumenti di accompagnamento educativo e l'offerta di spazi e percorsi di "
    "crescita;",
    "Acquisire una conoscenza aggiornata dell'offerta educativa oggi attiva sul territorio a "
    "favore degli adolescenti e sviluppo di azioni funzionali alla loro messa in rete;",
    "Aumentare l'offerta di opportunità garantendone l'effettiva accessibilità oltretutto la "
    "possibilità di una personalizzazione tale da rendere le proposte adeguate e coerenti "
    "rispetto al bisogno",
    "Sviluppare processi di coinvolgimento attivo delle associazioni del territorio e degli "
    "adulti in genere per lo sviluppo di spazi laboratoriali ed esperienziali di crescita e di "
    "integrazione delle giovani generazioni",
    "Realizzare con strumenti flessibili progetti individualizzati e rivolti a gruppi formali "
    "ed informali in grado di valorizzare le abilità delle persone e di promuovere lo sviluppo "
    "delle competenze sociali",
    "Potenziare la connessione fra il sistema dell'offerta formativa garantita dall'ambito "
    "scolastico e la dimensione extra-scolastica",
    "Favorire l'integrazione di progetti e servizi in cui il Comune di Cremona e il sistema "
    "consortile rappresentato da Solco sono partner, potenziando l'approccio di sistema "
    "integrato e intersettoriale per meglio corrispondere ad una prospettiva di sviluppo urbano "
    "sostenibile della comunità territoriale",
]

TRANCHE = [
    {
        "etichetta": "2024",
        "data_inizio": date(2024, 9, 1),
        "data_fine": date(2024, 12, 31),
        "importo": Decimal("13000.00"),
        "nota": (
            "Quadrimestre settembre - dicembre 2024, fase di start-up (art. 3). "
            "Importo IVA 5% compresa."
        ),
    },
    {
        "etichetta": "2025",
        "data_inizio": date(2025, 1, 1),
        "data_fine": date(2025, 12, 31),
        "importo": Decimal("27000.00"),
        "nota": (
            "Il testo dell'accordo indica il periodo «1 gennaio 2025 - 31 gennaio 2025», ma "
            "parla delle risorse «previste per l'anno 2025» e fissa la scadenza al 31/12/2025: "
            "la tranche è caricata come 01/01/2025 - 31/12/2025. Importo IVA 5% compresa."
        ),
    },
]
