"""``manage.py import_interactions PATH [--format csv|movielens] [--strict]``."""
from __future__ import annotations

from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from recommendations.events.importing import (
    ImportAborted,
    ImportFileError,
    ImportResult,
    interactions_import,
)

MAX_BAD_ROWS_PRINTED = 50


class _KeepParagraphs(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the description printed as written."""


class Command(BaseCommand):
    help = """Import interactions from a CSV file or a MovieLens folder, in one transaction.

CSV: header user_id,item_id,interaction_type[,interaction_value][,timestamp]; an empty value is the
type's configured weight; timestamp is unix seconds or ISO-8601 (naive = UTC), empty = now.
MovieLens: a folder with u.data + u.item (ml-100k) or ratings.csv + movies.csv (ml-latest).

The file's ids become the database ids (file user 196 is /users/196). Missing users are created as
'user<id>' with an unusable password; missing items get item_code '<id>' (CSV) or 'ml-<movieId>'
(MovieLens). Movies: title -> name, first genre -> category, genres (lower-case) -> tags, year ->
metadata. Ratings: >= 4.0 stars -> 'like', lower -> 'view'; the stars are the interaction_value.

Re-running is safe: each row gets event_id 'import:<user>:<item>:<type>:<unix_ts>' and stored
events are skipped. Bad rows are reported with line numbers and skipped; --strict aborts instead,
writing nothing."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _KeepParagraphs)  # the help above is laid out by hand
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("path", help="a CSV file, or with --format movielens a MovieLens folder")
        parser.add_argument("--format", dest="fmt", choices=["csv", "movielens"], default="csv")
        parser.add_argument("--strict", action="store_true", help="abort (write nothing) on any bad row")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, path: str, fmt: str, strict: bool, no_progress: bool, **options):
        try:
            result = interactions_import(path=path, fmt=fmt, strict=strict, progress=not no_progress)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except ImportAborted as exc:
            self._report_problems(exc.result)
            raise CommandError(f"--strict: {exc}") from exc
        self._report_problems(result)
        self._summary(result)

    def _report_problems(self, result: ImportResult) -> None:
        for bad in result.bad_rows[:MAX_BAD_ROWS_PRINTED]:
            self.stderr.write(f"bad row: {bad}")
        if result.bad_row_count > MAX_BAD_ROWS_PRINTED:
            self.stderr.write(f"... and {result.bad_row_count - MAX_BAD_ROWS_PRINTED} more bad rows")
        for conflict in result.conflicts:
            self.stderr.write(f"cannot create {conflict}")
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))

    def _summary(self, result: ImportResult) -> None:
        lines = [
            f"Imported {result.path} ({result.kind}) in {result.seconds:.1f} s",
            f"  rows read:             {result.rows_read}",
            f"  interactions created:  {result.interactions_created}",
            f"  already present:       {result.rows_already_present}",
            f"  users created:         {result.users_created}",
            f"  items created:         {result.items_created}",
            f"  bad rows (skipped):    {result.bad_row_count}",
        ]
        if result.item_rows_read:
            lines.insert(2, f"  item rows read:        {result.item_rows_read}")
        if result.rows_skipped:
            lines.append(f"  skipped (id conflict): {result.rows_skipped}")
        self.stdout.write("\n".join(lines))
