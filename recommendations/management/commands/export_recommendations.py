"""``manage.py export_recommendations --output FILE [--limit N] [--chunk-size 1000]``."""
from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle.exporting import HEADER, recommendations_export


class Command(BaseCommand):
    help = f"""Write the recommendation list of every user with interactions to a CSV file with the
columns {','.join(HEADER)}: exactly what GET /recommendations/{{id}}?limit=N serves (same service,
which also fills the cache). Users are read in chunks; a progress bar goes to stderr. The file
appears only when the export is complete (written under a temporary name, then renamed)."""

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the CSV file to write (replaced if it exists)")
        parser.add_argument(
            "--limit", type=int, default=None,
            help=f"items per user, 1 to {settings.MAX_RECOMMENDATIONS_LIMIT} (default TOP_N_RECOMMENDATIONS)",
        )
        parser.add_argument("--chunk-size", type=int, default=1000, help="users read per query (default 1000)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, output, limit, chunk_size, no_progress, **options):
        limit = settings.TOP_N_RECOMMENDATIONS if limit is None else limit
        if not 1 <= limit <= settings.MAX_RECOMMENDATIONS_LIMIT:
            raise CommandError(f"--limit must be from 1 to {settings.MAX_RECOMMENDATIONS_LIMIT}, not {limit}.")
        if chunk_size < 1:
            raise CommandError(f"--chunk-size must be at least 1, not {chunk_size}.")
        path = Path(output)
        if path.is_dir():
            raise CommandError(f"--output {path} is a folder; give a file name.")
        if not path.parent.is_dir():
            raise CommandError(f"--output {path}: the folder {path.parent} does not exist.")
        try:
            result = recommendations_export(
                output=path, limit=limit, chunk_size=chunk_size,
                progress=None if no_progress else options.get("stderr") or sys.stderr,
            )
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Exported {result.rows} recommendations for {result.users} users to {result.path} "
            f"in {result.seconds:.1f} s."
        )
