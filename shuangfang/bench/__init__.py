"""The benchmark suite (`make bench`): each benchmark measures the platform's figure beside a lower bound taken in the
same run (the raw SQL, the bare parse, COPY of the same rows), so the ratio shows what the platform adds above the
physical work.  Figures go into docs/performance.md; the test suite holds no timed assertions."""
