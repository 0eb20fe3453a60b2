"""What a job needs from its process, handed to every job function as its first argument.

The worker's composition root (burnblack/bootstrap/worker.py) builds one `JobContext` per
process from factories, and the worker's job class (`workers.worker.ContextJob`) passes it
in: no job looks anything up in a module. The services are built on first use and per
process id, which keeps connections out of any fork (RQ's scheduler is a forked child).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from commands.documents import DocumentsService
from commands.filings import FilingsApplication

Progress = Callable[[int, int], None]
Rebuild = Callable[[str, Progress], dict[str, Any]]


class JobContext:
    def __init__(
        self,
        filings: Callable[[], FilingsApplication],
        documents: Callable[[FilingsApplication], DocumentsService] | None = None,
        rebuild: Rebuild | None = None,
    ) -> None:
        self._filings_factory = filings
        self._documents_factory = documents
        self._rebuild = rebuild
        self._filings: tuple[int, FilingsApplication] | None = None
        self._documents: tuple[int, DocumentsService] | None = None

    def filings(self) -> FilingsApplication:
        if self._filings is None or self._filings[0] != os.getpid():
            self._filings = (os.getpid(), self._filings_factory())
        return self._filings[1]

    def documents(self) -> DocumentsService:
        """Document jobs also need the blob store: the service is built on `filings()`."""
        if self._documents is None or self._documents[0] != os.getpid():
            if self._documents_factory is None:
                raise RuntimeError("this worker's root gave its jobs no documents service")
            self._documents = (os.getpid(), self._documents_factory(self.filings()))
        return self._documents[1]

    def rebuild(self, name: str, progress: Progress) -> dict[str, Any]:
        """A projection rebuild (the composition root's: it spans the layers)."""
        if self._rebuild is None:
            raise RuntimeError("this worker's root gave its jobs no rebuild")
        return self._rebuild(name, progress)
