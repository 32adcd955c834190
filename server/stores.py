"""The stores a deployment serves, and which one an incoming message belongs to.

A WhatsApp webhook names the number that received each message (`phone_number_id`); a
Nuvemshop webhook names its store (`store_id`). Both are looked up here, and nowhere is
there a fallback from one store to another: a message for a number no store has is not
handled by some other store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.services import Services


@dataclass(slots=True)
class Stores:
    """Each store's opened service, by slug (the empty slug: the one store of a deployment)."""

    by_slug: dict[str, Services]
    _by_number: dict[str, Services] = field(init=False)

    def __post_init__(self) -> None:
        """Index the stores by the WhatsApp number each one answers on."""
        self._by_number = {
            services.whatsapp.client_phone_number_id: services for services in self.by_slug.values()
        }

    @property
    def all(self) -> list[Services]:
        """Every store's service, in the stores file's order."""
        return list(self.by_slug.values())

    def for_number(self, phone_number_id: str) -> Services | None:
        """The store that answers on `phone_number_id`, if any."""
        return self._by_number.get(phone_number_id)

    def slug_for_nuvemshop(self, store_id: str) -> str | None:
        """The slug of the store whose Nuvemshop store is `store_id`, if any."""
        for slug, services in self.by_slug.items():
            if services.settings.nuvemshop_store_id == store_id:
                return slug
        return None
