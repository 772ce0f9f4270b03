"""core.api.text_search: SQLite indexes the very terms PostgreSQL's ``german`` configuration does."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.api import search_terms
from core.db import create_engine

# Real German event texts (titles and descriptions as cities publish them) and the parser's edge cases.
CORPUS = [
    "Sinfoniekonzert der Dortmunder Philharmoniker im Konzerthaus",
    "Wochenmarkt am Hansaplatz: Obst, Gemüse, Käse und Blumen aus der Region.",
    "Rund 250 Stände in der Innenstadt und der große Weihnachtsbaum am Hansaplatz.",
    "Familienführung im Dortmunder U \u2013 für Kinder ab 6 Jahren",
    "Lauftreff am Phoenix-See; Treffpunkt: Hörder Burg, 18:30 Uhr",
    "Industriekultur: Führung Zeche Zollern (Barrierefreiheit eingeschränkt)",
    "Vorlesestunde in der Stadtbibliothek für Drei- bis Sechsjährige",
    "Open-Air-Kino im Westfalenpark: Straße, Größe, Maße, Fußgängerzone",
    "Bürgersprechstunde im Ortsteil Ergste mit der Bürgermeisterin",
    "Anmeldung per E-Mail an kultur@dortmund.de oder unter www.dortmund.de",
    "Eintritt 3,50 € · ermäßigt 2 € · z.B. Schüler, Studierende, Rentner",
    "Rock'n'Roll-Abend mit DJ Björn & Band: 80er- und 90er-Hits",
    "Häuser, Bäume, Ärzte, Äpfel, Öfen, Übungen — Umlaute überall",
    "Kinderflohmarkt 2026er Edition, Halle 4b, Stand B2B",
    "die der das und oder aber nicht mit",
]


async def test_sqlite_terms_are_postgresqls_german_lexemes(database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("PostgreSQL's german configuration is the reference the SQLite side follows")
    engine = create_engine(database)
    try:
        async with engine.connect() as conn:
            for value in CORPUS:
                lexemes = await conn.scalar(
                    text("SELECT array_agg(lexeme ORDER BY lexeme) FROM unnest(to_tsvector('german', :v))"),
                    {"v": value},
                )
                # PostgreSQL also keeps a hyphenated word whole beside its parts; a query word is
                # always one part, so only the parts need to agree.
                expected = {lexeme for lexeme in lexemes or [] if "-" not in lexeme}
                assert set(search_terms(value).split()) == expected, value
    finally:
        await engine.dispose()


def test_terms_drop_stop_words_and_keep_numbers_and_addresses() -> None:
    assert search_terms("Die Konzerte der Philharmoniker") == "konzert philharmon"
    assert search_terms("Halle 4b, 2026") == "hall 4b 2026"
    assert search_terms("kultur@dortmund.de") == "kultur@dortmund.de"
    assert search_terms("") == ""
