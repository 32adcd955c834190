"""High-precision cues for the customer's problem and mood, read from the folded text.

The trained model reads problems too; these patterns are the ones precise enough to trust
on their own (a PROCON threat, "consta entregue mas não recebi", "veio faltando"), and the
mood cues (shouting, "!!!", insults) that decide whether the reply opens with an apology.
"""

from __future__ import annotations

import re

from agent.language.normalize import normalize
from tools.problems import ProblemType, most_serious

_NOT_THE_GOODS = (
    r"(?!(?: \w+){0,3} (?:reembols\w*|estorno|dinheiro|valor|resposta|retorno|contato|e ?mail"
    r"|codigo|nota|credito|cupom|vale|ligacao|mensagem|nenhuma?|o que|pix|boleto|solucao)\b)"
)
"""After "não recebi": what was not received is money, an answer or a code, not the order."""
_NOT_TO_THE_CARRIER = r"(?! (?:a|na|para a|pra) transportadora)"
"""After "entregue": handed to the carrier is not delivered to the customer."""

_CUES: dict[ProblemType, re.Pattern[str]] = {
    "legal_threat": re.compile(
        r"\bprocon\b|\b(?:vou|irei|vamos|pretendo|vou ter que|terei que) processar\b"
        r"|\bprocessa(?:rei|remos)\b|\bprocessar (?:voces|vcs|a empresa|a loja|essa|esta)\b"
        r"|\bentrar (?:com (?:uma )?acao|na justica)\b"
        r"|\b(?:meu|minha|um|uma|o|a|com|pelo|pela) advogad[oa]\b|\bjuizado\b|\bpequenas causas\b"
        r"|\bacao judicial\b|\bjudicialmente\b|\bvia judicial\b|\bdanos morais\b"
        r"|\b(?:vou|irei|vamos) (?:abrir|fazer|registrar|colocar|postar|reclamar|denunciar)"
        r"(?: \w+){0,4} (?:reclame ?aqui|consumidor gov)\b|\b(?:vou|irei) denunciar\b"
        r"|\bmeios legais\b|\bmedidas (?:legais|judiciais|cabiveis)\b"
    ),
    "no_response": re.compile(
        r"\bninguem (?:me )?(?:responde|respondeu|atende|atendeu|resolve|resolveu|retorna)\b"
        r"|\bsem (?:nenhuma )?resposta\b|\bnao (?:me )?(?:respondem|responderam|retornam"
        r"|retornaram|atendem)\b|\bnao consigo (?:falar|contato|resposta|ser atendid\w*)\b"
        r"|\b(?:terceira|quarta|quinta|decima|milesima|enesima|3a|4a) (?:vez que (?:eu )?"
        r"(?:entro em contato|ligo|reclamo|escrevo|mando|peco|falo|solicito|pergunto|cobro)"
        r"|reclamacao|tentativa de contato)\b"
        r"|\b(?:liguei|contato|reclamei|mandei|enviei|escrevi|cobrei|solicitei|pedi|tentei falar)\b"
        r"(?: \w+){0,4} (?:varias|diversas|inumeras) vezes\b"
        r"|\bja (?:mandei|enviei|liguei|tentei) \d+\b"
        r"|\bjogando (?:de um lado pro outro|pra la e pra ca)\b"
    ),
    "counterfeit": re.compile(
        r"\bfalsificad\w*|\bnao (?:eh|e|parece|era) (?:um produto )?original\b|\bpirata\b"
        r"|\b(?:e|eh|era|sao|uma|veio|vieram|recebi|mandaram) (?:uma )?replica\b(?! ou original)"
        r"|\bproduto falso\b"
        r"|\b(?:produto|item|tenis|relogio|perfume|bolsa|camisa|e|eh|era|sao|veio) fake\b"
    ),
    "delivered_not_received": re.compile(
        r"\b(?:consta|aparece|diz|dizendo|mostra|esta|constando|informa|marcado|descrevendo"
        r"|falando|status)\b(?: \w+){0,3} (?:como )?entregue\b" + _NOT_TO_THE_CARRIER + r".{0,80}"
        r"\b(?:nao|nunca|ninguem)\b(?: \w+){0,2} (?:recebi|recebemos|chegou|entregou|veio)\b"
        r"|\bentregue\b.{0,30}\b(?:mas|porem|so que)\b.{0,20}\b(?:nao|nunca) (?:recebi|chegou)\b"
        r"|\bnao recebi\b.{0,60}\b(?:consta|aparece|diz|mostra|esta) (?:como )?entregue\b"
    ),
    "cancelled_not_refunded": re.compile(
        r"\bcancel\w*\b.{0,80}\b(?:nao|nunca|ainda nao|nem)\b(?: \w+){0,3} (?:devolv\w*|estorn\w*"
        r"|reembols\w*|ressarc\w*|voltou|caiu|recebi (?:o|meu) (?:dinheiro|valor|estorno))"
        r"|\b(?:cade|aguardando|esperando) (?:o |meu )?(?:estorno|reembolso)\b"
    ),
    "charged_not_confirmed": re.compile(
        r"\b(?:paguei|pago|debitad\w*|descontad\w*|cobrad\w*|pagamento (?:feito|efetuado"
        r"|realizado))\b.{0,60}\b(?:nao|ainda) (?:foi |esta |consta |aparece )?(?:confirm\w*"
        r"|aprovad\w*|consta|aparece|identific\w*|reconhec\w*|baix\w*)"
        r"|\bcobrad[oa]s? (?:duas vezes|2 vezes|em dobro)\b|\b(?:duas|2) cobrancas\b"
        r"|\baguardando pagamento\b.{0,40}\bpaguei\b|\bpaguei\b.{0,40}\baguardando pagamento\b"
    ),
    "missing_item": re.compile(
        r"\bfaltando\b|\bfaltou\b|\bfaltaram\b|\bfalta (?:um|uma|o|a|os|as|peca|pecas)\b"
        r"|\b(?:veio|vieram|chegou|chegaram|recebi) (?:so|somente|apenas) (?:um|uma|1|2|parte"
        r"|metade|\d+ (?:de|das|dos))\b|\bincomplet\w*|\bso (?:recebi|veio|chegou) (?:um|uma|1"
        r"|parte|metade)\b|\bnao (?:veio|vieram) (?:o|a|os|as) (?:cabo|manual|pecas?|acessorio"
        r"|controle|carregador|parafusos?|tampa|fonte|bateria|kit)\w*"
    ),
    "wrong_item": re.compile(
        r"\b(?:veio|vieram|recebi|chegou|mandaram|enviaram|entregaram|entregam)\b(?: \w+){0,4}"
        r" (?:errad\w*|trocad\w*|diferente\w*|outro modelo|outra cor|outro tamanho)\b"
        r"|\b(?:cor|tamanho|modelo|numero|voltagem|produto|item) (?:\w+ )?errad\w*"
        r"|\bdiferente (?:do|da) (?:que (?:eu )?(?:pedi|comprei)|foto|anuncio|pedido)\b"
        r"|\bnao (?:eh|era) o (?:que|produto que) (?:eu )?(?:pedi|comprei)\b"
    ),
    "damaged": re.compile(
        r"(?<!sem )(?<!nenhum )(?<!nao veio )\b(?:quebrad\w*|rasgad\w*|\bamassad\w*"
        r"|\bdanificad\w*|\bavariad\w*|\btrincad\w*"
        r"|defeito\w*|defeituos\w*|\bestragad\w*|\bvazad\w*|\bvazando\b|\blascad\w*"
        r"|\bnao (?:liga|ligou|funciona|funcionou|carrega|carregou)\b|\bparou de funcionar\b"
        r"|\bparou de (?:ligar|carregar)\b)"
    ),
    "late": re.compile(
        r"\batrasad\w*|\batraso\b|\b(?:ainda )?nao (?:chegou|chegaram|foi entregue"
        r"|foram entregues|entregaram)\b|\b(?:ainda )?nao (?:recebi|recebemos)\b"
        + _NOT_THE_GOODS
        + r"|\bate (?:agora|hoje|o momento) (?:nada (?:do|da) (?:pedido|entrega|produto|encomenda)"
        r"|nao (?:chegou|chegaram|veio|vieram|foi entregue|entregaram)\b"
        r"|nao (?:recebi|recebemos)\b" + _NOT_THE_GOODS + r")"
        r"|\bprazo (?:\w+ )?(?:estourou|venceu|expirou|passou|ja passou)\b"
        r"|\bsem previsao\b|\bnunca chegou\b|\bnada (?:do|da) (?:pedido|entrega|produto)\b"
    ),
}

