"""Where a reviewer's server token is kept: the OS keychain, or this session's memory.

The token goes to the OS keychain through keyring, and only to a real keychain: keyrings.alt's
files (plain text or weakly encrypted) and keyring's `fail` / `null` backends are refused. With
no keychain the token is kept in memory for this session only, and `store` says so.
`REVIEWDESK_TOKEN` (for scripts) wins over both. Keyring calls run on a daemon thread with a
timeout, so a keychain that never answers (a locked macOS keychain, a D-Bus secret service that
hangs) cannot freeze the desk or the command line. The token is never logged.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

import keyring
import keyring.backend
import keyring.errors

from reviewdesk.sync.errors import KeychainError

logger = logging.getLogger(__name__)

__all__ = ["TOKEN_ENV", "Credentials", "TokenStorage", "usable_keychain"]

SERVICE = "reviewdesk"
TOKEN_ENV = "REVIEWDESK_TOKEN"
KEYRING_TIMEOUT_S = 5.0
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")

T = TypeVar("T")


class TokenStorage(StrEnum):
    KEYCHAIN = "keychain"
    SESSION = "session"
    """No usable keychain: the token is kept in memory until the program ends."""


def _acceptable(backend: Any) -> bool:
    module = type(backend).__module__
    if any(module == refused or module.startswith(refused + ".") for refused in _REFUSED_MODULES):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend that cannot say its priority is not usable here
        return False


def usable_keychain(backend: Any | None = None) -> Any | None:
    """The keyring backend to keep tokens in, or None when there is no real keychain.

    A chainer (keyring's default when several backends load) is usable when one of its backends
    is; only that one is used, so a token never lands in a plain file further down the chain.
    """
    backend = keyring.get_keyring() if backend is None else backend
    chained = getattr(backend, "backends", None)
    if chained is not None:
        for candidate in chained:
            if _acceptable(candidate):
                return candidate
        return None
    return backend if _acceptable(backend) else None


def _with_timeout(call: Callable[[], T], timeout_s: float, what: str) -> T:
    """Run a keyring call on a daemon thread; give up (the thread stays blocked) after a while."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:  # handed back to the caller below
            outcome.append((False, error))

    thread = threading.Thread(target=run, name="reviewdesk-keyring", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        raise KeychainError(f"the OS keychain did not answer within {timeout_s:g} s ({what})")
    ok, value = outcome[0]
    if not ok:
        if isinstance(value, keyring.errors.KeyringError):
            raise KeychainError(f"the OS keychain failed ({what}): {value}") from value
        raise value
    return value  # type: ignore[no-any-return]


class Credentials:
    """The tokens of the servers this desk talks to.

    Args:
        environ: where to read `REVIEWDESK_TOKEN` (default: the process environment).
        backend: the keyring backend (default: keyring's, checked with `usable_keychain`).
        timeout_s: how long a keychain call may take.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        backend: Any | None = None,
        timeout_s: float = KEYRING_TIMEOUT_S,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._backend = backend
        self._timeout_s = timeout_s
        self._session: dict[str, str] = {}

    def _keychain(self) -> Any | None:
        return usable_keychain(self._backend)

    def keychain_available(self) -> bool:
        return self._keychain() is not None

    def token(self, server_url: str) -> str | None:
        """The token for `server_url`: `REVIEWDESK_TOKEN`, this session's, or the keychain's.

        Raises:
            KeychainError: the keychain failed or did not answer in time.
        """
        from_env = self._environ.get(TOKEN_ENV)
        if from_env:
            return from_env
        if server_url in self._session:
            return self._session[server_url]
        keychain = self._keychain()
        if keychain is None:
            return None
        found: str | None = _with_timeout(
            lambda: keychain.get_password(SERVICE, server_url), self._timeout_s, "reading"
        )
        return found

    def store(self, server_url: str, token: str) -> TokenStorage:
        """Keep the token: in the keychain when there is one, else for this session only.

        A keychain that fails or hangs also falls back to the session (and it is logged).
        """
        keychain = self._keychain()
        if keychain is not None:
            try:
                _with_timeout(
                    lambda: keychain.set_password(SERVICE, server_url, token),
                    self._timeout_s,
                    "saving",
                )
            except KeychainError as error:
                logger.warning("%s; the token is kept for this session only", error)
            else:
                self._session.pop(server_url, None)
                logger.info("the token for %s is in the OS keychain", server_url)
                return TokenStorage.KEYCHAIN
        self._session[server_url] = token
        logger.info("no usable OS keychain: the token for %s is kept for this session", server_url)
        return TokenStorage.SESSION

    def forget(self, server_url: str) -> None:
        """Drop the token (a rejected one) from the session and the keychain."""
        self._session.pop(server_url, None)
        keychain = self._keychain()
        if keychain is None:
            return
        try:
            _with_timeout(
                lambda: keychain.delete_password(SERVICE, server_url), self._timeout_s, "deleting"
            )
        except KeychainError as error:  # nothing stored is fine
            if not isinstance(error.__cause__, keyring.errors.PasswordDeleteError):
                raise
