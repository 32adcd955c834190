"""The offline demo store "Loja Aurora", and Nuvemshop as the partner app meets it."""

from integrations.nuvemshop.demo.partner import (
    DEMO_APP_ID,
    DEMO_CLIENT_SECRET,
    DEMO_INSTALL_STORE_ID,
    DemoNuvemshop,
)
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
    "DEMO_APP_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_INSTALL_STORE_ID",
    "DEMO_STORE_ID",
    "DemoNuvemshop",
    "DemoStore",
    "demo_customers",
    "demo_orders",
    "demo_transport",
]
