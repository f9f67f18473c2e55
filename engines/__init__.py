"""Which engine transforms the month: DuckDB embedded (default) or Spark (a province)."""

import warnings

# pyspark (imported by Great Expectations and Splink when it is installed) warns on every
# import that it is not tested with pandas 3, which this project pins; the project's use of
# pyspark passes no pandas frames (Arrow only)
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
