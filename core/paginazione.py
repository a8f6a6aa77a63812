"""A paginator for rows whose number is already known (counted by the same
query as their totals, say): it asks the database for its page only."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class PaginatoreContato(Paginator):
    def __init__(self, object_list, per_page: int, *, conteggio: int) -> None:
        super().__init__(object_list, per_page)
        self._conteggio = conteggio

    @cached_property
    def count(self) -> int:
        return self._conteggio