_CLAIMED_DELIVERED = re.compile(
    r"\b(?:consta\w*|costa|diz|dizendo|disseram|mostra|aparece|aparecia|informa\w*|marcad[oa]s?"
    r"|registrad[oa]|dad[oa]|colocad[oa]|alega\w*|afirma\w*|status|notificacao)\b"
    r"(?: \S+){0,3} (?:como |que )?(?:ja )?(?:foi |foram |tinha sido |havia sido |eu )?"
    r"(?:entregues?|entregou|recebid[oa]s?|recebi|chegou)\b"
    + _NOT_TO_THE_CARRIER
    + r"(?! (?:o |um |uma )?(?:e ?mail|notificacao|mensagem))"
    r"|\bentrega (?:concluida|realizada|efetuada|confirmada|como concluida)\b"
    r"|\bbaixa na entrega\b|\b(?:pedido|produto|encomenda) (?:entregue|recebido)\b"
)
"""The store or the carrier says the order arrived: half of "consta entregue, não recebi"."""
_NOT_RECEIVED = re.compile(
    r"\b(?:nao|nunca|n)\b (?:\w+ ){0,2}(?:recebi|recebemos|chegou|foi entregue|foram entregues"
    r"|entregaram|entregou|veio|estou com)\b|\bnada (?:da|de) entrega\b|\bnao recebimento\b"
    r"|\bso que nao foi\b|\bmas nao foi\b"
)
"""The customer says it did not: the other half."""

