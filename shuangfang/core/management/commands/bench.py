from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shuangfang.bench.suite import BENCHMARKS, run_suite


class Command(BaseCommand):
    help = (
        "Run the benchmark suite against this database (generate it first with `shuangfang demo --scale province`), "
        "print the table and write it with the machine description into docs/performance.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", default="", help="comma-separated benchmark numbers (default: all)")
        parser.add_argument(
            "--document",
            default=str(Path(settings.BASE_DIR) / "docs" / "performance.md"),
            help="where to write the table ('' prints only)",
        )

    def handle(self, *args, only, document, **options):
        try:
            numbers = [int(part) for part in only.split(",") if part.strip()] or sorted(BENCHMARKS)
        except ValueError:
            raise CommandError(f"--only takes benchmark numbers 1–{len(BENCHMARKS)}, not {only!r}")
        unknown = [number for number in numbers if number not in BENCHMARKS]
        if unknown:
            raise CommandError(f"no benchmark {unknown}; there are 1–{len(BENCHMARKS)}")
        run_suite(numbers=numbers, document=Path(document) if document else None, report=self.stdout.write)
