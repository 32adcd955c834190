"""Checks a long-running command makes before it starts, so a bad setup fails in one line.

Without them a missing model key would surface as a startup traceback from deep inside
uvicorn's lifespan, a malformed JSON variable as a page of pydantic's traceback, and a
production deployment with half its configuration would quietly start on the demo store,
the embedded Redis and the offline Graph API, accepting webhooks signed with a public
secret. Each problem is one line naming the variable to set.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import redis
from pydantic import AliasChoices, ValidationError
from pydantic_settings import SettingsError

from agent.store_voice.templates import TemplatesError, load_templates
from cli.failure import CommandFailure
from composition.knowledge import knowledge_entries
from composition.model import ModelNotConfiguredError, build_chat_model
from composition.nuvemshop_app import app_problems
from composition.settings import Settings, get_settings
from composition.stores import StoresFileError, load_stores
from tools.knowledge.entries import KnowledgeFileError

FAIL = CommandFailure("atendente")


_FIELD = re.compile(r'field "(?P<field>\w+)"')


def variable_of(field: str) -> str:
    """The environment variable a settings field is read from (its first alias)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices) and alias.choices:
        return str(alias.choices[0])
    return str(alias or field).upper()


def load_settings() -> Settings:
    """The settings, or exit with one line per variable that does not parse."""
    try:
        return get_settings()
    except ValidationError as error:
        lines = [
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        ]
    except SettingsError as error:  # a value that is not even JSON, before validation
        match = _FIELD.search(str(error))
        name = variable_of(match.group("field")) if match else "a variable"
        lines = [f"{name}: not valid JSON"]
    raise FAIL("invalid configuration:\n  " + "\n  ".join(lines))


def _half_set(first: tuple[str, object], second: tuple[str, object], why: str) -> str | None:
    """The line naming the missing one of two variables that only work together."""
    (first_name, first_value), (second_name, second_value) = first, second
    if bool(first_value) == bool(second_value):
        return None
    given, missing = (first_name, second_name) if first_value else (second_name, first_name)
    return f"{given} is set but {missing} is not: {why}"


def configuration_problems(settings: Settings) -> list[str]:
    """What is missing or half-set; in production, every demo part and default secret too."""
    problems = [
        problem
        for problem in (
            _half_set(
                ("NUVEMSHOP_STORE_ID", settings.nuvemshop_store_id),
                (
                    "NUVEMSHOP_ACCESS_TOKEN",
                    settings.nuvemshop_access_token or settings.uses_installed_token,
                ),
                "a real store needs both (or the partner app, whose install keeps the token)",
            ),
            _half_set(
                ("WHATSAPP_PHONE_NUMBER_ID", settings.whatsapp_phone_number_id),
                ("WHATSAPP_ACCESS_TOKEN", settings.whatsapp_access_token),
                "WhatsApp needs both",
            ),
        )
        if problem
    ]
    problems += app_problems(settings)
    if settings.environment != "production" or problems:
        return problems
    required = {
        "NUVEMSHOP_STORE_ID and NUVEMSHOP_ACCESS_TOKEN (the demo store is refused)": not (
            settings.uses_demo_store
        ),
        "NUVEMSHOP_APP_SECRET (store webhooks would be refused)": settings.nuvemshop_app_secret,
        "REDIS_URL (the embedded Redis is for trying Atendente out)": settings.redis_url,
        "WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID (the offline Graph API is refused)": (
            not settings.uses_fake_whatsapp
        ),
        "WHATSAPP_APP_SECRET (the development secret is public)": settings.whatsapp_app_secret,
        "WHATSAPP_VERIFY_TOKEN (the demo token is public)": settings.whatsapp_verify_token,
    }
    return [f"ATENDENTE_ENV=production needs {name}" for name, ok in required.items() if not ok]


def require_configuration(settings: Settings) -> None:
    """Exit naming every missing variable before anything starts."""
    problems = configuration_problems(settings)
    if problems:
        raise FAIL("incomplete configuration:\n  " + "\n  ".join(problems))


def require_brain(settings: Settings) -> None:
    """Exit with a clear message when the chosen brain cannot run with these settings."""
    if settings.resolved_brain != "openai":
        return
    try:
        build_chat_model(settings)
    except ModelNotConfiguredError as error:
        raise FAIL(error) from error


def require_redis(settings: Settings) -> None:
    """Exit naming REDIS_URL when the Redis it points at does not answer."""
    url = settings.redis_address
    if url is None:
        return
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        parts = urlsplit(url)
        shown = f"{parts.hostname}:{parts.port or 6379}{parts.path}"  # no password in the line
        raise FAIL(
            f"REDIS_URL ({shown}) does not answer ({type(error).__name__}): start that Redis, "
            "or unset REDIS_URL to use the embedded one"
        ) from None
    finally:
        client.close()


def require_templates(settings: Settings) -> None:
    """Exit naming the file, the key and the fault of a store's reply templates that are wrong."""
    try:
        load_templates(settings.reply_templates)
    except TemplatesError as error:
        lines = str(error).replace("\n", "\n  ")
        raise FAIL(f"invalid reply templates (ATENDENTE_REPLY_TEMPLATES):\n  {lines}") from None


def require_knowledge(settings: Settings) -> None:
    """Exit naming the entry and the fault of a knowledge file that cannot be used."""
    try:
        knowledge_entries(settings)
    except KnowledgeFileError as error:
        raise FAIL(f"{error} (ATENDENTE_KNOWLEDGE_FILE)") from None


def require_free_port(host: str, port: int) -> None:
    """Exit naming --port when another program already listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise FAIL(
                f"port {port} on {host} is already in use: stop what listens there or choose "
                "another with --port"
            ) from None


def require_stores(settings: Settings) -> None:
    """Exit with the stores file's fault, or, in production, each store's missing variables."""
    if settings.stores_file is None:
        return
    try:
        stores = load_stores(settings)
    except StoresFileError as error:
        raise FAIL(str(error)) from None
    for store in stores:  # each store's own templates and knowledge, named by its slug
        try:
            load_templates(store.settings.reply_templates)
            knowledge_entries(store.settings)
        except TemplatesError as error:
            lines = str(error).replace("\n", "\n  ")
            raise FAIL(f"[stores.{store.slug}] invalid reply templates:\n  {lines}") from None
        except KnowledgeFileError as error:
            raise FAIL(f"[stores.{store.slug}] {error}") from None
    if settings.environment != "production":
        return
    problems = [
        f"[stores.{store.slug}] {problem}"
        for store in stores
        for problem in configuration_problems(store.settings)
    ]
    if problems:
        raise FAIL("incomplete configuration:\n  " + "\n  ".join(problems))


def preflight() -> Settings:
    """Load the settings and check them, for `serve`, `worker` and `chat`."""
    settings = load_settings()
    if settings.stores_file is None:
        require_configuration(settings)
    require_stores(settings)
    require_brain(settings)
    require_knowledge(settings)
    require_templates(settings)
    return settings
