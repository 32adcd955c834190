"""Many stores in one deployment: each store's settings, from a stores file and the environment.

Without `ATENDENTE_STORES_FILE` a deployment serves one store, configured by the
environment as always. With it, the file names each store by a slug and sets, under the
usual variable names, what differs between stores: the Nuvemshop store id, the WhatsApp
number, the profile, hours, automations, templates. Secrets never live in the file: a
store's secret comes from the environment as `ATENDENTE_STORE_<SLUG>__<VARIABLE>`
(`ATENDENTE_STORE_LOJA_A__WHATSAPP_ACCESS_TOKEN`), where a slug's letters are upper-cased
and its dashes become underscores.

Isolation rests on one rule: every key a store writes starts with its own prefix,
`<ATENDENTE_REDIS_PREFIX>:<slug>`, so a conversation, a cache entry, a ticket, a rate-limit
bucket or a redact of one store names only that store's keys. What the deployment shares
(Redis, the data directory, the encryption key, the environment) cannot be set per store.

```toml
[stores.loja-a]
NUVEMSHOP_STORE_ID = "1234567"
WHATSAPP_PHONE_NUMBER_ID = "109876543210"
ATENDENTE_STORE_NAME = "Loja A"
```
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, SecretStr, ValidationError

from composition.settings import Settings

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
SHARED = frozenset(
    {
        "redis_url",
        "redis_cluster",
        "stream_shards",
        "redis_prefix",
        "data_dir",
        "encryption_key",
        "environment",
        "stores_file",
    }
)
"""Fields the deployment shares: one Redis, one key space per store under one prefix."""


class StoresFileError(ValueError):
    """The stores file cannot be used; the message is one line naming the file and the fault."""


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """One store of a deployment: its slug and its complete settings."""

    slug: str
    settings: Settings


def _names() -> dict[str, str]:
    """Every environment name a setting answers to, mapped to the setting's field name."""
    names: dict[str, str] = {}
    for field_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias or field_name]
        for choice in choices:
            if isinstance(choice, str):
                names[choice.upper()] = field_name
    return names


def _is_secret(field_name: str) -> bool:
    annotation = str(Settings.model_fields[field_name].annotation)
    return "SecretStr" in annotation


def secret_variable(slug: str, name: str) -> str:
    """The environment variable that holds store `slug`'s value of secret `name`."""
    return f"ATENDENTE_STORE_{slug.upper().replace('-', '_')}__{name}"


def _overrides(path: Path, slug: str, table: object) -> dict[str, Any]:
    """The store's values by field name, from its table and its secret variables."""
    if not isinstance(table, dict):
        raise StoresFileError(f"{path}: [stores.{slug}] must be a table of settings")
    names = _names()
    values: dict[str, Any] = {}
    for name, value in table.items():
        field_name = names.get(str(name).upper())
        if field_name is None:
            raise StoresFileError(f"{path}: [stores.{slug}] {name} is not a setting")
        if field_name in SHARED:
            raise StoresFileError(
                f"{path}: [stores.{slug}] {name} is shared by the deployment; set it once"
            )
        if _is_secret(field_name):
            raise StoresFileError(
                f"{path}: [stores.{slug}] {name} is a secret; set {secret_variable(slug, name)}"
                " in the environment instead"
            )
        values[field_name] = value
    head = secret_variable(slug, "")
    for variable, value in os.environ.items():
        if variable.startswith(head):
            name = variable[len(head) :]
            field_name = names.get(name)
            if field_name is None or field_name in SHARED:
                raise StoresFileError(f"{variable} does not name a setting a store can have")
            values[field_name] = SecretStr(value) if _is_secret(field_name) else value
    return values


def _store(base: Settings, path: Path, slug: str, table: object) -> StoreConfig:
    if not SLUG.match(slug):
        raise StoresFileError(
            f"{path}: store slug {slug!r} must be lower-case letters, digits and dashes"
        )
    values = {name: getattr(base, name) for name in Settings.model_fields}
    values.update(_overrides(path, slug, table))
    values["redis_prefix"] = f"{base.redis_prefix}:{slug}"
    try:
        settings = Settings(_env_file=None, **values)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise StoresFileError(f"{path}: [stores.{slug}] {where}: {problem['msg']}") from None
    return StoreConfig(slug, settings)


def load_stores(base: Settings) -> list[StoreConfig]:
    """The deployment's stores: the file's, or the one store the environment describes.

    Raises:
        StoresFileError: the file is missing or malformed, a store repeats another's
            WhatsApp number or Nuvemshop store, or sets what only the deployment may.
    """
    path = base.stores_file
    if path is None:
        return [StoreConfig("", base)]
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StoresFileError(f"ATENDENTE_STORES_FILE={path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise StoresFileError(f"{path}: not valid TOML ({error})") from None
    tables = document.get("stores")
    if not isinstance(tables, dict) or not tables:
        raise StoresFileError(f"{path}: no [stores.<slug>] table")
    stores = [_store(base, path, str(slug), table) for slug, table in tables.items()]
    _refuse_repeats(path, stores)
    return stores


def _refuse_repeats(path: Path, stores: list[StoreConfig]) -> None:
    """Two stores on one number or one Nuvemshop store could not be told apart."""
    for label, field_name in (
        ("WHATSAPP_PHONE_NUMBER_ID", "whatsapp_phone_number_id"),
        ("NUVEMSHOP_STORE_ID", "nuvemshop_store_id"),
    ):
        seen: dict[str, str] = {}
        for store in stores:
            value = getattr(store.settings, field_name)
            if not value:
                raise StoresFileError(f"{path}: [stores.{store.slug}] needs {label}")
            if value in seen:
                raise StoresFileError(
                    f"{path}: stores {seen[value]} and {store.slug} share {label}={value}"
                )
            seen[value] = store.slug
