"""Turn real conversations into eval dialogues, so production failures become regression cases.

Two sources feed one shape, `Conversation`:

- checkpoints: the channel values of a thread's checkpoints, newest first, as the app's
  `RedisSaver` keeps them (`conversation_from_checkpoints`). The messages give the turns
  (each customer message the worker ran is one turn: bursts were merged before the graph
  saw them), the bot's replies, its tool calls and the orders they named; the retained
  checkpoints give the intent of their turns, the turn where a handoff opened and when the
  conversation happened.
- an export file (`conversations_from_export`): `{"conversations": [{"id", "customer",
  "messages": [{"role": "customer"|"bot", "text", "intent"?}], "handoff"?, "orders"?}]}`, where
  consecutive customer messages before a bot reply are one burst; or what the admin API's
  `GET /admin/tickets/{id}` returns (`{"ticket": {...}, "conversation": [...]}`), alone, in a
  list, or inside `conversations`.

`attach_orders` fetches from the store the orders a conversation's tool calls named, so
the dialogue gets its own store and still replays as it happened; `render_dialogues`
masks personal data (`evals.pii`, one `Masker` per file, store orders included) and writes
the `atendente-dialogues/1` YAML, with the bot's recorded replies as `# bot:` comments. The
expectations it writes are what the bot did, not what it should have done: the file says
so at the top, and an engineer edits it before it joins the dataset.
"""

from evals.record.checkpoints import conversation_from_checkpoints
from evals.record.conversation import Conversation, RecordedTurn, RecordError
from evals.record.export import conversations_from_export
from evals.record.orders import OrdersFetched, attach_orders, mask_order, mask_orders
from evals.record.render import RecordedFile, render_dialogues

__all__ = [
    "Conversation",
    "OrdersFetched",
    "RecordError",
    "RecordedFile",
    "RecordedTurn",
    "conversation_from_checkpoints",
    "attach_orders",
    "conversations_from_export",
    "mask_order",
    "mask_orders",
    "render_dialogues",
]
