"""Article locales and the PostgreSQL text-search configurations (stemming, stop words) used for them."""

from __future__ import annotations

import re

# Locale → PostgreSQL text-search configuration (stemming and stop words); anything else is indexed unstemmed.
LANGUAGES = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}


TEXT_SEARCH_CONFIGS = frozenset({*LANGUAGES.values(), "simple"})


def text_search_config(locale: str) -> str:
    return LANGUAGES.get(re.split(r"[-_]", locale, maxsplit=1)[0].lower(), "simple")
