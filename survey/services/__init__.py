"""Use cases as typed functions. Each commits at most once and raises domain errors."""


class DomainError(Exception):
    """A request the domain refuses; the web layer turns it into a page."""


class NotFound(DomainError):
    pass


class NotAccepting(DomainError):
    """The programme exists but does not take responses (draft or closed)."""

    def __init__(self, status: str, programme: object | None = None) -> None:
        self.status = status
        #: The programme, so the refusal page can speak the trainee's language.
        self.programme = programme
        super().__init__(status)
