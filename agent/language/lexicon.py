"""Per-intent cues, written against folded text (see `normalize`): no accents, slang expanded.

A strong cue alone is enough to name the intent ("estorno" -> refund); a weak cue only
names it when nothing strong competes ("meu pedido" -> order_status). Patterns are plain
regular expressions so a reviewer can read each table as the list of phrasings it covers.
"""

from __future__ import annotations

from typing import NamedTuple

from agent.understanding import Intent

STRONG = 1.0
WEAK = 0.5

_SIZE = r"(?:pp|p|m|g|gg|xg|xgg|eg|egg|exg|[1-4]\d)"
_ORDER = r"(?:pedidos?|encomendas?|compras?|produtos?|entregas?)"
_MINE = r"(?:meu|minha|meus|minhas)"
_MONEY = r"(?:dinheiro|grana|valor|pagamento|pix)"
_DAMAGE = (
    r"(?:errad\w*|trocad\w*|diferente|quebrad\w*|rasgad\w*|manchad\w*|furad\w*|faltando"
    r"|defeito\w*|defeituos\w*|sujo|suja|usad[oa]|incomplet\w*|amassad\w*|descosturad\w*"
    r"|danificad\w*|estragad\w*|avariad\w*|vazad\w*|abert[oa]|violad\w*|furo|furos|rasgo"
    r"|mancha|manchas|buraco|riscad\w*|arranhad\w*|trincad\w*|lascad\w*|descol\w*|desbot\w*"
    r"|desfia\w*|encolh\w*|rasgando|quebrando|manchando|soltando)"
)


class Cue(NamedTuple):
    """One phrasing that signals an intent, and how much it counts."""

    pattern: str
    weight: float


def strong(*patterns: str) -> tuple[Cue, ...]:
    """Cues that settle the intent on their own."""
    return tuple(Cue(pattern, STRONG) for pattern in patterns)


def weak(*patterns: str) -> tuple[Cue, ...]:
    """Cues that count only when no strong cue competes."""
    return tuple(Cue(pattern, WEAK) for pattern in patterns)


