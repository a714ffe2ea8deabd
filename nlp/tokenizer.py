"""scispaCy's rule tokenizer, extended to split what criteria glue together.

Neither spaCy's default nor scispaCy's tokenizer splits ``CrCl<45ml/min`` or ``ALT>=3xULN``
(shared/design/dependency-notes.md); these extra rules split comparators, number/unit joins and
``18-year-old`` from its number, ``AST/ALT`` into its names, and keep ``>=`` one token (units such as
``ml/min`` are read from the text after the number, see ``units.py``, so their cut does not matter).

>>> import spacy
>>> nlp = spacy.blank("en")
>>> nlp.tokenizer = make_tokenizer(nlp)
>>> [t.text for t in nlp("CrCl<45ml/min, >=18years, ALT>=3xULN, 18-year-old, COVID-19, 1st")]
['CrCl', '<', '45', 'ml', '/', 'min', ',', '>=', '18', 'years', ',', 'ALT', '>=', '3', 'x', 'ULN', ',', '18', '-', 'year-old', ',', 'COVID-19', ',', '1st']
"""

from __future__ import annotations

import re
import warnings

from spacy.language import Language
from spacy.tokenizer import Tokenizer

_COMPARATOR = r">=|<=|=>|=<|[<>=~]"
# "(ALT)/AST", "(ANC)>=", "(PaO2)/ fraction of inspired oxygen"
_EXTRA_PREFIX = rf"^(?:{_COMPARATOR})|^\((?=[A-Z][A-Za-z0-9]{{1,7}}\)(?:/[A-Za-z]|/$|{_COMPARATOR}))"
_EMOTICON = re.compile(r"^(?:[<>=]|\(-?\d|\d-?[)D]|\(=$)")
_EXTRA_INFIX = (
    rf"(?:{_COMPARATOR})"
    r"|(?<=[0-9])[xX](?=[0-9]|[A-Z]{2})"  # 3xULN, 1.5x10^9
    r"|(?<=[0-9])-(?=[a-zA-Z])"  # 18-year-old
    r"|(?<=%)-(?=[0-9.])"  # HbA1c 7%-10%
    r"|(?<=[A-Za-z]{2})\((?=[a-z]?[A-Z]{2})"  # "white blood cell(WBC)", "AST(SGOT)", "filtration rate(eGFR)"
    r"|(?<=[A-Z]{2})\)(?=/[A-Za-z])|(?<=[A-Z]{2}\))/(?=[A-Za-z]{2})"  # "AST(SGOT)/ALT(SGPT)"
    r"|(?<=[0-9])(?=/[a-zA-Z\u00b5\u03bc])"  # 100,000/mm3: the number stands alone
    r"|(?<=[A-Za-z]{2})/(?=[A-Za-z]{2})"  # AST/ALT, and/or
    r"|(?<=than)(?=[0-9])"  # "greater than75 kg"
    r"|(?<=[0-9]),(?=\()"  # "ages 18-60,(8 who ...": a comma before a bracket ends the number
    r"|(?<=[A-Za-z0-9])[:)](?=[<>=])|(?<=\))(?=[0-9])"  # "BMI:<=35", "(ANC)>=1.5", "(>=)16"
    r"|(?<=[A-Za-z]{2}):(?=[0-9])"  # "BMI:19 - 40 kg/m2"
    r"|(?<=[0-9])(?=[a-zA-Z%\u00b5\u03bc])(?!(?:st|nd|rd|th)\b)"  # 18years, but not 1st
)


def make_tokenizer(nlp: Language) -> Tokenizer:
    """scispaCy's ``combined_rule_tokenizer`` with comparator and number/unit splits added."""
    with warnings.catch_warnings():
        # scispaCy's regexes trigger "Possible set union" FutureWarnings when compiled
        warnings.simplefilter("ignore", FutureWarning)
        from scispacy.custom_tokenizer import combined_rule_tokenizer

        base = combined_rule_tokenizer(nlp)
        prefix = re.compile(_EXTRA_PREFIX + "|" + base.prefix_search.__self__.pattern)
        infix = re.compile(_EXTRA_INFIX + "|" + base.infix_finditer.__self__.pattern)
        # "from 18- 60 years", "(PaO2)/ FiO2"
        suffix = re.compile(r"(?<=[0-9])-$|(?<=[0-9])/$|(?<=[A-Za-z0-9]\))/$|" + base.suffix_search.__self__.pattern)
    # emoticons read as comparators and values: "ECOG <3", "score <8)", "=3" are thresholds, not "<3" and "8)";
    # "(= or > 200 cells/mm3)" opens a bracket before a comparator
    rules = {k: v for k, v in base.rules.items() if not _EMOTICON.match(k)}
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=prefix.search,
        suffix_search=suffix.search,
        infix_finditer=infix.finditer,
        token_match=base.token_match,
        url_match=base.url_match,
    )
