"""Where tokens are kept: the OS keychain only, else this session; never a plain file."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from reviewdesk.sync import Credentials, KeychainError, TokenStorage, usable_keychain
from tests.sync.fakes import HangingKeyring, MemoryKeyring

URL = "https://review.example"


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's plain-text file backend (not installed here)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_the_token_goes_to_the_keychain(memory_keyring: MemoryKeyring) -> None:
    credentials = Credentials(environ={})
    assert credentials.store(URL, "rd_secret") is TokenStorage.KEYCHAIN
    assert memory_keyring.passwords == {("reviewdesk", URL): "rd_secret"}
    assert Credentials(environ={}).token(URL) == "rd_secret"  # a later session finds it


@pytest.mark.parametrize("backend", [PlaintextKeyring(), fail.Keyring(), null.Keyring()])
def test_a_plain_file_or_a_null_backend_is_never_used(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    credentials = Credentials(environ={})
    assert usable_keychain() is None
    assert credentials.store(URL, "rd_secret") is TokenStorage.SESSION
    assert credentials.token(URL) == "rd_secret"
    assert Credentials(environ={}).token(URL) is None  # gone with the session
    assert getattr(backend, "passwords", {}) == {}


def test_a_chain_uses_only_its_keychain_member() -> None:
    plain, real = PlaintextKeyring(), MemoryKeyring()
    chain = SimpleNamespace(backends=[plain, real])  # keyring's chainer, as it is duck-typed
    assert usable_keychain(chain) is real
    Credentials(environ={}, backend=chain).store(URL, "rd_secret")
    assert plain.passwords == {} and real.passwords == {("reviewdesk", URL): "rd_secret"}


def test_the_environment_token_wins(memory_keyring: MemoryKeyring) -> None:
    Credentials(environ={}).store(URL, "rd_keychain")
    assert Credentials(environ={"REVIEWDESK_TOKEN": "rd_env"}).token(URL) == "rd_env"


@pytest.fixture
def hanging() -> Iterator[HangingKeyring]:
    backend = HangingKeyring()
    yield backend
    backend.release.set()  # let the abandoned keyring thread finish


def test_a_keychain_that_never_answers_does_not_freeze_anything(hanging: HangingKeyring) -> None:
    credentials = Credentials(environ={}, backend=hanging, timeout_s=0.2)
    with pytest.raises(KeychainError, match="did not answer"):
        credentials.token(URL)
    assert credentials.store(URL, "rd_secret") is TokenStorage.SESSION
    assert credentials.token(URL) == "rd_secret"


def test_forget_drops_the_token_everywhere(memory_keyring: MemoryKeyring) -> None:
    credentials = Credentials(environ={})
    credentials.store(URL, "rd_secret")
    credentials.forget(URL)
    credentials.forget(URL)  # nothing stored: fine
    assert credentials.token(URL) is None
