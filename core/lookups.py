"""An `__in` lookup on integer columns that survives out-of-range values.

Django answers `filter(pk=10**30)` with an empty result (its
IntegerFieldOverflow lookups) but sends `filter(pk__in=[10**30])` to the
database, where SQLite's driver raises OverflowError. A posted id reaches
such a query in ModelMultipleChoiceField (the attendance boxes of the
session page) and in the admin's autocomplete widget (a prestazione's
supplier): a tampered or mistyped id meant a server error instead of
"not a valid choice". A value outside the column's range matches no row,
so it is dropped from the list; an empty list matches nothing, as usual.
Registered on IntegerField (and so on every auto and integer field) by
core.apps.CoreConfig.ready.
"""

import copy

from django.db.models.lookups import In


def _nel_campo(valore, intervallo) -> bool:
    if not isinstance(valore, int) or isinstance(valore, bool):
        return True
    minimo, massimo = intervallo
    return (minimo is None or valore >= minimo) and (massimo is None or valore <= massimo)


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            try:
                intervallo = connection.ops.integer_field_range(
                    self.lhs.output_field.get_internal_type()
                )
            except KeyError:  # an integer type the backend does not list
                return super().process_rhs(compiler, connection)
            dentro = [valore for valore in self.rhs if _nel_campo(valore, intervallo)]
            if len(dentro) < len(self.rhs):
                ridotto = copy.copy(self)
                ridotto.rhs = dentro
                return In.process_rhs(ridotto, compiler, connection)
        return super().process_rhs(compiler, connection)
