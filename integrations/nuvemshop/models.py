"""The parts of Nuvemshop orders and customers that customer service needs, named as the API does.

Status fields stay plain `str`: Nuvemshop adds values over time (it added `delivered` and the
`partially_*` states to `shipping_status`), and an unknown value must never make an order
unreadable. The known values are exported as `Literal` types and tuples for callers to match.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

OrderStatus = Literal["open", "closed", "cancelled"]
PaymentStatus = Literal[
    "authorized",
    "pending",
    "paid",
    "partially_paid",
    "abandoned",
    "refunded",
    "partially_refunded",
    "voided",
]
ShippingStatus = Literal[
    "unpacked",
    "unshipped",
    "shipped",
    "delivered",
    "partially_packed",
    "partially_fulfilled",
]
PaymentMethod = Literal[
    "credit_card",
    "debit_card",
    "boleto",
    "pix",
    "bank_transfer",
    "wallet",
    "cash",
    "custom",
    "other",
]
CancelReason = Literal["customer", "fraud", "inventory", "other"]

ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatus)
PAYMENT_STATUSES: tuple[str, ...] = get_args(PaymentStatus)
SHIPPING_STATUSES: tuple[str, ...] = get_args(ShippingStatus)
PAYMENT_METHODS: tuple[str, ...] = get_args(PaymentMethod)
CANCEL_REASONS: tuple[str, ...] = get_args(CancelReason)

# The `shipping_status` filter of GET /orders (and the v1 docs) say fulfilled/unfulfilled for
# what order payloads call shipped/unshipped.
LEGACY_SHIPPING_STATUSES: dict[str, str] = {"fulfilled": "shipped", "unfulfilled": "unshipped"}


def normalize_shipping_status(value: str | None) -> str | None:
    """Map the legacy fulfilled/unfulfilled spelling onto shipped/unshipped; keep others."""
    if value is None:
        return None
    return LEGACY_SHIPPING_STATUSES.get(value, value)


def _blank_to_none(value: Any) -> Any:
    """Read the empty strings the API sometimes sends for absent numbers and dates as None."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalInt = Annotated[int | None, BeforeValidator(_blank_to_none)]
OptionalDecimal = Annotated[Decimal | None, BeforeValidator(_blank_to_none)]
OptionalDatetime = Annotated[datetime | None, BeforeValidator(_blank_to_none)]


class _ApiModel(BaseModel):
    """Immutable, and blind to the many API fields support does not use."""

    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class Address(_ApiModel):
    """A shipping address as Nuvemshop stores it (Brazilian `zipcode` is the CEP, digits)."""

    address: str | None = None
    number: str | None = None
    floor: str | None = None
    locality: str | None = None
    city: str | None = None
    province: str | None = None
    zipcode: str | None = None
    country: str | None = None
    name: str | None = None
    phone: str | None = None


class Customer(_ApiModel):
    """A store customer; `identification` is the CPF/CNPJ digits, `phone` is E.164."""

    id: int
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    identification: str | None = None
    note: str | None = None
    total_spent: OptionalDecimal = None
    total_spent_currency: str | None = None
    last_order_id: OptionalInt = None
    default_address: Address | None = None
    created_at: OptionalDatetime = None
    updated_at: OptionalDatetime = None


class PaymentDetails(_ApiModel):
    """How the order was paid; `method` is one of `PAYMENT_METHODS` in practice."""

    method: str | None = None
    credit_card_company: str | None = None
    installments: OptionalInt = None


class OrderProduct(_ApiModel):
    """One line item, with the name and price at the time of purchase."""

    id: OptionalInt = None
    product_id: OptionalInt = None
    variant_id: OptionalInt = None
    name: str
    quantity: int = 1
    price: Decimal
    sku: str | None = None
    variant_values: list[str] = Field(default_factory=list)


class Order(_ApiModel):
    """An order: `id` is the API key, `number` is what the customer sees (#1001)."""

    id: int
    number: int
    token: str | None = None
    status: str
    payment_status: str
    shipping_status: str | None = None
    shipping_tracking_number: str | None = None
    shipping_tracking_url: str | None = None
    shipping_min_days: OptionalInt = None
    shipping_max_days: OptionalInt = None
    shipping: str | None = None
    shipping_option: str | None = None
    shipping_pickup_type: str | None = None
    shipping_store_branch_name: str | None = None
    shipping_address: Address | None = None
    gateway: str | None = None
    gateway_name: str | None = None
    gateway_link: str | None = None
    payment_details: PaymentDetails | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_identification: str | None = None
    customer: Customer | None = None
    products: list[OrderProduct] = Field(default_factory=list)
    subtotal: OptionalDecimal = None
    discount: OptionalDecimal = None
    total: OptionalDecimal = None
    currency: str | None = None
    created_at: OptionalDatetime = None
    updated_at: OptionalDatetime = None
    paid_at: OptionalDatetime = None
    shipped_at: OptionalDatetime = None
    closed_at: OptionalDatetime = None
    cancelled_at: OptionalDatetime = None
    cancel_reason: str | None = None

    @property
    def payment_method(self) -> str | None:
        """The payment method, or None when the API did not say."""
        return self.payment_details.method if self.payment_details else None
