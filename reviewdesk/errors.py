"""The one exception tree of reviewdesk.

Every exception reviewdesk raises on purpose descends from `ReviewdeskError`; anything else that
escapes is a bug. The whole tree, with the module each class lives in (a test keeps this drawing
true to the classes):

ReviewdeskError
 ├── UserError                    a message fit for a person; the command line exits 1 with it
 │    ├── StoreError              the store cannot be opened, migrated or written
 │    │    ├── StoreTooNewError   written by a newer reviewdesk
 │    │    ├── DecisionAlreadySentError   store.outbox: the decision left with a sync already
 │    │    ├── TemplateConflictError      a prompt template version has another text already
 │    │    └── SchemaNeedsMigrationError  server.database: an older schema, no --migrate given
 │    ├── ImportFailedError       an import stopped and stored nothing; carries the record errors
 │    ├── FormError               a review form file breaks a rule (names the file and question)
 │    ├── AnswerError             answers that do not fit the queue's form (names the question)
 │    ├── ExpressionError         ingest.transforms: a computed field's expression failed
 │    ├── OtlpError               ingest.otlp: an OTLP trace export or settings file is wrong
 │    ├── UnknownItemError        no item has that id (in the store or on the server)
 │    ├── DecisionConflictError   a decision id is stored already with other content
 │    ├── ExportError             export.options: an export cannot be written as asked
 │    │    ├── ExportInTheWayError     an earlier export or same-named files in the folder
 │    │    └── NothingToExportError    no records; says what the filters left
 │    ├── StatsInputError         stats.errors: an unknown grouping, template, version or price
 │    ├── RemoteError             remote.errors: a call to the server did not succeed
 │    │    ├── ServerUnreachableError   network errors and 408/429/5xx after every retry
 │    │    ├── TokenNeededError         401: no token, or a rejected or revoked one
 │    │    ├── RequestRefusedError      another 4xx: retrying would not help
 │    │    └── VerdictTimeoutError      no final verdict within the caller's timeout
 │    ├── SyncError               sync.errors: a sync step cannot start
 │    │    └── KeychainError      the OS keychain failed or did not answer in time
 │    ├── PushFailedError         cli.push: refused items, or a server unreachable after retries
 │    ├── DatabaseBusyError       server.database: the database did not answer in time
 │    ├── UnknownTokenError       server.access.tokens: no token has that name
 │    ├── LeaseNotFoundError      server.queue.leases: no such lease for this reviewer
 │    ├── LeaseLostError          server.queue.leases: the lease expired or was taken over
 │    └── UnknownWebhookError     server.webhooks.hooks: no webhook has that id
 ├── ApiError                     server.http.problems: an API answer other than success,
 │                                as problem+json with its code
 └── BodyTooLargeError            server.http.problems: a request body over the size limit

Four private ones stay inside their modules: export's `_Cancelled` (a cancelled export), the
desk's `_ImportCancelled` (a cancelled preview or import), the importer's `_DryRun` (rolls a
dry run back) and the transport's `_RetryableResponseError` (an answer worth retrying); all are
ReviewdeskErrors too.
`reviewdesk.client.ClientError` is `RemoteError` under the producer client's documented name.
"""

from __future__ import annotations

__all__ = [
    "AnswerError",
    "DecisionConflictError",
    "FormError",
    "ImportFailedError",
    "ReviewdeskError",
    "StoreError",
    "StoreTooNewError",
    "TemplateConflictError",
    "UnknownItemError",
    "UserError",
]


class ReviewdeskError(Exception):
    """The root of every exception reviewdesk raises on purpose."""


class UserError(ReviewdeskError):
    """Something the user can act on: bad input, a missing file, an unreachable server."""


class StoreError(UserError):
    """The local store cannot be opened, migrated or written."""


class StoreTooNewError(StoreError):
    """The store was written by a newer reviewdesk than this one."""


class TemplateConflictError(StoreError):
    """A prompt template version is stored already with another text."""


class ImportFailedError(UserError):
    """An import stopped and stored nothing."""


class FormError(UserError):
    """A review form (a TOML file, a stored definition) breaks a rule.

    Attributes:
        problems: one line per problem, each naming the file and the question.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


class AnswerError(UserError):
    """Answers that do not fit the queue's form.

    Attributes:
        problems: `(question key, why)` pairs, in the form's question order.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"answers.{key}: {why}" for key, why in problems))
        self.problems = tuple(problems)


class UnknownItemError(UserError):
    """No item has that id (in the store, or on the server)."""


class DecisionConflictError(UserError):
    """A decision id is stored already with another content."""