LEXICON: dict[Intent, tuple[Cue, ...]] = {
    "greeting": strong(
        r"^(?:oi|ola|opa|e ai|ei|hey|hello|hi|alo|salve|fala|eae|oi oi)\b",
        r"\b(?:bom dia|boa tarde|boa noite)\b",
        r"\btudo (?:bem|bom|certo|joia|tranquilo|em paz)\b",
        r"\bcomo (?:vai|voce esta|voces estao)\b",
        r"^alguem (?:ai|on|online|por ai)$",
    ),
    "thanks": (
        *strong(
            r"\b(?:obrigado|valeu|agradeco|agradecid[oa]|grat[oa]|gratidao|tamo junto)\b",
            r"\bthank you\b",
        ),
        *weak(
            r"^(?:(?:show|perfeito|otimo|otima|beleza|top|massa|certo|entendi|ok|okay|blz"
            r"|esta bom|esta otimo|combinado|maravilha|de boa|tranquilo|joia|show de bola"
            r"|ajudou|resolvido|deu certo)\s?)+$",
        ),
    ),
    "human_agent": (
        *strong(
            r"\batendentes?\b",
            r"\bhuman[oa]s?\b",
            r"\b(?:pessoa|gente|alguem) (?:de verdade|real)\b",
            r"\b(?:falar|conversar|fala|falo|papo)\b (?:com )?(?:um |uma |o |a |algum |alguma )?"
            r"(?:pessoa|alguem|gente|gerente|supervisor\w*|responsavel|vendedor\w*|dono|dona"
            r"|funcionari\w*|operador\w*|proprietari\w*|sac|financeiro|setor \w+|departamento"
            r"|time de \w+|equipe de \w+)\b",
            r"\b(?:chama|chame|chamar|passa|passe|passar|transfere|transfira|transferir|encaminha"
            r"|encaminhar|coloca|coloque)\b.{0,25}\b(?:alguem|gerente|pessoa|suporte|atendimento"
            r"|responsavel|supervisor\w*|dono|dona|vendedor\w*)\b",
            r"\b(?:nao quero|chega de|cansei de|para de|odeio) (?:falar |conversar )?com "
            r"(?:robo|bot|maquina)\b",
            r"\b(?:liga|ligue|ligar|liguem) (?:para|pra) mim\b|\bme (?:liga|ligue|ligar|ligam)\b",
        ),
        *weak(r"\b(?:robo|bot|chatbot|maquina)\b", r"\b(?:suporte|sac|ouvidoria)\b"),
    ),
    "order_status": (
        *strong(
            r"\bcade\b",
            r"\b(?:ta|tah|tao|esta|estao) onde\b|\bonde (?:ta|tah|tao)\b",
            rf"\bonde (?:esta|estao|anda|andam|foi parar|foram parar) (?:o |a |os |as )?{_MINE}\b",
            r"\bquando (?:\w+ ){0,3}?(?:cheg\w*|vem|vir|entreg\w*|receb\w*|envi\w*|mand\w*"
            r"|despach\w*|post\w*|sai|sair)\b",
            r"\b(?:status|situacao|andamento)\b",
            r"\b(?:foi|foram|esta|estao|ja) (?:enviad[oa]s?|despachad[oa]s?|postad[oa]s?"
            r"|separad[oa]s?|faturad[oa]s?|a caminho|em transito|em rota|saiu para entrega)\b",
            r"\bja (?:saiu|enviaram|mandaram|despacharam|postaram|enviou|mandou|despachou"
            r"|postou)\b",
            rf"\b(?:despacharam|enviaram|postaram|mandaram) (?:o |a )?{_MINE}\b",
            r"\b(?:enviaram|despacharam|postaram|enviou|despachou|postou) ja\b",
            r"\b(?:nao|nunca) (?:chegou|chegaram|recebi|recebemos|veio|vieram|foi entregue"
            r"|entregaram|enviaram|mandaram|despacharam|postaram|saiu)\b",
            r"\b(?:ate agora|ate hoje|ainda) nada\b|\bnada ainda\b",
            rf"\bnada (?:do|da|de) (?:{_MINE} )?(?:{_ORDER}|chegar|entrega)\b",
            r"\b(?:atrasad[oa]s?|atraso|demorando|demorou|parad[oa])\b",
            r"\bprevisao (?:de|da|do) (?:entrega|chegada|envio)\b",
            rf"\b(?:prazo|previsao)\b.{{0,25}}\b{_MINE} (?:pedido|encomenda|compra)\b",
            rf"\bsaber (?:do|da|dos|das|sobre o|sobre a|como esta|como anda) {_MINE}\b",
            rf"\bcomo (?:esta|anda|estao|andam) (?:o |a )?(?:{_MINE} )?{_ORDER}\b",
            r"\bem que pe\b",
            r"\bconsta (?:como )?entregue\b",
            r"\bsaiu (?:para|pra) entrega\b",
            # Asking for the buyer's data is asking about the order: identity comes first.
            r"\b(?:e-?mail|cpf|endereco|telefone|celular|nome|dados) (?:do|da) (?:dono|dona"
            r"|titular|comprador\w*|cliente|pessoa que comprou)\b",
            # "sera que sai essa semana?" asks about an order; "pra sair hoje" about buying one.
            r"(?<!pra )(?<!para )\b(?:sai|sair|saia|chega|chegar|chegue) (?:ainda )?(?:essa|esta"
            r"|nessa|nesta|ate|antes|hoje|amanha|a tempo)\b",
        ),
        *weak(
            rf"\b{_MINE} (?:pedidos?|encomendas?|compras?)\b",
            r"\b(?:pedidos?|encomendas?)\b",
            r"\b(?:esperando|aguardando|chegou|chegar|entregue|enviaram|despacharam|postaram)\b",
        ),
    ),
    "tracking": (
        *strong(
            r"\brastre\w*",
            r"\bcodigo (?:de |do |da |dos )?(?:envio|postagem|objeto|correios?|transportadora)\b",
            r"\bcorreios?\b",
            r"\bacompanh(?:ar|o|amento)\b",
            r"\btransportadora\b",
            r"\bobjeto\b",
            r"\bcarteiro\b|\btentativa de entrega\b|\bnao (?:tava|estava) em casa\b",
            r"\b(?:entregue|entregaram|entregou|deixaram|deixou) (?:pra|para|a|com) quem\b",
            r"\bquem (?:recebeu|assinou|pegou)\b",
        ),
        *weak(r"\bcodigo\b", r"\b(?:jadlog|loggi|sedex|total express|j t)\b"),
    ),
    "payment": (
        *strong(
            r"\b(?:boletos?|pix|pagamentos?|pagar|pague|comprovante|cobranca|cartao)\b",
            r"\bcobrad[oa]s?\b|\bcobra(?:ram|ndo)\b",
            r"\bsegunda via\b",
            r"\blink (?:de |do |da |para |pra )?(?:pagamento|pagar|pix|boleto)\b",
            r"\bcodigo de barras\b|\bqr ?code\b|\bchave pix\b",
            r"\brecusad[oa]\b",
            r"\b(?:nao )?(?:foi )?aprova(?:do|da|cao|ou|ram)\b",
            r"\bem analise\b",
            r"\bcompens(?:a|ar|ou|ado|ada|acao)\b",
            r"\b(?:expirou|expirad[oa]|venceu|vencid[oa])\b",
            r"\bvalor (?:total |final )?(?:d[oa]s? |de )(?:meu |minha |o |a )?(?:pedidos?|compras?"
            r"|encomendas?|boletos?|pix|fatura)\b",
            r"\b(?:qual|quais|me manda|manda|me passa|passa|me diz|me fala) (?:eh )?(?:o |a )?valor"
            r"(?: total| final)?(?: (?:tambem|dele|dela|ai|entao|mesmo))?$",
        ),
        *weak(r"\b(?:paguei|pago|pagou|pagamos|pendente|credito|debito|fatura)\b"),
    ),
    "refund": strong(
        r"\breembols\w*",
        r"\bestorn\w*",
        r"\bressarci\w*",
        r"\brestitui\w*",
        rf"\b{_MONEY} de volta\b",
        rf"\bdevolv\w* (?:o |a |meu |minha |o meu |a minha )?{_MONEY}\b",
        rf"\bdevolucao (?:do |da |de )?(?:meu |minha )?{_MONEY}\b",
        r"\b(?:meu|o meu) dinheiro\b",
        r"\bcade (?:o |a |meu |minha |o meu |a minha )?(?:dinheiro|grana|valor)\b",
        r"\b(?:dinheiro|grana|valor)\b.{0,25}\b(?:devem|deve|devendo)\b",
        r"\b(?:dinheiro|grana|valor)\b.{0,25}\b(?:volt\w*|devolv\w*|retorn\w*)\b",
    ),
    "cancel": (
        *strong(
            r"\bcancel(?:a|ar|e|em|o|amento|ando|aria|ariam|em)\b",
            r"\bdesist\w*",
            r"\bnao quero mais\b",
            r"\banul(?:a|ar|e)\b",
            r"\bsuspend(?:er|e|a) (?:o |a )?(?:pedido|compra)\b",
        ),
        *weak(r"\bcancel(?:ado|ada|ados|adas|aram|ou)\b"),
    ),
    "exchange_return": (
        *strong(
            r"\btroc(?:a|ar|o|as|ou|ada|ado|ar)\b",
            r"\bdevolv(?:er|o|e|a|endo|am)\b",
            r"\bdevolucao\b",
            rf"\bveio (?:\w+ ){{0,3}}(?:com )?{_DAMAGE}",
            rf"\b(?:chegou|chegaram|recebi|recebemos|ficou) (?:\w+ ){{0,3}}{_DAMAGE}",
            r"\b(?:defeito|defeituos\w*|quebrad\w*|rasgad\w*|manchad\w*|furad\w*|descosturad\w*"
            r"|danificad\w*|avariad\w*|estragad\w*|trincad\w*|arranhad\w*|lascad\w*|riscad\w*"
            r"|descol(?:ou|ando|ada|ado)|soltando|soltou|desbot\w*|desfi(?:ou|ando)|encolheu)\b",
            r"\bveio\b.{0,40}\b(?:e )?(?:eu )?(?:tinha )?pedi\b",
            rf"^(?:mas )?eu (?:tinha )?pedi (?:(?:o|a|um|uma|tamanho|numero) )?{_SIZE}$",
            r"\b(?:tamanho|cor|modelo|produto|numero|item|pecas?) (?:\w+ )?errad\w*",
            r"\bmandaram (?:o |a )?(?:\w+ )?errad\w*",
            r"\bnao (?:serviu|coube|gostei|ficou bom|ficou boa|era o que)\b",
            r"\bficou (?:muito |bem )?(?:pequen\w*|grande|apertad\w*|larg\w*|curt\w*|comprid\w*)\b",
            r"\bdiferente (?:da|do) (?:foto|anuncio|site|descricao|pedido|que)\b",
            r"\bfaltando\b|\bnao (?:pedi|comprei|encomendei)\b",
            r"\blogistica reversa\b|\bdireito de arrependimento\b",
            r"\b(?:mandar|enviar|devolver|mando|envio) de volta\b",
        ),
        *weak(
            r"\bdevolv(?:i|eram|emos)\b",
            r"\barrependi\w*",
            # "digitei errado" corrects what the customer typed; it is not a wrong product.
            r"(?<!digitei )(?<!escrevi )(?<!passei )(?<!informei )(?<!falei )\berrad\w*",
        ),
    ),
    "product_info": (
        *strong(
            r"\bestoque\b",
            r"\bdisponive(?:l|is)\b|\besgotad\w*",
            r"\b(?:quando )?(?:chega|vai chegar|volta|vai voltar|tem|vai ter)? ?(?:a )?reposicao\b",
            r"\b(?:qual|quais) (?:o |a |eh o |eh a |os |as )?(?:preco|valor(?= d)|tamanho|material"
            r"|tecido|cor|cores|medida|medidas|numeracao|composicao|modelos)\b",
            r"\bquanto (?:custa|custam|sai|esta|eh|fica)\b",
            r"\btabela de (?:medidas|tamanhos?)\b|\bmedidas\b",
            r"\b(?:eh|sao) (?:de )?(?:algodao|couro|poliester|linho|seda|ouro|prata|inox"
            r"|originais|original|importad[oa]s?|nacional)\b",
            rf"\btem\b(?: \w+){{0,4}} {_SIZE}$",
            r"\btem\b (?:\w+ )?(?:tamanho|na cor|em cor|cor|nas cores|modelo)\b",
            rf"\btamanho {_SIZE}\b",
            r"\bainda tem\b",
            r"\b(?:vende|vendem|trabalham com|tem venda de)\b",
            r"\bforma (?:pequen\w*|grande|normal|certo|certinho)\b",
            r"\bcatalogo\b",
            r"\b(?:vem|acompanha|inclui)\b.{0,20}\bquant[oa]s\b",
            r"\bquant[oa]s (?:pecas|itens|unidades|ml|gramas|cm|metros|litros)\b",
            r"\b(?:comprar|fazer (?:o |um |outro )?(?:pedido|compra))"
            r" (?:de novo|novamente|outra vez)\b",
        ),
        *weak(
            r"\btem\b",
            r"\b(?:preco|precos|valor|tamanho|tamanhos|numeracao|cor|cores|modelo|material"
            r"|tecido|original|originais|produto|algodao|couro|poliester|linho|seda|tamanhos)\b",
            r"\bvoces tem\b",
        ),
    ),
    "store_info": (
        *strong(
            r"\bhorarios?\b",
            r"\b(?:ate )?que horas\b",
            r"\b(?:abre|abrem|fecha|fecham|funcionam|(?<!em )abert[oa]s?)\b",
            r"\bendereco (?:da|de|do) (?:loja|voces|empresa|sede)\b|\blocalizacao\b",
            r"\b(?:qual|me passa|passa|manda) (?:eh )?o endereco\b(?! (?:de|da|do|dela|dele)\b)",
            r"\b(?:qual|me passa|manda) (?:eh )?o (?:site|link da loja)\b|\bsite (?:de|da) "
            r"(?:voces|loja)\b",
            r"\bonde (?:fica|ficam|voces ficam|eh a loja)\b",
            r"\bloja (?:fisica|online|virtual|em|no|na)\b|\btem loja\b",
            r"\bprazo (?:de|para|do|da) (?:entrega|envio|chegar|postagem|frete)\b",
            r"\bquanto tempo (?:demora|leva|vai levar|costuma)\b",
            r"\bfrete\b|\bgratis\b",
            r"\b(?:voces )?(?:entregam|enviam|mandam|despacham|fazem entrega|fazem envio)"
            r" (?:em|no|na|para|pro|ao|a|todo|o|fora)\b",
            r"\bpolitica\b",
            r"\b(?:politica|regras?|condicoes|prazo|prazos) (?:de |da |do |para |pra )?(?:a |as )?"
            r"(?:troca|trocas|devolucao|devolucoes|reembolso|arrependimento)\b",
            r"\b(?:formas?|meios?|opcoes|opcao) de pagamento\b",
            r"\baceita(?:m)? (?:pix|boleto|cartao|cartoes|credito|debito|picpay|paypal"
            r"|mercado pago|parcelamento|troca|devolucao)\b",
            r"\bem (?:ate )?quantas vezes\b|\bsem juros\b|\bparcelamento\b",
            r"\bconfiavel\b|\bcnpj\b|\b(?:instagram|insta|facebook|tiktok)\b",
            r"\bretir(?:ar|ada|o) (?:na|no|em) (?:loja|local|pessoalmente)\b|\bretirada\b",
            r"\b(?:telefone|contato|email|whatsapp) (?:da|de|do) (?:loja|voces|empresa|sac|vendas"
            r"|atendimento)\b",
        ),
        *weak(
            r"\b(?:atende|atendem|funciona|sabado|domingo|feriados?|exterior|internacional)\b",
            r"\b(?:prazo|cupom|desconto|promocao|endereco)\b",
        ),
    ),
}

# When one clause holds strong cues of several intents, the more specific request wins.
PRIORITY: tuple[Intent, ...] = (
    "human_agent",
    "refund",
    "cancel",
    "exchange_return",
    "payment",
    "tracking",
    "order_status",
    "store_info",
    "product_info",
    "thanks",
    "greeting",
)
