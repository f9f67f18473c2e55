"""Which engine transforms the month: DuckDB embedded (default) or Spark (a province)."""