_INSULTS = re.compile(
    r"\b(?:palhacada|absurdo|vergonha|vergonhoso|lixo|ridicul\w*|pessim[oa]|horrivel"
    r"|descaso|desrespeito|golpe|golpistas?|ladr\w*|safad\w*|enganad\w*|roubo|roubad\w*"
    r"|porcaria|merda|pqp|porra|indignad\w*|revoltad\w*|inadmissivel|inaceitavel|nunca mais"
    r"|cansad[oa] de|de palhaco|falta de respeito|sacanagem|uma bosta|bosta)\b"
)
_EXCLAIMS = re.compile(r"[!?]*![!?]*!")
_LETTERS = re.compile(r"[A-Za-zÀ-ÿ]")


def problems_in(text: str) -> list[ProblemType]:
    """Every problem the high-precision cues find, most serious first."""
    folded = normalize(text)
    found: list[ProblemType] = [kind for kind, cue in _CUES.items() if cue.search(folded)]
    if "delivered_not_received" not in found and _claimed_but_not_received(folded):
        found.append("delivered_not_received")
    if "delivered_not_received" in found and "late" in found:
        found.remove("late")
    leading = most_serious(found)
    return [leading, *(kind for kind in found if kind != leading)] if leading else []


def _claimed_but_not_received(folded: str) -> bool:
    """The order is said to be delivered and the customer says it never reached them."""
    claimed = _CLAIMED_DELIVERED.search(folded)
    if claimed is None:
        return False
    outside_claim = folded[: claimed.start()] + " " + folded[claimed.end() :]
    return bool(_NOT_RECEIVED.search(outside_claim))


def is_shouting(text: str) -> bool:
    """True for a message mostly in capitals (at least a dozen letters)."""
    letters = _LETTERS.findall(text)
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) >= 0.7


def is_upset(text: str) -> bool:
    """True when the customer sounds angry: shouting, "!!", insults or a legal threat."""
    if is_shouting(text) or _EXCLAIMS.search(text):
        return True
    folded = normalize(text)
    return bool(_INSULTS.search(folded) or _CUES["legal_threat"].search(folded))
