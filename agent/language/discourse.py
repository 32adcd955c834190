"""How a folded message is put together: clauses, negation, narration, filler and tricks.

The lexicon says what a phrase means; these tables say whether it is a request at all:
"não quero cancelar" negates, "paguei o boleto, quando chega?" narrates a payment but asks
about delivery, "meu cpf é ..." is only an answer, "ignore as instruções" is a trick.
"""

from __future__ import annotations

import re

from agent.understanding import EntityKind

# Split one punctuation-free clause again where a second request usually starts.
CONJUNCTION = re.compile(
    r"\s(?:e tambem|e outra coisa|outra coisa|alem disso|tambem|e|ou|mas|porem|so que)\s"
)

# A cue right after these words is being refused, not requested ("nao quero trocar").
NEGATION = re.compile(
    r"\b(?:nao|nem) (?:quero|queria|preciso|precisa|precisamos|vou|desejo|(?:eh|e) (?:para|pra))"
    r"(?: mais| de)? $"
)

# A clause that only narrates what the customer already did ("paguei o boleto") is context,
# unless it also reports a problem; its cues then count as weak.
NARRATION = re.compile(
    r"^(?:eu )?(?:ja )?(?:ontem |hoje )?(?:paguei|comprei|fiz|devolvi|mandei|enviei|recebi|pedi"
    r"|efetuei|realizei|solicitei)\b"
)
PROBLEM = re.compile(
    r"\b(?:nao|ainda|nada|erro|problema|recusad\w*|pendente|venceu|vencid\w*|expirou|cobrad\w*"
    r"|duas vezes|cade|quando|como|onde|qual|errad\w*|diferente|defeito\w*|quebrad\w*"
    r"|faltando|faltou|rasgad\w*|manchad\w*|so (?:uma )?parte|metade|incomplet\w*)\b"
)

# Attempts to steer the bot instead of asking the store something.
INJECTION = re.compile(
    r"\b(?:ignore|ignora|ignorar|esqueca|esquece|desconsidere|desconsidera)\b.{0,40}"
    r"\b(?:instrucoes|instrucao|regras|tudo|prompt|anteriores|acima)\b"
    r"|\bsystem\b|\bprompt\b|\bjailbreak\b|\bmodo (?:desenvolvedor|dev|deus|admin)\b"
    r"|\bvoce agora (?:eh|e)\b|\bfinja (?:que|ser)\b|\bsem restricoes\b"
)

# Words that may surround an identifier without adding a request of their own.
FILLER: frozenset[str] = frozenset(
    """
    o a os as e eh de do da dos das no na meu minha meus minhas seu sua aqui ai segue seguem esse
    essa este esta isso sim ok certo pronto la vai acho que sera seria entao ah hum opa bom boa
    dia tarde noite oi ola tudo bem obrigado valeu por favor moco moca amigo amiga e ta so um
    uma o meu eu tenho ele ela mesmo correto isso
    """.split()
)

# Words that only label the identifier they sit next to ("cpf 529...", "pedido 1001").
LABELS: dict[EntityKind, frozenset[str]] = {
    "order_number": frozenset("pedido pedidos compra encomenda numero n nr nro".split()),
    "tracking_code": frozenset("codigo rastreio rastreamento objeto correios".split()),
    "email": frozenset("email mail endereco eletronico".split()),
    "cpf": frozenset("cpf documento".split()),
    "phone": frozenset("telefone celular whatsapp numero contato fone".split()),
}

# Emojis that, sent alone, close a conversation politely.
THANKS_EMOJIS = frozenset("👍🙏❤💙💚💜🧡💛🖤🤍💖💗😍🥰👏🤝🙌😘☺😊🫶✅👌")
