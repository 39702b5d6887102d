"""RAW SQL: the only SQL chatactions runs itself, on a click's hot path.

``statements`` (the click), ``inserts`` (new rows), ``sequence`` (a
conversation's next position) and ``removals`` (one button removed, as a
callback removes the one clicked) share ``compiled``.

Everything else is the ORM. These statements are compiled by Django (its
quoting, joins, lookups, conversions) once per database alias and reused;
only PostgreSQL's data-modifying ``WITH`` is joined by hand
(``statements._build``). Read with care: this is the security-sensitive path.
"""
