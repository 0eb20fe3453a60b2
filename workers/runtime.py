"""What a job needs from its process: the write-side application, built once per process.

The composition root registers a factory at worker start-up; jobs call `filings()`. Building
lazily per process id keeps connections out of any fork.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from commands.documents import DocumentsService
from commands.filings import FilingsApplication

_factory: Callable[[], FilingsApplication] | None = None
_instance: tuple[int, FilingsApplication] | None = None
_documents_factory: Callable[[FilingsApplication], DocumentsService] | None = None
_documents: tuple[int, DocumentsService] | None = None


def configure(factory: Callable[[], FilingsApplication]) -> None:
    global _factory, _instance
    _factory = factory
    _instance = None


def filings() -> FilingsApplication:
    global _instance
    if _instance is None or _instance[0] != os.getpid():
        if _factory is None:
            raise RuntimeError("workers.runtime.configure() was not called in this process")
        _instance = (os.getpid(), _factory())
    return _instance[1]


def configure_documents(factory: Callable[[FilingsApplication], DocumentsService]) -> None:
    """Document jobs also need the blob store: the factory builds the service on `filings()`."""
    global _documents_factory, _documents
    _documents_factory = factory
    _documents = None


def documents() -> DocumentsService:
    global _documents
    if _documents is None or _documents[0] != os.getpid():
        if _documents_factory is None:
            raise RuntimeError("workers.runtime.configure_documents() was not called")
        _documents = (os.getpid(), _documents_factory(filings()))
    return _documents[1]
