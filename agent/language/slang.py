"""WhatsApp abbreviations, slang and frequent misspellings, each mapped to its plain word.

Keys are already folded (lower case, no accents, stretched letters squeezed), so "cadê",
"cadeeee" and "kd" all arrive here as "cade" or "kd". A value may hold several words.
"""

from __future__ import annotations


def _table(groups: dict[str, str]) -> dict[str, str]:
    """Turn {"canonical": "variant variant ..."} into {variant: canonical}."""
    return {
        variant: canonical for canonical, variants in groups.items() for variant in variants.split()
    }


SLANG: dict[str, str] = _table(
    {
        # Everyday abbreviations.
        "voce": "vc vce voce ce vo6 vox",
        "voces": "vcs vces ces vos6 voceis vcis",
        "nao": "n nn naum nao nom nops",
        "que": "q qe ki",
        "o que": "oq oque oqe",
        "porque": "pq pk pqe porq poq pq",
        "tambem": "tb tbm tbem tmb tambm",
        "nada": "nd nda",
        "agora": "agr agor",
        "hoje": "hj hje",
        "amanha": "amnh amanha amnha",
        "tudo": "td tdo",
        "todos": "tds",
        "tudo bem": "tdb tdbem",
        "muito": "mt mto mtu muinto mt",
        "muita": "mta",
        "mesmo": "msm mermo",
        "comigo": "cmg",
        "contigo": "ctg",
        "de novo": "dnv",
        "quando": "qnd qdo qndo qd quado qnado",
        "quanto": "qto qnt qnto qt qanto",
        "qual": "ql qal",
        "quais": "qais",
        "certeza": "ctz",
        "aqui": "aki aqi",
        "beleza": "blz blza belez",
        "mensagem": "msg msgm mensage",
        "por favor": "pfv pfvr pf pls plz plmds porfa porfavor pofavor",
        "obrigado": (
            "obg obgd obgda obgdo obgado obgada brigado brigada brigadao brigadu obrigada "
            "obrigadao obrigadu obrigadinho obrigadinha obrigadu obgg brigadinho thanks thx"
        ),
        "valeu": "vlw vlww valew vleu valeuu vlwz",
        "tamo junto": "tmj",
        "e ai": "eae eai iae iai",
        "oi": "oie oin oii oie oioi",
        "ola": "olar olah",
        "bom dia": "bomdia bdia",
        "boa tarde": "boatarde btarde",
        "boa noite": "boanoite bnoite",
        "verdade": "vdd",
        "para": "pra pa",
        "para o": "pro",
        "para os": "pros",
        "de": "d",
        "esta": "ta tah",
        "estou": "to tou",
        "estava": "tava",
        "onde": "ond aonde adonde ondi",
        "whatsapp": "whats wpp zap zapzap wats whatsap",
        "telefone": "tel fone",
        "celular": "cel",
        "informacao": "info",
        "alguem": "alguen algm alguem",
        "ninguem": "ngm ninguen",
        "minha": "mnha minah",
        "meu": "mew",
        "entao": "entaum",
        "queria": "qria qeria keria",
        "quero": "qro qero kero qer qeru queru kro",
        "preciso": "presiso precizo",
        # Store vocabulary and its usual misspellings.
        "cade": "kd kde cadee cadeh cad",
        "pedido": "ped pedid pedio pedidu pedidio peddo pdido pedio pedidoo pedito",
        "pedidos": "peds pedidus",
        "encomenda": "encomeda encomenta incomenda encomendo",
        "rastreio": "rastreiro rastrio rastreo rastreiu rastrei rasteio rastreioo",
        "rastrear": "rastria rastriar rastrea",
        "rastreamento": "rastreamentu rastriamento",
        "codigo": "cod codg codgo",
        "atendente": "atendent atendenti atendete antendente atendemte",
        "atendimento": "atendimeto atendimentu",
        "humano": "umano humanu",
        "reembolso": "rembolso reebolso reenbolso reembolco reembouso",
        "estorno": "extorno estornu extornu",
        "estornar": "extornar",
        "estornado": "extornado",
        "cancelar": "canselar cancela cancelaa cancelarr",
        "cancelamento": "canselamento",
        "troca": "troka",
        "trocar": "trokar",
        "devolucao": "devolusao devolucao",
        "dinheiro": "dinhero dimdim dinheir",
        "boleto": "boletu boleta",
        "pix": "pics piks",
        "pagamento": "pagamentu pagameto",
        "entrega": "entrga",
        "entregue": "entrege",
        "endereco": "endereso enderco",
        "horario": "orario",
        "estoque": "estoq estoqe",
        "tamanho": "tam tamano",
        "produto": "produtu prod",
        "gratis": "gratiz",
        "frete": "fret",
    }
)
