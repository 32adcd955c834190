"""The offline demo store "Loja Aurora": realistic orders served through the real client."""

from integrations.nuvemshop.demo.store import (
    DEMO_ACCESS_TOKEN,
    DEMO_STORE_ID,
    DemoStore,
    demo_customers,
    demo_orders,
    demo_transport,
)

__all__ = [
    "DEMO_ACCESS_TOKEN",
    "DEMO_STORE_ID",
    "DemoStore",
    "demo_customers",
    "demo_orders",
    "demo_transport",
]
