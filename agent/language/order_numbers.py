"""Tell a Nuvemshop order number apart from the other numbers in a message.

Order numbers are plain integers, so a number counts only when something marks it as one
("pedido 1001", "#1001", "nº 1001"), when it is the whole answer ("1001", "é o 1001"), or
when an article points at it ("cadê o 1001"). The caller masks CPFs, phones, CEPs, prices,
dates and times first, so those digits never reach these patterns.
"""

from __future__ import annotations

import re
import unicodedata

_UNITS = (
    r"(?:dias?|horas?|hrs?|semanas?|mes|meses|anos?|minutos?|min|unidades?|un|und|pecas?|peças?"
    r"|itens|items?|x|vezes|kg|g|gr|cm|mm|ml|l|litros?|metros?|m|reais|real|%|km|parcelas?)"
)
_NOT_A_UNIT = rf"(?!\s*{_UNITS}\b)"
_DIGITS_END = r"(?!\d|[.,/:-]\d|\w)"

_ORDER_WORDS = r"(?:pedidos?|pedid[ou]|pedio|ped|encomendas?|compras?|ordem|order)"
_NUMBER_WORDS = r"(?:n[º°o]\.|n[º°]|n\.|nr\.?|nro\.?|num\.?|n[uú]mero|n(?=\s*#?\d))"

_MARKED = re.compile(
    rf"(?:\b{_ORDER_WORDS}\b(?:\s+(?:d[eo]\s+)?{_NUMBER_WORDS})?"
    rf"|(?<!\w){_NUMBER_WORDS}(?:\s+d[oa]s?\s+{_ORDER_WORDS}\b)?"
    rf"|(?<![\w&])#)"
    r"\s*[:=-]?\s*(?:(?:[eé]|eh|seria|ser[aá])\s+)?(?:[oa]\s+)?#?\s*"
    rf"(?P<number>\d{{3,9}}){_DIGITS_END}{_NOT_A_UNIT}",
    re.IGNORECASE,
)
_POINTED = re.compile(
    r"(?<!\w)(?P<pointer>o|do|no|pro|pelo|ao|meu|esse|este|[eé]|eh|seria|ser[aá])\s+#?"
    rf"(?P<number>\d{{3,7}}){_DIGITS_END}{_NOT_A_UNIT}",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^\W*#?(?P<number>\d{3,7})(?!\d|[.,/:-]\d|\w)"
    r"(?=\s*(?:[?!.,;:]|$|(?:j[aá]|n[aã]o|ainda|chegou|foi|saiu|veio|est[aá]|t[aá])\b))",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z]+|\d+")
_COPULAS = frozenset({"e", "eh", "seria", "sera"})
_MONEY_TALK = re.compile(r"\b(?:valor|preco|quanto|total|custou|custa|reais|paguei|pago)\b")

# Words that may surround a bare number without making it anything but an answer, including
# the interjections and curses an angry customer adds to it ("1026 PORRA").
_ANSWER_WORDS = frozenset(
    """
    o a e eh meu minha numero num n no nr nro do da de pedido pedidos compra encomenda aqui ai
    segue esse este isso seria sera sim ok oi ola bom boa dia tarde noite por favor pfv pf
    obrigado obrigada obg pronto la vai ta esta acho que certo entao ah hum opa moco moca
    email mail cpf codigo rastreio telefone whatsapp celular eh
    porra caralho merda droga poxa po aff affs mano cara ne viu logo rapido urgente pqp
    """.split()
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _whole_answer(masked: str) -> tuple[str, int, int] | None:
    """Accept a lone 3-7 digit number when every other word is answer filler."""
    tokens = _TOKEN.findall(_fold(masked))
    numbers = [token for token in tokens if token.isdigit()]
    if len(numbers) != 1 or not 3 <= len(numbers[0]) <= 7:
        return None
    if any(not token.isdigit() and token not in _ANSWER_WORDS for token in tokens):
        return None
    match = re.search(rf"(?<!\d){numbers[0]}(?!\d)", masked)
    if match is None:
        return None
    return numbers[0], match.start(), match.end()


def _is_amount(match: re.Match[str], masked: str) -> bool:
    """Tell an amount from an order number: "qual o valor? é 284 né" is about money."""
    pointer = _fold(match.group("pointer"))
    return pointer in _COPULAS and _MONEY_TALK.search(_fold(masked)) is not None


def find_order_number(masked: str) -> tuple[str, int, int] | None:
    """Return the order number in already-masked text with its span, or None."""
    for pattern in (_MARKED, _POINTED, _LEADING):
        match = pattern.search(masked)
        if match is not None:
            if pattern is _POINTED and _is_amount(match, masked):
                continue
            return match.group("number"), match.start("number"), match.end("number")
    return _whole_answer(masked)
